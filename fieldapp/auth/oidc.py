"""Signing in with the district's account (OpenID Connect: Google Workspace, Microsoft Entra).

Authlib's Flask client does the protocol: Authorization Code with PKCE (S256), ``state`` and
``nonce`` kept in the session for one use, the ID token's signature checked against the
provider's published keys, and its ``iss``, ``aud``, ``exp``, ``iat`` and ``nonce`` checked.
This module decides who that is here: only an existing, active account whose email the
provider says is verified, in one of the installation's domains; the provider's subject is
stored at the first sign-in and must match afterwards. Nobody is created here.

The providers come from the environment (``fieldapp.config.oidc_providers``); an admin decides
which of them the sign-in page offers (the ``Setting`` ``HIDDEN_KEY``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from sqlalchemy import select

from fieldapp import audit
from fieldapp.auth.services import find_user
from fieldapp.extensions import db
from fieldapp.models import ExternalIdentity, Setting, User

EXTENSION = "fieldapp_oidc"
SESSION_KEY = "oidc"  # in the session: the provider this person signed in with
HIDDEN_KEY = "sign_in_hidden_providers"  # space-separated names an admin took off the page
SCOPE = "openid email profile"
DISCOVERY = "/.well-known/openid-configuration"


class Refused(Exception):
    """Why a person is not signed in: a code (kept in the audit trail, never English), and the
    HTTP status of the page that says so."""

    def __init__(self, reason: str, status: int = 403):
        super().__init__(reason)
        self.reason = reason
        self.status = status


def init_app(app: Flask) -> None:
    """One Authlib registry per app (tests make many apps with different providers)."""
    oauth = OAuth(app)
    for name, provider in app.config["OIDC_PROVIDERS"].items():
        kwargs = {"scope": SCOPE, "code_challenge_method": "S256", "timeout": 10}
        if provider.get("prompt"):
            kwargs["prompt"] = provider["prompt"]
        oauth.register(
            name,
            client_id=provider["client_id"],
            client_secret=provider["client_secret"],
            server_metadata_url=provider["issuer"].rstrip("/") + DISCOVERY,
            client_kwargs=kwargs,
        )
    app.extensions[EXTENSION] = oauth


def client(name: str):
    return current_app.extensions[EXTENSION].create_client(name)


def configured() -> dict[str, dict]:
    return current_app.config["OIDC_PROVIDERS"]


def hidden() -> set[str]:
    setting = db.session.get(Setting, HIDDEN_KEY)
    return set((setting.value or "").split()) if setting else set()


def offered() -> dict[str, dict]:
    """The providers the sign-in page shows (configured, and not taken off by an admin)."""
    providers = configured()
    if not providers:
        return {}  # no read of the settings on an installation without any
    off = hidden()
    return {name: p for name, p in providers.items() if name not in off}


def set_hidden(names: set[str], *, by: User) -> None:
    setting = db.session.get(Setting, HIDDEN_KEY) or Setting(key=HIDDEN_KEY)
    setting.value = " ".join(sorted(names & set(configured())))
    db.session.add(setting)
    audit.record("auth.providers", actor=by, hidden=setting.value)


def confirm_with(user: User, signed_in_with: str | None) -> dict[str, dict]:
    """The offered providers this person may confirm it is them with before a sensitive
    action: the one they signed in with, and any their account has signed in with before."""
    providers = offered()
    if not providers:
        return {}
    linked = set(
        db.session.scalars(
            select(ExternalIdentity.provider).where(ExternalIdentity.user_id == user.id)
        )
    )
    return {n: p for n, p in providers.items() if n == signed_in_with or n in linked}


# ---- who the provider's claims are here ------------------------------------------------------


def verified_email(claims: Mapping[str, Any], provider: Mapping[str, Any]) -> str:
    """The email the provider vouches for, in one of the installation's domains, or Refused.
    Google says ``email_verified``; Entra says ``xms_edov`` (email domain owner verified) when
    the app registration asks for that optional claim."""
    email = str(claims.get("email") or "").strip().lower()
    if not email or "@" not in email:
        raise Refused("no_email")
    if not any(claims.get(key) in (True, "true", 1) for key in ("email_verified", "xms_edov")):
        raise Refused("unverified_email")
    if email.rpartition("@")[2] not in provider["domains"]:
        raise Refused("wrong_domain")
    if provider.get("tenant") and claims.get("tid") != provider["tenant"]:
        raise Refused("wrong_tenant")
    return email


def identify(
    name: str,
    claims: Mapping[str, Any],
    *,
    now: datetime,
    signed_in: User | None = None,
) -> User:
    """The active account these claims open, linking the provider's subject at the first
    sign-in; Refused (and audited, in the caller's transaction) otherwise. ``signed_in``: the
    person already signed in here, confirming it is them before a sensitive action (the
    provider's account must open that same account)."""
    action = "auth.login" if signed_in is None else "auth.reauthenticate"
    provider = configured()[name]
    issuer, subject, tenant = str(claims["iss"]), str(claims["sub"]), claims.get("tid")
    user = None
    try:
        email = verified_email(claims, provider)
        user = find_user(email)
        if user is None:
            raise Refused("unknown_email")
        if not user.active:
            raise Refused("disabled")
        link = _link(user, name, issuer, subject, tenant)
        if signed_in is not None and user.id != signed_in.id:
            raise Refused("other_person")
    except Refused as refused:
        audit.record(
            action,
            actor=user,
            success=False,
            method=name,
            reason=refused.reason,
            email_domain=str(claims.get("email") or "").rpartition("@")[2][:100],
        )
        raise
    link.last_used_at = now
    if signed_in is None:
        user.failed_logins = 0
        user.last_login_at = now
    audit.record(action, actor=user, method=name)
    return user


def _link(user: User, name: str, issuer: str, subject: str, tenant: str | None):
    links = db.session.scalars(
        select(ExternalIdentity).where(
            ExternalIdentity.issuer == issuer,
            (ExternalIdentity.user_id == user.id) | (ExternalIdentity.subject == subject),
        )
    ).all()
    mine = next((link for link in links if link.user_id == user.id), None)
    if mine is None:
        if links:  # this provider account already opens someone else's account here
            raise Refused("subject_taken")
        mine = ExternalIdentity(
            user=user, provider=name, issuer=issuer, subject=subject, tenant=tenant
        )
        db.session.add(mine)
        return mine
    if mine.subject != subject or (mine.tenant or None) != (tenant or None):
        raise Refused("subject_changed")  # the same email, another person at the provider
    return mine


def end_session_url(name: str, after: str) -> str | None:
    """The provider's own sign-out (RP-initiated logout) for this client, coming back to
    ``after``; None when the provider has none (Google) or cannot be reached."""
    try:
        app = client(name)
        endpoint = app.load_server_metadata().get("end_session_endpoint")
    except Exception:  # noqa: BLE001 — an unreachable provider: no link, never an error page
        return None
    if not endpoint:
        return None
    query = urlencode({"client_id": app.client_id, "post_logout_redirect_uri": after})
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
