"""Logs keep no key: the family's link, a reset link and a calendar feed link are masked in every
line the app, Werkzeug's development server and gunicorn write; JSON lines on request.
(tests/test_rate_limits_workers.py reads a real gunicorn's JSON logs too.)"""

from __future__ import annotations

import io
import json
import logging
import secrets
import sys
import threading
import urllib.error
import urllib.request
from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from werkzeug.serving import make_server

from fieldapp import config, create_app, logs
from fieldapp.logs import GunicornLogger, mask_tokens


def keyed_paths() -> dict[str, str]:
    """A link of each kind that is a key, each with its own token."""
    return {
        f"/o/{secrets.token_urlsafe(16)}": "offer",
        f"/password/reset/{secrets.token_urlsafe(32)}": "reset",
        f"/calendar/{secrets.token_urlsafe(32)}.ics": "feed",
    }


def token_of(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[1].removesuffix(".ics")


def test_a_keyed_link_keeps_only_its_first_characters():
    assert mask_tokens('"GET /o/abcdefghijklmnopqrstuv HTTP/1.1" 200') == (
        '"GET /o/abcd… HTTP/1.1" 200'
    )
    assert mask_tokens("https://x.org/calendar/AbCd-_efgh1234.ics?x=1") == (
        "https://x.org/calendar/AbCd….ics?x=1"
    )
    assert mask_tokens("/password/reset/abcdefgh/ then /o/zyxwvuts") == (
        "/password/reset/abcd…/ then /o/zyxw…"
    )
    assert mask_tokens(mask_tokens("/o/abcdefgh")) == "/o/abcd…"
    assert mask_tokens("/visits/12/offer /static/app.css /o/") == (
        "/visits/12/offer /static/app.css /o/"
    )


def test_every_route_whose_url_holds_a_token_is_masked(app):
    """A new route with a key in its URL must be added to logs.KEYED_PATH."""
    adapter = app.url_map.bind("localhost")
    keyed = [rule for rule in app.url_map.iter_rules() if "token" in rule.arguments]
    assert {rule.endpoint for rule in keyed} >= {
        "offers.family",
        "auth.reset_password",
        "calendar_feed.feed",
    }
    for rule in keyed:
        secret = secrets.token_urlsafe(32)
        values = {name: secret if name == "token" else 1 for name in rule.arguments}
        path = adapter.build(rule.endpoint, values, method=next(iter(rule.methods)))
        assert secret in path and secret not in mask_tokens(path), rule


@pytest.fixture
def captured():
    """What the root logger's handler of ours writes, as the app configures it."""
    buffer = io.StringIO()

    def use(kind: str):
        logs.configure(kind, logging.StreamHandler(buffer))
        return buffer

    yield use
    logs.configure("text")


@pytest.fixture
def dev_server(app):
    """The app on Werkzeug's development server (what `flask run` uses), in a thread."""
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def fetch(url: str, headers: dict | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {})) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        e.read()
        return e.code


@pytest.mark.parametrize("kind", ["text", "json"])
def test_the_development_server_logs_no_token(captured, dev_server, kind):
    buffer = captured(kind)
    paths = keyed_paths()
    for path in paths:
        fetch(dev_server + path, {"Referer": dev_server + path})
    written = buffer.getvalue()
    for path in paths:
        assert path.split("/")[1] in written  # the request was logged…
        assert token_of(path) not in written  # …without its token
        assert mask_tokens(path) in written
    if kind == "json":
        lines = [json.loads(line) for line in written.splitlines()]
        access = [line for line in lines if line["logger"] == "werkzeug"]
        assert {line["path"] for line in access} == {mask_tokens(p) for p in paths}
        for line in access:
            assert line["method"] == "GET" and line["status"].isdigit()
            assert {"time", "level", "message"} <= set(line)


@pytest.mark.parametrize("kind", ["text", "json"])
def test_an_error_on_a_keyed_page_logs_no_token(app, captured, kind):
    """Flask logs an unhandled error with the request's path, and the traceback may quote it."""
    buffer = captured(kind)
    for path in keyed_paths():
        with app.test_request_context(path, headers={"X-Request-ID": "abc-123"}):
            try:
                raise RuntimeError(f"could not answer {path}")
            except RuntimeError:
                app.log_exception(sys.exc_info())
            app.logger.warning("looked at %s", path)
            written = buffer.getvalue()
            assert f"Exception on {mask_tokens(path)} [GET]" in written
            assert token_of(path) not in written
    if kind == "json":
        lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
        assert len(lines) == 6
        for line in lines:
            assert line["request_id"] == "abc-123" and line["method"] == "GET"
            assert line["path"].endswith("…") or line["path"].endswith("….ics")
            assert line["logger"] == "fieldapp"
        assert all("RuntimeError" in line["exception"] for line in lines[::2])


