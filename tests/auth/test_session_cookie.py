"""The session cookie, verified once per process (``fieldapp.auth.cookies``): the same cookie
read again gives the same session, each request its own copy; an altered cookie, one signed
with another key, or one older than ``PERMANENT_SESSION_LIFETIME`` is no session — the first
time and every time after."""

from __future__ import annotations

import time

from flask import flash, get_flashed_messages, request, session
from itsdangerous import URLSafeTimedSerializer

from fieldapp.auth.cookies import CookieSessionInterface


def cookie_for(app, data: dict, key: str | None = None) -> str:
    iface = app.session_interface
    signer = iface.get_signing_serializer(app)
    if key is not None:  # the same cookie, signed with a key this app does not hold
        signer = URLSafeTimedSerializer(
            key,
            salt=iface.salt,
            serializer=iface.serializer,
            signer_kwargs={
                "key_derivation": iface.key_derivation,
                "digest_method": iface.digest_method,
            },
        )
    return signer.dumps(data)


def read(app, text: str):
    name = app.config["SESSION_COOKIE_NAME"]
    with app.test_request_context("/", headers={"Cookie": f"{name}={text}"}):
        return dict(app.session_interface.open_session(app, request))


def test_the_app_uses_it(app):
    assert isinstance(app.session_interface, CookieSessionInterface)


def test_the_same_cookie_gives_the_same_session_each_time(app):
    text = cookie_for(app, {"sid": "abc", "_user_id": "7:1", "auth_at": 1.5})
    first, second = read(app, text), read(app, text)
    assert first == second == {"sid": "abc", "_user_id": "7:1", "auth_at": 1.5}
    assert text in app.extensions["fieldapp.session_cookies"]  # the second from what was kept


def test_each_request_changes_its_own_copy(app):
    text = cookie_for(app, {"sid": "abc", "_flashes": [("info", "Saved")]})
    name = app.config["SESSION_COOKIE_NAME"]
    for _ in range(3):
        with app.test_request_context("/", headers={"Cookie": f"{name}={text}"}):
            ctx_session = app.session_interface.open_session(app, request)
            ctx_session["_flashes"].append(("info", "More"))
            ctx_session["sid"] = "changed"
    assert read(app, text) == {"sid": "abc", "_flashes": [("info", "Saved")]}


def test_flashes_survive_the_round_trip(app, client):
    @app.get("/_flash")
    def _flash():
        flash("Saved", "info")
        return "ok"

    @app.get("/_read")
    def _read():
        return {"messages": get_flashed_messages(with_categories=True), "sid": session.get("sid")}

    client.get("/_flash")
    assert client.get("/_read").get_json()["messages"] == [["info", "Saved"]]
    assert client.get("/_read").get_json()["messages"] == []  # shown once


def test_an_altered_cookie_is_no_session(app):
    text = cookie_for(app, {"sid": "abc"})
    assert read(app, text) == {"sid": "abc"}
    body, _, signature = text.rpartition(".")
    assert read(app, f"{body}.{signature[:-2]}xx") == {}
    payload, rest = text.split(".", 1)
    altered = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    assert read(app, f"{altered}.{rest}") == {}


def test_a_cookie_signed_with_another_key_is_no_session(app):
    assert read(app, cookie_for(app, {"sid": "abc"}, key="not-this-apps-key")) == {}


def test_an_expired_cookie_is_no_session_even_once_kept(app, monkeypatch):
    text = cookie_for(app, {"sid": "abc"})
    assert read(app, text) == {"sid": "abc"}  # kept
    lifetime = app.permanent_session_lifetime.total_seconds()
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + lifetime + 5)
    assert read(app, text) == {}
    assert text not in app.extensions["fieldapp.session_cookies"]
    monkeypatch.setattr(time, "time", lambda: now + 5)
    assert read(app, text) == {"sid": "abc"}  # read in full again: still young enough


def test_a_cookie_from_the_future_is_no_session(app, monkeypatch):
    text = cookie_for(app, {"sid": "abc"})
    assert read(app, text) == {"sid": "abc"}
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now - 3600)
    assert read(app, text) == {}
