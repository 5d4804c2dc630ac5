"""A real OpenID Provider for the tests: panva's ``oidc-provider`` (npm, pinned in
package-lock.json) run by Node from ``tests/oidc/provider.mjs`` on 127.0.0.1 over plain http.

Its login page is oidc-provider's development one: a form with the login id (``login``) and any
password; only the logins in ``accounts`` get through. No consent screen."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.servers import free_port, wait_until_serving

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
PACKAGE = ROOT / "node_modules" / "oidc-provider" / "package.json"


@contextmanager
def node_oidc_provider(
    tmp_path: Path, *, clients: list[dict], accounts: dict[str, dict]
) -> Iterator[str]:
    """Yields the issuer (``http://127.0.0.1:<port>``) once its discovery document answers.

    ``clients``: ``[{"client_id", "client_secret", "redirect_uris": [...],
    "post_logout_redirect_uris": [...]}]``; ``accounts``: ``{"<login id>": {"sub", "email",
    "email_verified", "name", "tid" (optional)}}``."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: the OpenID Provider of the tests runs on Node.js (20+)")
    if not PACKAGE.is_file():
        pytest.fail(f"{PACKAGE.parent} is missing: run `make` (npm ci) to install the test tools")
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    config = {"port": port, "clients": clients, "accounts": accounts}
    log_path = tmp_path / f"oidc-provider-{port}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [node, str(SCRIPT)],
            cwd=ROOT,
            env={**os.environ, "OIDC_CONFIG": json.dumps(config)},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_serving(f"{issuer}/.well-known/openid-configuration", process, log_path)
            yield issuer
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
