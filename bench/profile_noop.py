"""Where a signed-in request that does nothing spends its time, beyond a Flask hello-world.

A timing middleware, in one process, no server and no network: every before/after/teardown
hook, the session cookie's open and save, the user loader (Flask-Login's callback), Babel's
locale selector and the view itself are wrapped with ``perf_counter``; each request is one call
of ``app.wsgi_app`` with an environ built outside the timed part, its body read to the end.
The rest of a request ("Flask dispatch, request/response objects") is the total minus the
timed parts. Hello-world (``bench/hello.py``) is timed the same way in the same run.

    PYTHONPATH=. .venv/bin/python bench/profile_noop.py [requests] [path]

``requests`` (3000), ``path`` (/healthz). Times are this thread's CPU time (``time.thread_time``)
unless ``PROFILE_CLOCK=wall``. The database is a fresh migrated SQLite file in a
temporary folder with one signed-in visitor (the session row and their role, as in the bench).
"""

from __future__ import annotations

import functools
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("FIELDAPP_TASKS_IMMEDIATE", "1")

from werkzeug.test import EnvironBuilder  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

# CPU time of this thread by default (others share the machine: wall time counts their turns
# too); PROFILE_CLOCK=wall for wall time (then waits on the database count as well).
CLOCK = time.perf_counter if os.environ.get("PROFILE_CLOCK") == "wall" else time.thread_time
TIMES: dict[str, float] = defaultdict(float)
NESTED: dict[str, str] = {}  # component -> the component whose time includes it


def timed(name: str, fn, parent: str | None = None):
    if parent:
        NESTED[name] = parent

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        start = CLOCK()
        try:
            return fn(*args, **kwargs)
        finally:
            TIMES[name] += CLOCK() - start

    return wrapper


def hook_name(fn) -> str:
    fn = getattr(fn, "func", fn)
    module = getattr(fn, "__module__", "?") or "?"
    return f"{module.split('.')[0]}:{getattr(fn, '__name__', repr(fn))}"


def instrument(app) -> None:
    from fieldapp.extensions import login_manager

    for table in ("before_request_funcs", "after_request_funcs", "teardown_request_funcs"):
        for funcs in getattr(app, table).values():
            kind = table.split("_")[0]
            funcs[:] = [timed(f"{kind} {hook_name(f)}", f) for f in funcs]
    app.teardown_appcontext_funcs[:] = [
        timed(f"teardown_app {hook_name(f)}", f) for f in app.teardown_appcontext_funcs
    ]
    iface = app.session_interface
    iface.open_session = timed("session cookie: open", iface.open_session)
    iface.save_session = timed("session cookie: save", iface.save_session)
    if login_manager._user_callback is not None:
        login_manager._user_callback = timed(
            "Flask-Login user loader (sessions.load_user)",
            login_manager._user_callback,
            parent="before fieldapp:check_session",
        )
    babel = app.extensions.get("babel")
    if babel is not None and getattr(babel, "locale_selector", None):
        babel.locale_selector = timed("Babel locale selector", babel.locale_selector)
    for endpoint, view in list(app.view_functions.items()):
        app.view_functions[endpoint] = timed("view", view)


def _start_response(statuses: list[str], status: str, headers, exc_info=None) -> None:
    statuses.append(status)


def run(app, n: int, path: str, cookie: str | None) -> list[float]:
    headers = {"Accept-Language": "en", "Accept-Encoding": "gzip, br"}
    if cookie:
        headers["Cookie"] = cookie
    totals = []
    for _ in range(n):
        environ = EnvironBuilder(path=path, headers=headers).get_environ()
        statuses: list[str] = []
        start = CLOCK()
        body = app.wsgi_app(environ, functools.partial(_start_response, statuses))
        for _chunk in body:
            pass
        if hasattr(body, "close"):
            body.close()
        totals.append(CLOCK() - start)
        assert statuses[0].startswith("200"), statuses
    return totals


def fieldapp_signed_in(folder: Path):
    from flask_login.utils import _create_identifier
    from flask_migrate import upgrade

    from fieldapp import create_app
    from fieldapp.auth import sessions
    from fieldapp.extensions import db
    from fieldapp.models import Role
    from tests.factories import make_user

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'profile.db'}",
            "SECRET_KEY": "profile-only",
            "INSTANCE_PATH": str(folder / "instance"),
            "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
        }
    )
    with app.app_context():
        upgrade()
        user = make_user(Role.VISITOR)
        db.session.commit()
        with app.test_request_context():
            from datetime import UTC, datetime

            token = sessions.start(user, now=datetime.now(UTC), ip="127.0.0.1", user_agent="x")
            db.session.commit()
            client = app.test_client()
            with client.session_transaction() as s:
                s["_user_id"] = user.get_id()
                s["_fresh"] = True
                s["_id"] = _create_identifier()  # as login_user sets it: no re-save per request
                s["sid"] = token
            name = app.config["SESSION_COOKIE_NAME"]
            cookie = f"{name}={client.get_cookie(name).value}"
    return app, cookie


def table(label: str, totals: list[float], n: int, hello: float) -> None:
    per = statistics.median(totals) * 1e6
    mean = sum(totals) / n * 1e6
    print(
        f"\n{label}: {n} requests, median {per:.0f} µs, mean {mean:.0f} µs;"
        f" hello-world {hello:.0f} µs"
    )
    print(f"{'component':58} {'µs/req':>8} {'share':>7}")
    print(f"{'hello-world (the floor: Flask itself)':58} {hello:8.0f} {hello / mean:7.1%}")
    measured = 0.0
    for name, seconds in sorted(TIMES.items(), key=lambda kv: -kv[1]):
        us = seconds / n * 1e6
        if name not in NESTED:
            measured += us
        shown = f"  (within {NESTED[name]})" if name in NESTED else ""
        print(f"{(name + shown)[:58]:58} {us:8.0f} {us / mean:7.1%}")
    rest = mean - measured - hello
    print(
        f"{'rest (dispatch, request/response, wrappers) beyond hello':58}"
        f" {rest:8.0f} {rest / mean:7.1%}"
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    path = sys.argv[2] if len(sys.argv) > 2 else "/healthz"
    sys.path.insert(0, str(ROOT / "bench"))
    import hello

    run(hello.app, 200, "/", None)
    hello_us = statistics.fmean(run(hello.app, n, "/", None)) * 1e6
    with tempfile.TemporaryDirectory() as tmp:
        app, cookie = fieldapp_signed_in(Path(tmp))
        with app.app_context():
            pass
        run(app, 200, path, cookie)  # warm: compiled statements, templates, catalogues
        instrument(app)
        TIMES.clear()
        totals = run(app, n, path, cookie)
        table(f"signed-in GET {path}", totals, n, hello_us)


if __name__ == "__main__":
    main()
