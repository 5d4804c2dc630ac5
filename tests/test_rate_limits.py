"""Rate limits counted once for every worker (in the app's database by default), and the client's
own address behind trusted proxies (``FIELDAPP_TRUSTED_PROXIES``), never a forged one."""

from __future__ import annotations

import threading
import types

import pytest
from flask import request
from flask_limiter import Limit
from sqlalchemy import event, func, select

from fieldapp import config, create_app, ratelimit_storage
from fieldapp.extensions import db as _db
from fieldapp.extensions import limiter
from fieldapp.models import AuditEvent, RateLimitCounter
from fieldapp.ratelimit_storage import DatabaseStorage
from tests.conftest import FreshContextClient

OFFER_LIMIT = 20  # FIELDAPP_OFFER_RATE_LIMIT's default: "20 per minute; 200 per hour"


@pytest.fixture
def clock(monkeypatch):
    """The storage's clock, moved by hand."""
    now = [1_800_000_000.0]
    monkeypatch.setattr(ratelimit_storage, "time", types.SimpleNamespace(time=lambda: now[0]))
    return now


def counters(db) -> int:
    return db.session.scalar(select(func.count()).select_from(RateLimitCounter))


# ---- the storage --------------------------------------------------------------------------------


def test_the_default_storage_is_the_database_and_redis_when_configured(tmp_path, monkeypatch):
    monkeypatch.delenv("FIELDAPP_REDIS_URL", raising=False)
    assert config.from_environment(str(tmp_path), {"SECRET_KEY": "x"})["RATELIMIT_STORAGE_URI"] == (
        "database://"
    )
    monkeypatch.setenv("FIELDAPP_REDIS_URL", "redis://127.0.0.1:6379/0")
    settings = config.from_environment(str(tmp_path), {"SECRET_KEY": "x"})
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


def test_the_app_counts_in_its_database(app, db):
    assert isinstance(limiter.storage, DatabaseStorage)
    assert limiter.storage.check()


def test_a_window_counts_hits_and_starts_again_when_it_ends(app, db, clock):
    storage = DatabaseStorage()
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("k") == 3
    assert storage.get_expiry("k") == clock[0] + 60
    assert storage.incr("k", 60, amount=5) == 8
    clock[0] += 59
    assert storage.incr("other", 60) == 1
    assert storage.get("k") == 8
    clock[0] += 1  # the window of "k" ends: its count is gone, the next hit starts a new one
    assert storage.get("k") == 0
    assert storage.incr("k", 60) == 1
    assert storage.get_expiry("k") == clock[0] + 60


def test_reads_after_a_hit_cost_no_statement_and_fresh_reads_see_other_workers(app, db, clock):
    storage, other_worker = DatabaseStorage(), DatabaseStorage()
    storage.incr("k", 60)
    other_worker.incr("k", 60)
    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(_db.engine, "before_cursor_execute", count)
    try:
        assert storage.get("k") == 1  # the request's own hit, for its X-RateLimit headers
        assert statements == []
        clock[0] += ratelimit_storage.FRESH_FOR
        assert storage.get("k") == 2  # later, the database's count
        assert len(statements) == 1
    finally:
        event.remove(_db.engine, "before_cursor_execute", count)


def test_clear_and_reset(app, db, clock):
    storage = DatabaseStorage()
    storage.incr("a", 60)
    storage.incr("b", 60)
    storage.clear("a")
    assert (storage.get("a"), storage.get("b")) == (0, 1)
    assert storage.reset() == 1
    assert counters(db) == 0


def test_expired_windows_are_pruned(app, db, clock):
    storage = DatabaseStorage()
    storage.incr("old", 60)  # the first hit in this process prunes (nothing yet)
    storage.incr("old-too", 10)
    clock[0] += 61
    storage.incr("new", 60)  # within PRUNE_EVERY of the last pruning: nothing deleted
    assert counters(db) == 3
    clock[0] += ratelimit_storage.PRUNE_EVERY
    storage.incr("newer", 60)
    db.session.rollback()
    assert set(db.session.scalars(select(RateLimitCounter.bucket))) == {"newer"}
    storage.incr("gone", 1)
    clock[0] += 2
    assert storage.prune() == 1


def test_a_long_key_is_kept_as_its_hash(app, db):
    storage = DatabaseStorage()
    key = "LIMITER/" + "x" * 400
    assert storage.incr(key, 60) == 1
    assert storage.incr(key, 60) == 2
    (bucket,) = db.session.scalars(select(RateLimitCounter.bucket))
    assert bucket.startswith("sha256:") and len(bucket) <= 255


def test_hits_at_once_from_many_connections_are_each_counted_once(app, db):
    """Eight threads, each with its own connection, hit one key 25 times: every hit gets its
    own number, 1 to 200 (one atomic upsert each, on SQLite and on PostgreSQL)."""
    storage = DatabaseStorage(engine=_db.engine)
    seen: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def worker():
        try:
            start.wait()
            seen.extend(storage.incr("shared", 60) for _ in range(25))
        except BaseException as e:  # reported below, in the test's thread
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(seen) == list(range(1, 201))
    assert storage.get("shared") == 200


# ---- through the app ----------------------------------------------------------------------------


