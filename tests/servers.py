"""Servers the tests start as real processes (gunicorn, the container's start script, an SMTP
sink): a free port to bind, and waiting until one answers."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen, log: Path, tries: int = 300) -> bytes:
    """The body of the first 200 answer from ``url``; fails with the server's log when the process
    ends first or nothing answers within ``tries`` tenths of a second."""
    for _ in range(tries):
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return r.read()
        except OSError:
            pass
        if process.poll() is not None:
            pytest.fail(f"the server ended ({process.returncode}): {log.read_text()}")
        time.sleep(0.1)
    pytest.fail(f"{url} did not answer: {log.read_text()}")
