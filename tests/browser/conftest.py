"""Browser tests: Debian's Chromium driven by Playwright (no browser downloads), against the
app served on 127.0.0.1 from a thread, on a database seeded with the demo district."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from fieldapp import create_app, demo
from fieldapp.extensions import db
from tests.conftest import ON_POSTGRES, base_config

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
SCREENS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium as root")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": PHONE,
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    }


def demo_app(folder: Path, migrated_db) -> Flask:
    """The app on its own copy of the migrated database, seeded with the demo district."""
    config = base_config(migrated_db.fresh(folder), folder / "instance")
    # Every browser test signs in from 127.0.0.1 against this one server: more than the real
    # limit of 30 a minute on a busy worker. The limit itself is tested in tests/auth.
    config["LOGIN_RATE_LIMIT"] = "600 per minute"
    config["OFFER_RATE_LIMIT"] = "600 per minute"  # families' pages, opened by many tests
    app = create_app(config)
    with app.app_context():
        demo.seed()
        db.session.remove()
    return app


@contextmanager
def serving(app: Flask) -> Iterator[LiveServer]:
    """``app`` served on 127.0.0.1 (a free port) from a thread until the block ends."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, migrated_db):
    with serving(demo_app(tmp_path_factory.mktemp("live"), migrated_db)) as live:
        yield live


@dataclass
class LiveServer:
    url: str
    app: Flask

    def query(self, fn):
        """Run ``fn()`` against the live app's database and return its result."""
        with self.app.app_context():
            try:
                return fn()
            finally:
                db.session.remove()


@pytest.fixture
def time_passes(live_server):
    """Move the live app's clock forward (its config only); put it back after the test."""

    def move(delta: timedelta) -> None:
        live_server.app.config["CLOCK_OFFSET"] = delta

    yield move
    live_server.app.config.pop("CLOCK_OFFSET", None)


@pytest.fixture
def sign_in(page, live_server):
    def sign_in(email: str, password: str = demo.DEMO_PASSWORD):
        page.goto(f"{live_server.url}/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        # Wait for the sign-in itself: the boosted form posts without a navigation, so
        # "networkidle" alone may be reached before the post starts (a race with the next goto).
        with page.expect_response(
            lambda r: r.request.method == "POST" and r.url.split("?")[0].endswith("/login")
        ):
            page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("networkidle")
        return page

    return sign_in


def save_screenshot(page, name: str) -> Path:
    """A full-page PNG under test-artifacts/screens/, to look at after the run: taken by the
    SQLite run; the PostgreSQL run would only overwrite it with the same page."""
    path = SCREENS / f"{name}.png"
    if ON_POSTGRES:
        return path
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def screenshot(page):
    return lambda name: save_screenshot(page, name)


@pytest.fixture(autouse=True)
def no_csp_violations(request):
    """Every browser test fails when the page reports a Content-Security-Policy violation."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if "Content Security Policy" in m.text or "Refused to" in m.text
            else None
        ),
    )
    yield
    assert not problems, problems
