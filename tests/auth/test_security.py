"""Sessions that can be ended, sign-in defences, passwords, and the reset link."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from fieldapp.auth.passwords import password_problem, verify_password
from fieldapp.auth.throttle import FREE_FAILURES, HARD_STOP, delay_after
from fieldapp.models import AuditEvent, LoginThrottle, Role, UserSession
from tests.conftest import TEST_PASSWORD
from tests.factories import make_user

NEW_PASSWORD = "a brand new pass phrase 77"


def sign_in(client, user, password=TEST_PASSWORD, **extra):
    return client.post("/login", data={"email": user.email, "password": password, **extra})


def session_cookie(client, app):
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def test_a_copied_cookie_is_refused_after_sign_out(app, db, client):
    user = make_user(Role.VISITOR)
    db.session.commit()
    sign_in(client, user)
    stolen = session_cookie(client, app)
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], stolen)
    response = thief.get("/visits/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_signing_in_starts_a_new_session(app, db, client):
    user = make_user(Role.VISITOR)
    db.session.commit()
    client.get("/login")
    sign_in(client, user)
    first = set(db.session.scalars(select(UserSession.token_hash)))
    cookie = session_cookie(client, app)
    client.post("/logout")
    sign_in(client, user)
    second = set(db.session.scalars(select(UserSession.token_hash)))
    assert len(first) == 1 and len(second - first) == 1
    assert session_cookie(client, app) != cookie


def test_disabling_an_account_ends_its_sessions_at_once(app, db, client, login):
    person = make_user(Role.VISITOR)
    db.session.commit()
    device = app.test_client()
    sign_in(device, person)
    assert device.get("/visits/").status_code == 200
    login(make_user(Role.ADMIN))
    assert client.post(f"/admin/users/{person.id}/disable").status_code == 303
    assert device.get("/visits/").status_code == 302
    assert sign_in(app.test_client(), person).status_code == 401


def at(app, **delta):
    app.config["CLOCK_OFFSET"] = timedelta(**delta)


def test_staff_are_signed_out_after_30_idle_minutes(app, db, client):
    user = make_user(Role.COORDINATOR)
    db.session.commit()
    sign_in(client, user)
    at(app, minutes=25)
    assert client.get("/account").status_code == 200  # activity keeps the session going
    at(app, minutes=50)
    assert client.get("/account").status_code == 200
    at(app, minutes=81)
    assert client.get("/account").status_code == 302


def test_visitors_in_the_field_get_a_longer_idle_time(app, db, client):
    user = make_user(Role.VISITOR)
    db.session.commit()
    sign_in(client, user)
    at(app, minutes=60)
    assert client.get("/visits/").status_code == 200
    at(app, minutes=60 + 481)
    assert client.get("/visits/").status_code == 302


def test_nobody_stays_signed_in_more_than_12_hours(app, db, client):
    user = make_user(Role.VISITOR)
    db.session.commit()
    sign_in(client, user)
    for hours in range(1, 12):
        at(app, hours=hours)
        assert client.get("/visits/").status_code == 200
    at(app, hours=12, minutes=1)
    assert client.get("/visits/").status_code == 302


def test_an_htmx_request_with_an_ended_session_is_sent_to_sign_in(app, db, client):
    user = make_user(Role.VISITOR)
    db.session.commit()
    sign_in(client, user)
    for row in db.session.scalars(select(UserSession)):
        row.ended_at = row.created_at
    db.session.commit()
    response = client.get("/visits/", headers={"HX-Request": "true"})
    assert response.status_code == 401 and "/login" in response.headers["HX-Redirect"]


def test_growing_delays_then_a_hard_stop_the_same_for_unknown_emails(app, db, client):
    user = make_user(Role.VISITOR)
    db.session.commit()
    for email in (user.email, "nobody@school.org"):
        statuses = [
            client.post("/login", data={"email": email, "password": "wrong one x"}).status_code
            for _ in range(FREE_FAILURES + 1)
        ]
        assert statuses == [401] * FREE_FAILURES + [429], email
    # The right password must wait too, with a clear message and Retry-After.
    waiting = sign_in(client, user)
    assert waiting.status_code == 429 and "Too many tries" in waiting.get_data(as_text=True)
    assert int(waiting.headers["Retry-After"]) >= 1
    # After the delay it works, and the counter starts again.
    app.config["CLOCK_OFFSET"] = delay_after(FREE_FAILURES) + timedelta(seconds=1)
    assert sign_in(client, user).status_code == 303
    app.config.pop("CLOCK_OFFSET")
    assert db.session.get(LoginThrottle, _hash(user.email)) is None


def _hash(email):
    import hashlib

    return hashlib.sha256(email.lower().encode()).hexdigest()


def test_after_a_hundred_failures_only_a_reset_or_an_admin_unlocks(app, db, client, login):
    user = make_user(Role.VISITOR)
    db.session.add(LoginThrottle(email_hash=_hash(user.email), failures=HARD_STOP))
    db.session.commit()
    app.config["CLOCK_OFFSET"] = timedelta(days=30)  # waiting does not help
    locked = sign_in(client, user)
    assert locked.status_code == 429 and "locked" in locked.get_data(as_text=True)
    app.config.pop("CLOCK_OFFSET")
    login(make_user(Role.ADMIN))
    assert client.post(f"/admin/users/{user.id}/unlock").status_code == 303
    client.post("/logout")
    assert sign_in(client, user).status_code == 303


def test_the_address_limit_answers_429(app_config, db):
    from fieldapp import create_app

    app = create_app({**app_config, "LOGIN_RATE_LIMIT": "3 per minute"})
    client = app.test_client()
    codes = [
        client.post("/login", data={"email": f"u{i}@school.org", "password": "x" * 16}).status_code
        for i in range(4)
    ]
    assert codes == [401, 401, 401, 429]


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short one", "at least 15"),
        ("1qaz2wsx3edc4rfv", "most common"),
        ("aaaaaaaaaaaaaaaaaaaa", "more than one or two"),
        ("x" * 129, "at most 128"),
        ("correct horse battery staple", None),
        ("ÜnïcødeΠassφrase ok 🙂", None),
        ("x" * 60 + "yz" + "w" * 60, None),  # long pass-phrases are welcome
    ],
)
def test_password_rules(password, problem):
    result = password_problem(password)
    assert (result is None) if problem is None else (problem in result)


def test_a_password_reset_by_emailed_link(app, db, client):
    user = make_user(Role.VISITOR)
    db.session.commit()
    other_device = app.test_client()
    sign_in(other_device, user)
    asked = client.post("/password/forgot", data={"email": user.email})
    unknown = client.post("/password/forgot", data={"email": "ghost@school.org"})
    assert asked.status_code == unknown.status_code == 303  # the same answer
    outbox = sorted((Path(app.instance_path) / "outbox").glob("*.eml"))
    assert len(outbox) == 1
    link = re.search(r"http://localhost(/password/reset/\S+)", outbox[0].read_text()).group(1)
    assert client.get(link).status_code == 200
    weak = client.post(link, data={"new_password": "password", "confirm": "password"})
    assert weak.status_code == 422
    done = client.post(link, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303
    db.session.refresh(user)
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert other_device.get("/visits/").status_code == 302  # every session ended
    assert client.get(link).status_code == 404  # used once
    assert TEST_PASSWORD not in outbox[0].read_text()


def test_sign_in_failures_and_successes_are_audited_without_the_password(app, db, client):
    user = make_user(Role.VISITOR)
    db.session.commit()
    sign_in(client, user, password="not my password at all")
    sign_in(client, user)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login")).all()
    assert [e.success for e in events] == [False, True]
    assert all("not my password" not in str(e.detail) for e in events)


@pytest.mark.parametrize("url", ["/schools/{school}/hours.csv", "/training/roster.csv"])
def test_exports_ask_for_the_password_again_after_a_while(app, db, client, login, url):
    from tests.factories import make_school

    school = make_school()
    login(make_user(Role.COORDINATOR, school))
    path = url.format(school=school.id)
    assert client.get(path).status_code == 200  # just signed in: fresh
    with client.session_transaction() as flask_session:
        flask_session["auth_at"] -= 3600
    stale = client.get(path)
    assert stale.status_code == 302 and "/reauthenticate" in stale.headers["Location"]
    wrong = client.post(stale.headers["Location"], data={"password": "not it at all"})
    assert wrong.status_code == 401
    again = client.post(stale.headers["Location"], data={"password": TEST_PASSWORD})
    assert again.status_code == 303 and again.headers["Location"].startswith(path)
    assert client.get(path).status_code == 200
    downloads = db.session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.action.in_(["hours.download", "training.roster_download"])
        )
    ).all()
    assert len(downloads) == 2
