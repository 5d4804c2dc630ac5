"""Two real gunicorn workers, as `make run` starts them, on the embedded default (the app's
database, no Redis): the family page's limit is counted once for both, and gunicorn's logs (JSON
here) never hold a whole token.

Which worker answers is forced, not left to chance: a worker of gunicorn's sync kind serves one
connection at a time, so a connection that sent half a request keeps that worker busy and every
other request goes to the other one."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import types
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.servers import free_port, wait_until_serving

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OFFER_LIMIT = 20


@pytest.fixture
def gunicorn(app_config, tmp_path):
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("FIELDAPP_REDIS_URL", "FIELDAPP_TRUSTED_PROXIES")
    }
    env.update(
        FIELDAPP_DATABASE_URL=app_config["SQLALCHEMY_DATABASE_URI"],
        FIELDAPP_SECRET_KEY=secrets.token_hex(32),
        FIELDAPP_INSTANCE_PATH=str(tmp_path / "instance"),
        FIELDAPP_LOG_FORMAT="json",
    )
    access, errors = tmp_path / "access.log", tmp_path / "errors.log"
    with errors.open("w") as error_log:
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--access-logfile",
                str(access),
                "wsgi:app",
            ],
            cwd=ROOT,  # where gunicorn.conf.py names the app's logger class
            env=env,
            stdout=error_log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(f"{url}/healthz", server, errors)
            yield types.SimpleNamespace(url=url, port=port, access=access, errors=errors)
        finally:
            server.terminate()
            server.wait(timeout=20)


def get(url: str, headers: dict | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {})) as r:
            return r.status
    except urllib.error.HTTPError as e:
        e.read()
        return e.code


def token(n: int) -> str:
    """A link's token that names its request in the masked log: its first 4 characters."""
    return f"{n:04d}" + secrets.token_urlsafe(16)


class HalfRequest:
    """A connection that sent half of a GET: it keeps the worker that took it busy."""

    def __init__(self, port: int, path: str):
        self.socket = socket.create_connection(("127.0.0.1", port))
        self.socket.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())
        time.sleep(0.5)  # taken by an idle worker

    def finish(self) -> int:
        self.socket.sendall(b"Connection: close\r\n\r\n")
        answer = b""
        while chunk := self.socket.recv(65536):
            answer += chunk
        self.socket.close()
        return int(answer.split(b" ", 2)[1])


def test_two_workers_count_one_limit_and_log_no_token(gunicorn):
    tokens = [token(n) for n in range(OFFER_LIMIT + 2)]
    codes = {}
    first = HalfRequest(gunicorn.port, f"/o/{tokens[10]}")  # keeps one worker (A) busy
    for n in range(10):  # served by B
        codes[n] = get(
            f"{gunicorn.url}/o/{tokens[n]}", {"Referer": f"{gunicorn.url}/o/{tokens[n]}"}
        )
    last = HalfRequest(gunicorn.port, f"/o/{tokens[21]}")  # B is taken now
    codes[10] = first.finish()  # A answers
    for n in range(11, OFFER_LIMIT + 1):  # served by A
        codes[n] = get(f"{gunicorn.url}/o/{tokens[n]}")
    codes[21] = last.finish()  # B answers

    assert all(codes[n] != 429 for n in range(OFFER_LIMIT)), codes
    assert codes[OFFER_LIMIT] == 429, codes  # the 21st, on A, which itself served only 11
    assert codes[21] == 429, codes  # and on B

    for other in (f"/password/reset/{tokens[0]}", f"/calendar/{tokens[1]}.ics"):
        get(gunicorn.url + other, {"X-Request-ID": "req-42"})
    time.sleep(0.5)  # gunicorn writes its access lines after the answer
    access = gunicorn.access.read_text()
    lines = [json.loads(line) for line in access.splitlines()]
    worker = {
        line["path"][3:7]: line["process"] for line in lines if line["path"].startswith("/o/")
    }
    assert worker["0010"] == worker["0020"] != worker["0000"] == worker["0021"]
    assert len({worker[f"{n:04d}"] for n in range(10)}) == 1
    for line in lines:
        assert {"time", "level", "logger", "message", "method", "path", "status"} <= set(line)
        assert isinstance(line["duration_ms"], float)
    assert any(line.get("request_id") == "req-42" for line in lines)
    assert [line["status"] for line in lines if line["path"].startswith("/o/0020")] == [429]
    everything = access + gunicorn.errors.read_text()
    for whole in tokens:
        assert whole not in everything
    assert f"/o/{tokens[3][:4]}…" in access
    for line in gunicorn.errors.read_text().splitlines():
        json.loads(line)
