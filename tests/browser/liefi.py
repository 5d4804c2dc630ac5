"""Lie-fi for browser tests: a WSGI middleware in front of the live app that makes chosen
requests hang (then resume or die), fail with a 500, meet a Wi-Fi login page, or reach the app
and lose their answer on the way back. The browser believes it is online throughout, as a phone
with one bar does. (Offline proper is Playwright's ``context.set_offline``.)"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from dataclasses import dataclass, field

FAULTS = ("hang", "500", "captive", "drop_after_store", "offline")
# What a visitor writes in the field: a contact, a reflection, a draft, or the queue sending them.
FIELD_WRITES = r"^POST /(sync$|visits/\d+/(contacts|reflection|reflection/draft)$)"


class Dropped(Exception):
    """The connection was closed with no answer."""


@dataclass
class Held:
    path: str
    gate: threading.Event = field(default_factory=threading.Event)
    resume: bool = False


class LieFi:
    """Wraps a WSGI app. ``fault(mode, pattern)`` applies ``mode`` to every request whose
    "METHOD /path" matches ``pattern`` until ``clear()``; held requests wait for ``release``."""

    def __init__(self, app):
        self.app = app
        self.mode: str | None = None
        self.pattern: re.Pattern | None = None
        self.held: list[Held] = []
        self.seen: list[str] = []  # "METHOD /path" of each faulted request
        self.delay = 0.0  # seconds added to every matching request (a slow link)
        self.lock = threading.Lock()

    def fault(self, mode: str | None, pattern: str = r"^POST ") -> None:
        with self.lock:
            self.mode, self.pattern = mode, re.compile(pattern)

    def clear(self) -> None:
        with self.lock:
            self.mode, self.pattern, self.delay = None, None, 0.0

    def release(self, resume: bool) -> int:
        """Let the held requests go on to the app (``resume``) or close them unanswered."""
        with self.lock:
            held, self.held = self.held, []
        for h in held:
            h.resume = resume
            h.gate.set()
        return len(held)

    def wait_held(self, count: int = 1, timeout: float = 10.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                if len(self.held) >= count:
                    return
            time.sleep(0.02)
        raise AssertionError(f"no request was held within {timeout} s (seen: {self.seen})")

    def _drop(self, environ) -> None:
        sock = environ.get("werkzeug.socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __call__(self, environ, start_response):
        line = f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '')}"
        with self.lock:
            mode = self.mode if self.pattern and self.pattern.search(line) else None
            delay = self.delay if self.pattern and self.pattern.search(line) else 0.0
            if mode:
                self.seen.append(line)
        if delay:
            time.sleep(delay)
        if mode == "hang":
            held = Held(line)
            with self.lock:
                self.held.append(held)
            held.gate.wait(timeout=60)
            if not held.resume:
                self._drop(environ)
                start_response("500 Dropped", [("Content-Length", "0")])
                return []
            return self.app(environ, start_response)
        if mode == "500":
            start_response("500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain")])
            return [b"Internal Server Error"]
        if mode == "captive":
            start_response("200 OK", [("Content-Type", "text/html")])
            return [b"<!doctype html><h1>Welcome to CafeWifi</h1><p>Accept the terms to go on.</p>"]
        if mode == "drop_after_store":
            answer = self.app(environ, lambda *a, **k: None)  # the app does its work...
            try:
                b"".join(answer)
            finally:
                if hasattr(answer, "close"):
                    answer.close()
            self._drop(environ)  # ...and its answer never reaches the phone
            start_response("500 Dropped", [("Content-Length", "0")])
            return []
        return self.app(environ, start_response)
