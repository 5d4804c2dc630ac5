"""Admins send a link to choose a password (an invitation for someone who never signed in, a
reset otherwise) instead of seeing or setting one; a new account gets its invitation by default."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from fieldapp.models import AuditEvent, PasswordResetToken, Role, User
from tests.factories import make_school, make_user
from tests.smtp_sink import SmtpSink

NEW_PASSWORD = "a brand new pass phrase"


@pytest.fixture
def sink(app):
    with SmtpSink() as sink:
        app.config.update(sink.config())
        yield sink


def link_in(message) -> str:
    return re.search(r"http://localhost(/password/reset/\S+)", message.get_content()).group(1)


def audit_kinds(person: User, db) -> list[str]:
    events = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "user.sign_in_link", AuditEvent.object_id == person.id
        )
    ).all()
    return [e.detail["kind"] for e in events]


def test_someone_who_never_signed_in_gets_an_invitation(app, db, client, login, sink):
    admin = make_user(Role.ADMIN)
    person = make_user(Role.VISITOR, email="new@school.example")
    login(admin)
    page = client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert "Send sign-in link" in page and "never signed in" in page
    response = client.post(f"/admin/users/{person.id}/sign-in-link")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/users/{person.id}"
    assert "An invitation to sign in is on its way" in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    (message,) = sink.to("new@school.example")
    assert message["Subject"] == "Your fieldapp account"
    token = db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.user_id == person.id)
    )
    valid_for = token.expires_at - token.created_at
    assert valid_for == timedelta(days=7)
    assert audit_kinds(person, db) == ["invitation"]
    # The person chooses their password through the link and signs in with it.
    fresh = app.test_client()
    link = link_in(message)
    done = fresh.post(link, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303
    signed_in = fresh.post("/login", data={"email": person.email, "password": NEW_PASSWORD})
    assert signed_in.status_code == 303


def test_someone_who_signed_in_before_gets_a_reset_link(app, db, client, login, sink):
    admin = make_user(Role.ADMIN)
    person = make_user(Role.VISITOR, locale="es", last_login_at=datetime.now(UTC))
    login(admin)
    assert "never signed in" not in client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert client.post(f"/admin/users/{person.id}/sign-in-link").status_code == 303
    (message,) = sink.to(person.email)
    assert "contraseña" in message["Subject"]  # in the language the person chose
    token = db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.user_id == person.id)
    )
    assert token.expires_at - token.created_at == timedelta(hours=1)
    assert audit_kinds(person, db) == ["reset"]


def test_a_disabled_account_gets_no_link(db, client, login, sink):
    admin = make_user(Role.ADMIN)
    person = make_user(Role.VISITOR, active=False)
    login(admin)
    assert "Send sign-in link" not in client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    response = client.post(f"/admin/users/{person.id}/sign-in-link", follow_redirects=True)
    assert "Enable this account first." in response.get_data(as_text=True)
    assert sink.messages == [] and audit_kinds(person, db) == []


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.VISITOR, Role.TRAINER])
def test_only_an_admin_sends_links(db, client, login, sink, role):
    school = make_school()
    person = make_user(Role.VISITOR, school)
    login(make_user(role, school))
    assert client.post(f"/admin/users/{person.id}/sign-in-link").status_code == 403
    assert sink.messages == [] and audit_kinds(person, db) == []


def test_an_unknown_person_is_not_found(db, client, login, sink):
    login(make_user(Role.ADMIN))
    assert client.post("/admin/users/999999/sign-in-link").status_code == 404
    assert client.post("/admin/users/nobody/sign-in-link").status_code == 404
    assert sink.messages == []


def test_the_spanish_person_page_offers_the_link_in_spanish(db, client, login):
    person = make_user(Role.VISITOR)
    login(make_user(Role.ADMIN, locale="es"))
    page = client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert "Enviar enlace para iniciar sesión" in page and "Nunca ha iniciado sesión" in page


# ---- a new account: an invitation by default, a shown password only when asked for ----------


def new_account(client, school, **extra):
    return client.post(
        "/admin/accounts/new",
        data={
            "name": "Nia Brooks",
            "email": "nia@school.example",
            "role": "visitor",
            "school_id": school.id,
            **extra,
        },
    )


def test_a_new_account_gets_an_invitation_and_nobody_sees_a_password(app, db, client, login, sink):
    school = make_school()
    login(make_user(Role.ADMIN))
    form = client.get("/admin/accounts/new").get_data(as_text=True)
    assert (
        'name="show_password"' in form
        and "checked" not in form.split('name="show_password"')[1][:40]
    )
    response = new_account(client, school)
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    assert "<code>" not in html and "An invitation is on its way" in html
    created = db.session.scalar(select(User).where(User.email == "nia@school.example"))
    (message,) = sink.to("nia@school.example")
    assert message["Subject"] == "Your fieldapp account"
    assert audit_kinds(created, db) == ["invitation"]
    fresh = app.test_client()
    done = fresh.post(
        link_in(message), data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert done.status_code == 303


def test_a_first_password_is_shown_only_when_asked_for(db, client, login, sink):
    school = make_school()
    login(make_user(Role.ADMIN))
    response = new_account(client, school, show_password="y")
    assert response.status_code == 201 and "<code>" in response.get_data(as_text=True)
    assert sink.messages == []


def test_a_coordinator_s_new_visitor_gets_the_invitation_too(db, client, login, sink):
    school = make_school()
    login(make_user(Role.COORDINATOR, school))
    assert new_account(client, school).status_code == 201
    assert len(sink.to("nia@school.example")) == 1
