"""Signing out from the page's script (a fetch wanting JSON): the phone clears what it kept only
once the server said the session is over, so the answer must be one a Wi-Fi sign-in page
cannot fake: 200 ``{"signed_out": true}``."""

from __future__ import annotations

from sqlalchemy import select

from fieldapp.models import AuditEvent, Role, UserSession
from tests.factories import make_user

JSON = {"Accept": "application/json"}


def session_cookie_cleared(app, response) -> bool:
    name = app.config["SESSION_COOKIE_NAME"]
    return any(
        c.startswith(f"{name}=;") and "Expires=Thu, 01 Jan 1970" in c
        for c in response.headers.getlist("Set-Cookie")
    )


def test_the_script_s_sign_out_is_answered_in_json_and_ends_the_session(app, db, client, login):
    user = make_user(Role.VISITOR)
    login(user)
    response = client.post("/logout", headers=JSON)
    assert response.status_code == 200 and response.json == {"signed_out": True, "next": "/login"}
    assert response.headers["Clear-Site-Data"] == '"cache"'
    assert session_cookie_cleared(app, response)
    db.session.expire_all()
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
    assert rows and all(r.ended_at is not None for r in rows)
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "auth.logout", AuditEvent.actor_id == user.id)
    )
    assert client.get("/visits/").status_code == 302  # signed out for real


def test_a_plain_sign_out_still_goes_to_the_sign_in_page(db, client, login):
    login(make_user(Role.VISITOR))
    response = client.post("/logout")
    assert response.status_code == 303 and response.headers["Location"].endswith("/login")
    assert client.get("/visits/").status_code == 302


def test_a_sign_out_after_the_session_ended_is_answered_done(app, db, client, login):
    user = make_user(Role.VISITOR)
    login(user)
    for row in db.session.scalars(select(UserSession)):
        row.ended_at = row.created_at
    db.session.commit()
    response = client.post("/logout", headers=JSON)
    assert response.status_code == 200 and response.json == {"signed_out": True, "next": "/login"}
    assert session_cookie_cleared(app, response)


def test_a_sign_out_with_nobody_signed_in_is_answered_done(db, client):
    response = client.post("/logout", headers=JSON)
    assert response.status_code == 200 and response.json == {"signed_out": True, "next": "/login"}
    assert client.post("/logout").status_code == 302  # a plain form: the sign-in page