def test_a_request_id_that_is_not_an_id_is_left_out(app, captured):
    buffer = captured("json")
    with app.test_request_context("/", headers={"X-Request-ID": 'x" {"level": "fake"}'}):
        app.logger.warning("hello")
    (line,) = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert "request_id" not in line and line["message"] == "hello"


def gunicorn_logger(tmp_path, monkeypatch, kind: str) -> tuple[GunicornLogger, object]:
    monkeypatch.setenv("FIELDAPP_LOG_FORMAT", kind)
    cfg = Config()
    cfg.set("accesslog", str(tmp_path / f"access-{kind}.log"))
    cfg.set("errorlog", str(tmp_path / f"error-{kind}.log"))
    return GunicornLogger(cfg), tmp_path


def served(logger: GunicornLogger, path: str) -> None:
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path + "?lang=es",
        "PATH_INFO": path,
        "QUERY_STRING": "lang=es",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
        "HTTP_REFERER": f"https://visits.example.org{path}",
        "HTTP_X_REQUEST_ID": "req-7",
    }
    response = SimpleNamespace(status="404 NOT FOUND", headers=[("Location", path)], sent=12)
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    logger.access(response, request, environ, timedelta(milliseconds=12, microseconds=300))
    logger.error("worker saw %s", path)


def close(logger: GunicornLogger) -> None:
    for log in (logger.error_log, logger.access_log):
        for handler in list(log.handlers):
            handler.close()
            log.removeHandler(handler)


def test_gunicorns_text_access_log_masks_the_line_the_referrer_and_every_header(
    tmp_path, monkeypatch
):
    logger, folder = gunicorn_logger(tmp_path, monkeypatch, "text")
    logger.cfg.set(
        "access_log_format", '%(h)s "%(r)s" %(s)s "%(f)s" %(U)s %({referer}i)s %({location}o)s'
    )
    paths = keyed_paths()
    try:
        for path in paths:
            served(logger, path)
    finally:
        close(logger)
    access = (folder / "access-text.log").read_text()
    errors = (folder / "error-text.log").read_text()
    assert len(access.splitlines()) == 3
    for path in paths:
        assert token_of(path) not in access + errors
        assert f'"GET {mask_tokens(path)}?lang=es HTTP/1.1" 404' in access
    assert access.startswith("203.0.113.7 ")


def test_gunicorns_json_logs_are_one_object_per_line(tmp_path, monkeypatch):
    logger, folder = gunicorn_logger(tmp_path, monkeypatch, "json")
    paths = keyed_paths()
    try:
        for path in paths:
            served(logger, path)
    finally:
        close(logger)
    access = [json.loads(line) for line in (folder / "access-json.log").read_text().splitlines()]
    errors = [json.loads(line) for line in (folder / "error-json.log").read_text().splitlines()]
    assert [line["path"] for line in access] == [mask_tokens(p) + "?lang=es" for p in paths]
    for line in access:
        assert line["logger"] == "gunicorn.access" and line["level"] == "INFO"
        assert line["method"] == "GET" and line["status"] == 404
        assert line["duration_ms"] == 12.3 and line["request_id"] == "req-7"
        assert line["remote_addr"] == "203.0.113.7"
    assert [line["logger"] for line in errors] == ["gunicorn.error"] * 3
    for path in paths:
        assert token_of(path) not in json.dumps(access + errors)


def test_the_log_format_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDAPP_LOG_FORMAT", "JSON")
    assert config.from_environment(str(tmp_path), {"SECRET_KEY": "x"})["LOG_FORMAT"] == "json"
    monkeypatch.delenv("FIELDAPP_LOG_FORMAT")
    assert config.from_environment(str(tmp_path), {"SECRET_KEY": "x"})["LOG_FORMAT"] == "text"
    monkeypatch.setenv("FIELDAPP_LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="FIELDAPP_LOG_FORMAT"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
