"""Several app servers: two gunicorn servers on two ports, one PostgreSQL and one Redis. A session
begun on one goes on on the other and ends on both (within a second on the other); failed
sign-ins on both count toward one lock-out; the per-address rate limit is counted once across
both (Redis)."""

from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from fieldapp.models import Role
from tests.conftest import ON_POSTGRES, REDIS_URL, redis_database
from tests.factories import make_school, make_user
from tests.servers import free_port, wait_until_serving

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.postgres_only


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One browser: one cookie jar, used against either server."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )

    def request(self, url: str, data: dict | None = None) -> tuple[int, dict, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(urllib.request.Request(url, data=body), timeout=20) as r:
                return r.status, dict(r.headers), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode()

    def sign_in(self, server: str, email: str, password: str) -> tuple[int, dict, str]:
        _, _, page = self.request(f"{server}/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
            r'name="csrf_token" value="([^"]+)"', page
        )
        assert token, page[:500]
        return self.request(
            f"{server}/login", {"csrf_token": token.group(1), "email": email, "password": password}
        )

    def sign_out(self, server: str) -> int:
        _, _, page = self.request(f"{server}/account")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token, page[:500]
        return self.request(f"{server}/logout", {"csrf_token": token.group(1)})[0]


# Each test here has a Redis database of its own. xdist may run two of them at once, and every
# test signs in from 127.0.0.1: sharing one database, one test's sign-ins counted toward the
# other's rate limit (a 429 one request early), and one test's flush could empty the other's.
REDIS_DATABASES = {
    "test_a_session_begun_on_one_server_goes_on_and_ends_on_the_other": 1,
    "test_failed_sign_ins_on_both_servers_count_toward_one_lock_out": 3,
    "test_the_rate_limit_is_counted_once_across_both_servers": 4,
}


@pytest.fixture
def two_servers(app, app_config, db, tmp_path, request):
    if not (ON_POSTGRES and REDIS_URL):
        pytest.fail("this test needs the PostgreSQL and Redis that scripts/with-postgres.sh starts")
    redis_url = redis_database(REDIS_DATABASES[request.node.name])
    env = {
        **os.environ,
        "FIELDAPP_DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"],
        "FIELDAPP_REDIS_URL": redis_url,
        "FIELDAPP_SECRET_KEY": secrets.token_hex(32),  # the same key on every server
        "FIELDAPP_INSTANCE_PATH": str(tmp_path / "instance"),
        "FIELDAPP_LOGIN_RATE_LIMIT": "12 per minute",
    }
    flush = f"import redis; redis.Redis.from_url({redis_url!r}).flushdb()"
    subprocess.run(  # a clean slate for the limiter's counters, in a Redis database of its own
        [sys.executable, "-c", flush],
        check=True,
    )
    servers, urls, logs = [], [], []
    for n in range(2):
        port = free_port()
        logs.append((tmp_path / f"server{n}.log").open("w"))
        servers.append(
            subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "--workers",
                    "2",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "wsgi:app",
                ],
                cwd=ROOT,
                env=env,
                stdout=logs[-1],
                stderr=subprocess.STDOUT,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url, server, log in zip(urls, servers, logs, strict=True):
            wait_until_serving(f"{url}/healthz", server, Path(log.name))
        yield urls
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=20)
        for log in logs:
            log.close()


def test_a_session_begun_on_one_server_goes_on_and_ends_on_the_other(two_servers, db):
    one, two = two_servers
    school = make_school()
    visitor = make_user(Role.VISITOR, school, password="a long password for two servers")
    db.session.commit()
    browser = Browser()
    status, headers, _ = browser.sign_in(one, visitor.email, "a long password for two servers")
    assert status == 303, status
    status, _, page = browser.request(f"{two}/visits/")
    assert status == 200 and "My visits" in page
    for _ in range(4):  # both workers of the first server have read the session now (likely)
        assert browser.request(f"{one}/visits/")[0] == 200
    cookies = list(browser.jar)
    assert browser.sign_out(two) == 303
    ended = time.monotonic()
    # The old cookie, replayed against the first server, is refused there too: within a second
    # (its workers keep what they read of a session for a second at most).
    replay = Browser()
    for cookie in cookies:
        replay.jar.set_cookie(cookie)
    while True:
        status, headers, _ = replay.request(f"{one}/visits/")
        if status != 200 or time.monotonic() - ended > 3:
            break
        time.sleep(0.05)
    assert status == 302 and "/login" in headers["Location"]
    assert time.monotonic() - ended < 1.5  # a second, and the time a request takes here


def test_failed_sign_ins_on_both_servers_count_toward_one_lock_out(two_servers, db):
    one, two = two_servers
    visitor = make_user(Role.VISITOR, make_school(), password="the right password, long")
    db.session.commit()
    browser = Browser()
    # Five free failures, alternating servers (3 on one, 2 on two): then even the right
    # password must wait, on either server. Counted per server, neither would have reached 5.
    for n in range(5):
        status, _, _ = browser.sign_in((one, two)[n % 2], visitor.email, f"wrong {n}")
        assert status == 401, (n, status)
    for server in (one, two):
        status, headers, page = browser.sign_in(server, visitor.email, "the right password, long")
        assert status == 429, status
        assert "Retry-After" in headers


def test_the_rate_limit_is_counted_once_across_both_servers(two_servers):
    one, two = two_servers
    browser = Browser()
    codes = []
    for n in range(14):  # 12 per minute from one address, across both servers
        status, _, _ = browser.sign_in((one, two)[n % 2], f"nobody{n}@example.org", "x" * 16)
        codes.append(status)
    assert codes[:12] == [401] * 12, codes
    assert codes[12:] == [429, 429], codes