def offer_page(client, n: int = 0, **kwargs):
    return client.get(f"/o/not-a-real-link-{n:04d}-xxxxxxxxxxxx", **kwargs)


def test_the_family_page_refuses_the_21st_request_from_one_address(client, db):
    codes = [offer_page(client, n).status_code for n in range(OFFER_LIMIT + 1)]
    assert 429 not in codes[:OFFER_LIMIT]
    assert codes[OFFER_LIMIT] == 429
    assert counters(db) >= 1


def test_the_check_before_each_request_is_skipped_only_while_no_limit_applies_there(
    client, db, monkeypatch
):
    """Every limit of the app is on a view; with one for every request (a default limit), the
    check before each request runs again and counts an ordinary page."""
    full_checks = []
    original = type(limiter).__mro__[1]._check_request_limit

    def counting(self, callable_name=None, in_middleware=True):
        full_checks.append((callable_name, in_middleware))
        return original(self, callable_name=callable_name, in_middleware=in_middleware)

    monkeypatch.setattr(type(limiter).__mro__[1], "_check_request_limit", counting)
    assert client.get("/healthz").status_code == 200
    assert full_checks == []  # nothing could apply before the view: no check
    offer_page(client)
    assert full_checks and all(not middleware for _, middleware in full_checks)  # the view's
    full_checks.clear()
    manager = limiter.limit_manager
    monkeypatch.setattr(manager, "_default_limits", [])
    manager.set_default_limits([Limit("2 per minute", key_function=lambda: "everyone")])
    codes = [client.get("/healthz").status_code for _ in range(3)]
    assert (None, True) in full_checks
    assert codes == [200, 200, 429]


@pytest.fixture
def proxied(app_config):
    """The app behind one trusted proxy (FIELDAPP_TRUSTED_PROXIES=1)."""
    app = create_app({**app_config, "TRUSTED_PROXIES": 1})
    app.test_client_class = FreshContextClient
    with app.app_context():
        yield app
        _db.session.remove()
        _db.engine.dispose()


PROXY = {"REMOTE_ADDR": "10.0.0.2"}


def from_client(address: str) -> dict:
    return {"headers": {"X-Forwarded-For": address}, "environ_base": PROXY}


def test_behind_a_trusted_proxy_two_clients_get_separate_buckets(proxied):
    client = proxied.test_client()
    for n in range(OFFER_LIMIT):
        assert offer_page(client, n, **from_client("203.0.113.7")).status_code != 429
    assert offer_page(client, **from_client("198.51.100.9")).status_code != 429
    assert offer_page(client, **from_client("203.0.113.7")).status_code == 429
    assert offer_page(client, **from_client("198.51.100.9")).status_code != 429


def test_behind_a_trusted_proxy_the_audit_trail_records_the_client(proxied):
    client = proxied.test_client()
    response = client.post(
        "/login",
        data={"email": "nobody@example.org", "password": "a wrong password, long"},
        **from_client("203.0.113.7"),
    )
    assert response.status_code == 401
    _db.session.rollback()
    event = _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.login"))
    assert event.ip == "203.0.113.7" and not event.success


def test_behind_a_trusted_proxy_the_forwarded_scheme_counts(proxied):
    client = proxied.test_client()
    response = client.get("/healthz", headers={"X-Forwarded-Proto": "https"}, environ_base=PROXY)
    assert "Strict-Transport-Security" in response.headers


def test_the_proxy_count_takes_that_many_hops_from_the_right(app_config):
    app = create_app({**app_config, "TRUSTED_PROXIES": 2})
    seen = []
    app.before_request(lambda: seen.append(request.remote_addr))
    with app.app_context():
        app.test_client().get(
            "/healthz",
            headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.7, 10.0.0.1"},
            environ_base=PROXY,
        )
        _db.engine.dispose()
    assert seen == ["203.0.113.7"]  # the forged first entry is not believed


def test_without_the_setting_a_forged_forwarded_for_changes_nothing(app, client, db):
    assert app.config["TRUSTED_PROXIES"] == 0
    codes = [
        offer_page(client, n, headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
        for n in range(OFFER_LIMIT + 1)
    ]
    assert codes[OFFER_LIMIT] == 429  # one bucket: the real address's
    client.post(
        "/login",
        data={"email": "nobody@example.org", "password": "a wrong password, long"},
        headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
    )
    db.session.rollback()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.login"))
    assert event.ip == "127.0.0.1"
    response = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("value", ["yes", "-1", "10.0.0.2", "1.5"])
def test_a_malformed_proxy_setting_stops_the_app(tmp_path, monkeypatch, value):
    monkeypatch.setenv("FIELDAPP_TRUSTED_PROXIES", value)
    with pytest.raises(ValueError, match="FIELDAPP_TRUSTED_PROXIES"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})


def test_the_proxy_setting_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDAPP_TRUSTED_PROXIES", " 1 ")
    assert config.from_environment(str(tmp_path), {"SECRET_KEY": "x"})["TRUSTED_PROXIES"] == 1
    monkeypatch.delenv("FIELDAPP_TRUSTED_PROXIES")
    assert config.from_environment(str(tmp_path), {"SECRET_KEY": "x"})["TRUSTED_PROXIES"] == 0
