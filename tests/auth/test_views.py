"""Signing in and out, passwords, and creating accounts."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from fieldapp.auth.passwords import verify_password
from fieldapp.models import AuditEvent, Role, User
from tests.conftest import TEST_PASSWORD
from tests.factories import make_school, make_user

NEW_PASSWORD = "correct horse battery staple 42"


def test_sign_in_page_renders(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert b'autocomplete="current-password"' in page.data


def test_wrong_password_and_unknown_email_get_the_same_message(db, client):
    user = make_user(Role.VISITOR)
    db.session.commit()
    wrong = client.post("/login", data={"email": user.email, "password": "not the password at all"})
    unknown = client.post("/login", data={"email": "nobody@x.test", "password": "whatever pass"})
    assert wrong.status_code == unknown.status_code == 401
    message = b"That email and password do not match an account."
    assert message in wrong.data and message in unknown.data
    # What the person typed as email is kept; the password is never sent back.
    assert user.email.encode() in wrong.data
    assert b"not the password at all" not in wrong.data


def test_sign_in_is_audited_and_counts_failures(db, client):
    user = make_user(Role.VISITOR)
    db.session.commit()
    client.post("/login", data={"email": user.email, "password": "wrong wrong wrong"})
    db.session.refresh(user)
    assert user.failed_logins == 1
    client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    db.session.refresh(user)
    assert user.failed_logins == 0
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login")).all()
    assert [e.success for e in events] == [False, True]


def test_an_empty_form_says_what_is_missing(client):
    page = client.post("/login", data={})
    assert page.status_code == 400
    assert b"Enter your email." in page.data and b"Enter your password." in page.data


def test_disabled_accounts_cannot_sign_in(db, client):
    user = make_user(Role.VISITOR, active=False)
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 401


def test_email_is_matched_without_case_or_spaces(db, client):
    user = make_user(Role.VISITOR)
    db.session.commit()
    response = client.post(
        "/login", data={"email": f"  {user.email.upper()} ", "password": TEST_PASSWORD}
    )
    assert response.status_code == 303


@pytest.mark.parametrize(
    ("next_url", "landing"),
    [
        ("/account", "/account"),
        ("https://evil.example/", "/visits/"),
        ("//evil.example", "/visits/"),
    ],
)
def test_next_only_redirects_within_the_site(db, client, next_url, landing):
    user = make_user(Role.VISITOR)
    db.session.commit()
    response = client.post(
        f"/login?next={next_url}", data={"email": user.email, "password": TEST_PASSWORD}
    )
    assert response.headers["Location"] == landing


def test_sign_out_ends_the_session_and_clears_the_phone(db, client, login):
    login(make_user(Role.VISITOR))
    response = client.post("/logout")
    assert response.status_code == 303
    # The cache, not all storage: another person's unsent notes stay (see tests/browser/
    # test_offline.py for the pages and queue of this person being cleared on the phone).
    assert response.headers["Clear-Site-Data"] == '"cache"'
    assert client.get("/visits/").status_code == 302


def test_remember_me_keeps_the_session_across_browser_restarts(db, client, app):
    user = make_user(Role.VISITOR)
    db.session.commit()
    remembered = client.post(
        "/login", data={"email": user.email, "password": TEST_PASSWORD, "remember": "y"}
    )
    cookie = next(
        c
        for c in remembered.headers.getlist("Set-Cookie")
        if c.startswith(app.config["SESSION_COOKIE_NAME"] + "=")
    )
    assert "Expires=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    other = app.test_client()
    plain = other.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    cookie = next(
        c
        for c in plain.headers.getlist("Set-Cookie")
        if c.startswith(app.config["SESSION_COOKIE_NAME"] + "=")
    )
    assert "Expires=" not in cookie
    assert not any(c.startswith("remember_token=") for c in plain.headers.getlist("Set-Cookie"))


def test_changing_the_password_ends_other_sessions(app, db, client, login):
    user = make_user(Role.VISITOR)
    db.session.commit()
    login(user)
    other_device = app.test_client()
    other_device.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert other_device.get("/visits/").status_code == 200

    response = client.post(
        "/account",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 303
    assert client.get("/visits/").status_code == 200  # this device stays signed in
    assert other_device.get("/visits/").status_code == 302  # the other one is signed out
    db.session.refresh(user)
    assert verify_password(user.password_hash, NEW_PASSWORD)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {
                "current_password": "wrong one entirely",
                "new_password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD,
            },
            b"That is not your current password.",
        ),
        (
            {"current_password": TEST_PASSWORD, "new_password": "short", "confirm": "short"},
            b"Use at least 15 characters",
        ),
        (
            {
                "current_password": TEST_PASSWORD,
                "new_password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD + "x",
            },
            b"The two new passwords differ.",
        ),
    ],
)
def test_a_refused_password_change_says_why_and_changes_nothing(db, client, login, data, message):
    user = make_user(Role.VISITOR)
    db.session.commit()
    login(user)
    response = client.post("/account", data=data)
    assert response.status_code == 422
    assert message in response.data
    db.session.refresh(user)
    assert verify_password(user.password_hash, TEST_PASSWORD)


def test_passwords_never_reach_the_log(db, client, caplog):
    user = make_user(Role.VISITOR)
    db.session.commit()
    with caplog.at_level(logging.DEBUG):
        client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
        client.post("/login", data={"email": user.email, "password": "a wrong secret pass"})
    assert TEST_PASSWORD not in caplog.text and "a wrong secret pass" not in caplog.text


# ---- creating accounts -------------------------------------------------------------------------


def test_admin_creates_an_account_that_can_sign_in(app, db, client, login):
    school = make_school()
    login(make_user(Role.ADMIN))
    response = client.post(
        "/admin/accounts/new",
        data={
            "name": "Nia Brooks",
            "email": "Nia@Lincoln-School.org",
            "role": "visitor",
            "school_id": school.id,
            "languages": "en  es",
            "show_password": "y",  # the default is an emailed link (tests/admin/test_sign_in_links)
        },
    )
    assert response.status_code == 201
    created = db.session.scalar(select(User).where(User.email == "nia@lincoln-school.org"))
    assert created.has_role(Role.VISITOR, school.id)
    assert created.languages == "en es"
    password = response.data.split(b"<code>")[1].split(b"</code>")[0].decode()
    assert len(password) >= 15
    fresh = app.test_client()
    signed_in = fresh.post("/login", data={"email": "nia@lincoln-school.org", "password": password})
    assert signed_in.status_code == 303


def test_a_duplicate_email_is_refused_next_to_the_field(db, client, login):
    existing = make_user(Role.VISITOR)
    login(make_user(Role.ADMIN))
    response = client.post(
        "/admin/accounts/new",
        data={"name": "Someone", "email": existing.email, "role": "trainer", "school_id": 0},
    )
    assert response.status_code == 422
    assert b"already exists" in response.data and b"Someone" in response.data


def test_a_school_role_needs_a_school(db, client, login):
    login(make_user(Role.ADMIN))
    response = client.post(
        "/admin/accounts/new",
        data={"name": "Someone", "email": "s@school.org", "role": "coordinator", "school_id": 0},
    )
    assert response.status_code == 422
    assert b"Choose the school" in response.data


def test_a_coordinator_creates_visitors_for_their_own_school_only(db, client, login):
    mine, other = make_school(), make_school()
    login(make_user(Role.COORDINATOR, mine))
    form = client.get("/admin/accounts/new").data
    assert mine.name.encode() in form and other.name.encode() not in form
    assert b'value="admin"' not in form
    # A crafted post for another school or a district role is refused.
    admin_try = client.post(
        "/admin/accounts/new",
        data={"name": "X", "email": "x@school.org", "role": "admin", "school_id": mine.id},
    )
    assert admin_try.status_code == 422
    other_school = client.post(
        "/admin/accounts/new",
        data={"name": "Y", "email": "y@school.org", "role": "visitor", "school_id": other.id},
    )
    assert other_school.status_code == 422
    assert (
        db.session.scalar(select(User).where(User.email.in_(["x@school.org", "y@school.org"])))
        is None
    )
    ok = client.post(
        "/admin/accounts/new",
        data={"name": "Z", "email": "z@school.org", "role": "visitor", "school_id": mine.id},
    )
    assert ok.status_code == 201


def test_flask_users_create_makes_the_first_admin(app, db, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Boss@District.test",
            "--name",
            "Boss",
            "--role",
            "admin",
        ],
        input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert NEW_PASSWORD not in result.output
    boss = db.session.scalar(select(User).where(User.email == "boss@district.test"))
    assert boss.has_role(Role.ADMIN) and verify_password(boss.password_hash, NEW_PASSWORD)
    short = runner.invoke(
        args=["users", "create", "--email", "b@d.test", "--name", "B", "--password", "short"]
    )
    assert short.exit_code != 0 and "15 characters" in short.output


def test_csrf_is_enforced_on_forms(app_config):
    from fieldapp import create_app

    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    response = app.test_client().post("/login", data={"email": "a@b.test", "password": "x"})
    assert response.status_code == 400
    assert b"expired" in response.data
