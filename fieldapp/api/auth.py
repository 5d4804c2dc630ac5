"""Bearer tokens for the API: no session and no person, one school per token.

``@token_required`` marks the view (``view.permission = API_TOKEN``), as ``@public`` does, so
that the permission walk knows the route decided who may call it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request

from fieldapp import clock
from fieldapp.api import tokens
from fieldapp.extensions import db
from fieldapp.models import ApiToken
from fieldapp.policy import API_TOKEN, api_error


def bearer() -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    secret = secret.strip()
    return secret if scheme.lower() == "bearer" and secret else None


def unauthorized(reason: str):
    response = api_error(401, "invalid_token", reason)
    response.headers["WWW-Authenticate"] = 'Bearer realm="fieldapp", error="invalid_token"'
    return response


def rate_limit_key() -> str:
    """Limits count per token (its hash: the secret itself never sits in the limiter's store);
    calls without one count per address."""
    secret = bearer()
    return "token:" + tokens.token_hash(secret) if secret else "addr:" + (request.remote_addr or "")


def current_token() -> ApiToken:
    return g.api_token


def token_required(view: Callable) -> Callable:
    @wraps(view)
    def guarded(**kwargs: Any):
        secret = bearer()
        if secret is None:
            return unauthorized("Send a token: Authorization: Bearer <token>.")
        token = tokens.active_token(secret)
        if token is None:
            return unauthorized("This token is not known or was revoked.")
        g.api_token = token
        if tokens.touch(token, clock.now()):
            db.session.commit()
        return view(**kwargs)

    guarded.permission = API_TOKEN  # type: ignore[attr-defined]
    return guarded
