"""The session check reads the user and the session row from a per-process cache at most a
second old (fieldapp.auth.sessions): two app instances on one database stand for two worker
processes (or servers). A session ended on one is refused on the other within that second, and
at once on the one that ended it; within the second, a request asks the database nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from fieldapp import create_app
from fieldapp.auth import sessions
from fieldapp.extensions import db as _db
from fieldapp.models import Role, User, UserSession
from tests.conftest import TEST_PASSWORD, FreshContextClient
from tests.factories import make_user

NEW_PASSWORD = "a brand new pass phrase 77"
AFTER_THE_SECOND = timedelta(seconds=sessions.FRESH_SECONDS + 0.1)


@pytest.fixture
def other(app_config):
    """A second app on the same database: another worker process, or another server."""
    app = create_app(app_config)
    app.test_client_class = FreshContextClient
    yield app
    with app.app_context():
        _db.engine.dispose()


def sign_in(client, user, password=TEST_PASSWORD):
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 303, response.status_code
    return response


def statements(app, client, url):
    """The response to ``url`` and the SQL statements it ran."""
    seen: list[str] = []
    with app.app_context():
        engine = _db.engine

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return response, seen


def copy_cookie(app, source, target):
    name = app.config["SESSION_COOKIE_NAME"]
    target.set_cookie(name, source.get_cookie(name).value)


def sign_out_elsewhere(other, device, person, db):
    copy_cookie(other, device, phone := other.test_client())
    assert phone.post("/logout").status_code == 303


def change_password_elsewhere(other, device, person, db):
    laptop = other.test_client()
    sign_in(laptop, person)
    response = laptop.post(
        "/account",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 303, response.status_code


def disable_elsewhere(other, device, person, db):
    admin = make_user(Role.ADMIN)
    db.session.commit()
    desk = other.test_client()
    sign_in(desk, admin)
    assert desk.post(f"/admin/users/{person.id}/disable").status_code == 303


@pytest.mark.parametrize(
    "revoke", [sign_out_elsewhere, change_password_elsewhere, disable_elsewhere]
)
def test_a_session_ended_in_another_process_is_refused_there_within_a_second(
    app, db, client, other, revoke
):
    person = make_user(Role.VISITOR)
    db.session.commit()
    sign_in(client, person)
    assert client.get("/visits/").status_code == 200  # read now: cached for up to a second
    response, seen = statements(app, client, "/account")
    assert response.status_code == 200
    assert not [s for s in seen if "user_sessions" in s]  # from the cache, no query

    revoke(other, client, person, db)

    app.config["CLOCK_OFFSET"] = AFTER_THE_SECOND
    response = client.get("/visits/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_session_ended_in_this_process_is_refused_at_once(app, db, client):
    person = make_user(Role.VISITOR)
    db.session.commit()
    sign_in(client, person)
    assert client.get("/visits/").status_code == 200
    thief = app.test_client()
    copy_cookie(app, client, thief)
    assert thief.get("/visits/").status_code == 200
    assert client.post("/logout").status_code == 303
    response = thief.get("/visits/")  # the same second, the same process: no grace
    assert response.status_code == 302


def test_an_account_disabled_by_hand_elsewhere_is_refused_within_a_second(app, db, client, other):
    person = make_user(Role.COORDINATOR)
    db.session.commit()
    sign_in(client, person)
    assert client.get("/account").status_code == 200
    with other.app_context():
        user = _db.session.get(User, person.id)
        user.active = False  # by hand, as a script might: its sessions are not ended
        _db.session.commit()
    app.config["CLOCK_OFFSET"] = AFTER_THE_SECOND
    assert client.get("/account").status_code == 302


def test_activity_is_noted_at_most_once_a_minute_and_seen_by_every_process(app, db, client, other):
    person = make_user(Role.COORDINATOR)  # 30 idle minutes
    db.session.commit()
    sign_in(client, person)
    copy_cookie(app, client, laptop := other.test_client())

    def last_seen():
        db.session.expire_all()
        return db.session.scalar(select(UserSession.last_seen_at))

    first = last_seen()
    for minutes in (0, 0.5):
        app.config["CLOCK_OFFSET"] = timedelta(minutes=minutes, seconds=2)
        response, seen = statements(app, client, "/account")
        assert response.status_code == 200
        assert not [s for s in seen if s.lstrip().upper().startswith("UPDATE")]
    assert last_seen() == first
    # Busy on one process for 25 minutes, then 25 more on the other: the other one sees the
    # activity noted by the first and keeps the session (idle 25 minutes, not 50).
    app.config["CLOCK_OFFSET"] = timedelta(minutes=25)
    assert client.get("/account").status_code == 200
    assert last_seen() > first
    other.config["CLOCK_OFFSET"] = timedelta(minutes=50)
    assert laptop.get("/account").status_code == 200
    other.config["CLOCK_OFFSET"] = timedelta(minutes=81)
    assert laptop.get("/account").status_code == 302  # idle 31 minutes: signed out


@pytest.mark.parametrize("protection", [None, "basic"])
def test_the_browser_identifier_is_worked_out_only_when_session_protection_is_on(
    app, db, client, monkeypatch, protection
):
    """Session protection is off here: Flask-Login's identifier of the browser (a SHA-512 of its
    address and agent) is then not worked out on every request; switched on, it is again."""
    person = make_user(Role.VISITOR)
    db.session.commit()
    sign_in(client, person)
    app.config["SESSION_PROTECTION"] = protection
    made = []
    generator = app.login_manager._session_identifier_generator
    monkeypatch.setattr(
        app.login_manager,
        "_session_identifier_generator",
        lambda: made.append(1) or generator(),
    )
    assert client.get("/visits/").status_code == 200
    assert bool(made) == (protection is not None)


def count_copies(app, monkeypatch) -> list:
    """The accounts Flask-Login's user loader hands out (a request's copy of the account)."""
    copies: list = []
    loader = app.login_manager._user_callback
    monkeypatch.setattr(
        app.login_manager, "_user_callback", lambda sid: copies.append(loader(sid)) or copies[-1]
    )
    return copies


def test_a_request_that_never_uses_the_account_makes_no_copy_of_it(app, db, client, monkeypatch):
    """The session check reads the cached account; the request's own copy is made only when
    something uses ``current_user`` (a page always does, a health check never), once."""
    person = make_user(Role.VISITOR)
    db.session.commit()
    sign_in(client, person)
    copies = count_copies(app, monkeypatch)
    assert client.get("/healthz").status_code == 200  # read after the sign-in's write
    response, seen = statements(app, client, "/healthz")
    assert response.status_code == 200 and copies == []
    assert response.headers["X-Fieldapp-User"] == str(person.id)
    assert not [s for s in seen if "users" in s]  # checked, from the cache

    assert client.get("/visits/").status_code == 200
    assert len(copies) == 1 and copies[0].id == person.id
    cached = [entry.user for entry in app.extensions["fieldapp.session_cache"].entries.values()]
    assert cached and all(copies[0] is not user for user in cached)  # the page's own copy


def test_a_session_ended_is_refused_on_a_request_that_never_uses_the_account(app, db, client):
    person = make_user(Role.VISITOR)
    db.session.commit()
    sign_in(client, person)
    thief = app.test_client()
    copy_cookie(app, client, thief)
    assert thief.get("/healthz").status_code == 200
    assert client.post("/logout").status_code == 303
    response = thief.get("/healthz")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert thief.get("/visits/").status_code == 302  # and the cookie stays worthless
