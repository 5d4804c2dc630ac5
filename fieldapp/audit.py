"""Writing the audit trail. Every service that reads or changes a family record calls ``record``
(in the request's own transaction: a view that writes commits it with its change), and a view
that only *reads* a record calls ``viewed``: its event waits in a per-process buffer and is
written with the others of the same second, one insert and one commit for all of them, so that
reading a page costs no commit (and no fsync) of its own.

The buffer is written every ``AUDIT_FLUSH_SECONDS`` (1) by a thread of each worker process, and
when the process exits normally. A worker that crashes (killed, out of memory) loses the events
of at most its last ``AUDIT_FLUSH_SECONDS``; while the database refuses the insert, events are
kept and tried again (``MAX_WAITING`` of them at most). ``AUDIT_FLUSH_SECONDS = 0`` writes them
when the request's app context ends (tests: each read's event is there once the request ended).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from typing import Any

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import insert

from fieldapp import clock, config
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, User

log = logging.getLogger(__name__)

MAX_WAITING = 100_000  # events kept while the database refuses them; the oldest go beyond


def _event(
    action: str, actor: User | None, obj: Any, school_id: int | None, success: bool, detail: dict
) -> dict[str, Any]:
    return {
        "action": action,
        "actor_id": actor.id if actor is not None and actor.is_authenticated else None,
        "object_type": type(obj).__name__.lower() if obj is not None else None,
        "object_id": getattr(obj, "id", None),
        "school_id": school_id,
        "success": success,
        "ip": request.remote_addr if has_request_context() else None,
        "detail": detail,
    }


def record(
    action: str,
    *,
    actor: User | None = None,
    obj: Any = None,
    school_id: int | None = None,
    success: bool = True,
    **detail: Any,
) -> AuditEvent:
    """An event in the caller's transaction: it is kept if and when the caller commits."""
    event = AuditEvent(**_event(action, actor, obj, school_id, success, detail))
    db.session.add(event)
    return event


def viewed(
    action: str,
    *,
    actor: User | None = None,
    obj: Any = None,
    school_id: int | None = None,
    **detail: Any,
) -> None:
    """A read of a record, by a view that writes nothing else: buffered, written within
    ``AUDIT_FLUSH_SECONDS`` (no commit of the request's own)."""
    row = _event(action, actor, obj, school_id, True, detail)
    row["at"] = clock.now()  # when it was read, not when the batch is written
    buffer(current_app).add(row)


class Buffer:
    """The read events of one app in one process, waiting for their batch."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.seconds = float(app.config["AUDIT_FLUSH_SECONDS"])
        self._reset()

    def _reset(self) -> None:
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.rows: list[dict[str, Any]] = []
        self.thread: threading.Thread | None = None

    def add(self, row: dict[str, Any]) -> None:
        if self.pid != os.getpid():
            self._reset()  # a forked child: the parent's rows are the parent's to write
        with self.lock:
            self.rows.append(row)
            if self.seconds > 0 and (self.thread is None or not self.thread.is_alive()):
                self.thread = threading.Thread(target=self._run, name="audit-flush", daemon=True)
                self.thread.start()

    def _run(self) -> None:
        atexit.register(self.flush)  # a normal exit (gunicorn's worker restart) writes the rest
        while True:
            time.sleep(self.seconds)
            self.flush()

    def flush(self) -> int:
        """Write what waits, in one insert and one commit; the number of events written."""
        with self.lock:
            rows, self.rows = self.rows, []
        if not rows:
            return 0
        try:
            with self.app.app_context(), db.engine.begin() as conn:
                conn.execute(insert(AuditEvent), rows)
        except Exception:
            log.exception("audit events not written yet (%d): tried again", len(rows))
            with self.lock:
                self.rows[:0] = rows
                del self.rows[:-MAX_WAITING]
            return 0
        return len(rows)


def buffer(app: Flask) -> Buffer:
    found = app.extensions.get("fieldapp.audit_buffer")
    if found is None:
        found = app.extensions["fieldapp.audit_buffer"] = Buffer(app)
    return found


def flush(app: Flask | None = None) -> int:
    """Write the buffered read events now (tests, commands)."""
    return buffer(app or current_app).flush()


def init_app(app: Flask) -> None:
    """Call before ``db.init_app``: app-context teardowns run last-registered first, so with
    ``AUDIT_FLUSH_SECONDS = 0`` the events are written after the request's session is gone
    (never while it may hold a write of its own)."""
    default = "0" if os.environ.get("FIELDAPP_TASKS_IMMEDIATE") == "1" else "1"
    if "AUDIT_FLUSH_SECONDS" not in app.config:
        app.config["AUDIT_FLUSH_SECONDS"] = config.seconds("FIELDAPP_AUDIT_FLUSH_SECONDS", default)
    buffer(app)

    @app.teardown_appcontext
    def _write_now(_exc: BaseException | None) -> None:
        found = app.extensions.get("fieldapp.audit_buffer")
        if found is not None and found.seconds <= 0 and found.rows:
            found.flush()
