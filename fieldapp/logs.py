"""Log lines that keep no secret: links that are keys are masked, as text or as JSON.

A family's time-choice link (``/o/<token>``), a password reset link and a calendar feed link
are keys: whoever reads one in a log could use it. Every line the app, Werkzeug's development
server or gunicorn writes goes through ``mask_tokens`` (a handler filter for the app's loggers,
``GunicornLogger`` for gunicorn's access and error logs, which ``gunicorn.conf.py`` names), so
only the first characters of a token are ever written: ``/o/abcd…``.

``FIELDAPP_LOG_FORMAT=json`` writes one JSON object per line (time, level, logger, message and,
when there is one, the request id, method, masked path, status and duration) for the app and
for gunicorn's access log; text is the default.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from datetime import UTC, datetime

from flask import Flask, has_request_context, request
from gunicorn.glogging import Logger as _GunicornBaseLogger

# The paths whose last part is a key (tests/test_logging.py checks that every route with a
# ``token`` in its URL is covered). The first 4 characters are kept, to tell links apart.
KEYED_PATH = re.compile(r"(/o/|/password/reset/|/calendar/)([^/?#&\s\"'.]{4})[^/?#&\s\"'.]+")
KEPT = 4
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# A request id set by the proxy in front (nginx: proxy_set_header X-Request-ID $request_id).
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def mask_tokens(text: str) -> str:
    return KEYED_PATH.sub(lambda m: f"{m[1]}{m[2]}…", text)


def request_id(headers) -> str | None:
    value = headers.get("X-Request-ID", "")
    return value if REQUEST_ID.fullmatch(value) else None


class RequestFields(logging.Filter):
    """Adds the request's id, method and path to a record written during a request, and the
    same from a line of Werkzeug's development server (its access log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = request_id(request.headers)
            record.http_method = request.method
            record.http_path = request.path
        elif record.name == "werkzeug" and isinstance(record.args, tuple) and len(record.args) == 3:
            line, status, _size = record.args
            parts = ANSI.sub("", str(line)).split()
            if len(parts) == 3:
                record.http_method, record.http_path = parts[0], parts[1]
                record.http_status = str(status)
        return True


class MaskTokens(logging.Filter):
    """Writes the record's message (and traceback) with every keyed link masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = mask_tokens(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_tokens(record.exc_text)
        if getattr(record, "http_path", None):
            record.http_path = mask_tokens(record.http_path)
        return True


MASK = MaskTokens()

# The optional fields of a JSON line, and the record attribute each comes from.
JSON_FIELDS = {
    "request_id": "request_id",
    "method": "http_method",
    "path": "http_path",
    "status": "http_status",
    "duration_ms": "duration_ms",
    "remote_addr": "remote_addr",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "process": record.process,  # which gunicorn worker
            "message": mask_tokens(ANSI.sub("", record.getMessage()).strip()),
        }
        for field, attribute in JSON_FIELDS.items():
            value = getattr(record, attribute, None)
            if value is not None:
                entry[field] = mask_tokens(value) if isinstance(value, str) else value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = mask_tokens(record.exc_text)
        return json.dumps(entry, ensure_ascii=False, default=str)


TEXT_FORMAT = "[%(asctime)s] %(levelname)s %(name)s: %(message)s"


def formatter(kind: str) -> logging.Formatter:
    return JsonFormatter() if kind == "json" else logging.Formatter(TEXT_FORMAT)


class _Stderr(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (a test's capture, a server's log)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def configure(kind: str, handler: logging.Handler | None = None) -> logging.Handler:
    """The root logger's one handler of ours (replacing any earlier one): masked, text or JSON.
    The app's logger, Werkzeug's and the libraries' all reach it."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "fieldapp", False)]:
        root.removeHandler(old)
    handler = handler or _Stderr()
    handler.fieldapp = True
    handler.addFilter(RequestFields())
    handler.addFilter(MASK)
    handler.setFormatter(formatter(kind))
    root.addHandler(handler)
    # Werkzeug gives its logger a handler of its own when it logs before any is configured.
    for own in logging.getLogger("werkzeug").handlers:
        own.addFilter(MASK)
    if root.getEffectiveLevel() > logging.INFO:
        root.setLevel(logging.INFO)
    return handler


def init_app(app: Flask) -> None:
    configure(app.config["LOG_FORMAT"])


class GunicornLogger(_GunicornBaseLogger):
    """gunicorn's logs, masked (each line as written, by ``MASK`` on every handler: its ~36
    atoms are not masked one by one first); JSON lines when ``FIELDAPP_LOG_FORMAT=json``."""

    def setup(self, cfg):
        super().setup(cfg)
        self.json = os.environ.get("FIELDAPP_LOG_FORMAT", "text").strip().lower() == "json"
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.addFilter(MASK)
                if self.json:
                    handler.setFormatter(JsonFormatter())

    def access(self, resp, req, environ, request_time):
        if not getattr(self, "json", False):
            return super().access(resp, req, environ, request_time)
        if not self.access_log_enabled:
            return None
        status = str(resp.status).split(None, 1)[0]
        method, path = environ.get("REQUEST_METHOD", "-"), environ.get("RAW_URI", "-")
        self.access_log.info(
            "%s %s %s",
            method,
            path,
            status,
            extra={
                "request_id": request_id({"X-Request-ID": environ.get("HTTP_X_REQUEST_ID", "")}),
                "http_method": method,
                "http_path": path,
                "http_status": int(status) if status.isdigit() else status,
                "duration_ms": round(request_time.total_seconds() * 1000, 1),
                "remote_addr": environ.get("REMOTE_ADDR"),
            },
        )
        return None
