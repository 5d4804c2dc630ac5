"""Sign-in with the district's account: to the provider and back (fieldapp.auth.oidc decides
who it is). The session made is the app's own, exactly as with a password."""

from __future__ import annotations

import time

import requests
from authlib.common.errors import AuthlibBaseError
from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user
from joserfc.errors import JoseError

from fieldapp import audit, clock, policy
from fieldapp.auth import oidc
from fieldapp.auth.views import home_url, safe_next, start_session
from fieldapp.extensions import db, limiter
from fieldapp.i18n import gettext as _
from fieldapp.rendering import render

bp = Blueprint("oidc", __name__)

NEXT = "oidc_next"


def _provider(name: str) -> dict:
    provider = oidc.offered().get(name)
    if provider is None:
        abort(404)
    return provider


def _refused(provider: dict, reason: str, status: int, email: str = ""):
    return render(
        "auth/refused.html",
        reason=reason,
        label=provider["label"],
        domains=provider["domains"],
        email=email,
        passwords=current_app.config["PASSWORD_SIGN_IN"] == "everyone",
        next=session.get(NEXT),
        status=status,
    )


@bp.get("/<name>")
@policy.public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
def start(name: str):
    """To the provider's sign-in, with PKCE, state and nonce kept in this session. Someone
    already signed in comes here to confirm it is them before a sensitive action (the
    password's place on the "Confirm it is you" page): the provider is asked to check the
    person again (``max_age=0``), not to wave a remembered session through."""
    provider = _provider(name)
    extra = {"max_age": 0} if current_user.is_authenticated else {}
    session[NEXT] = safe_next(request.args.get("next"))
    try:
        return oidc.client(name).authorize_redirect(
            url_for("oidc.callback", name=name, _external=True), **extra
        )
    except (requests.RequestException, AuthlibBaseError, ValueError, KeyError):
        return _refused(provider, "unreachable", 503)


@bp.get("/<name>/callback")
@policy.public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
def callback(name: str):
    """Back from the provider: the code is exchanged and the ID token checked (Authlib), then
    the account it opens is found (oidc.identify), or the person is told why not."""
    provider = _provider(name)
    reason, status = None, 400
    try:
        token = oidc.client(name).authorize_access_token()
        claims = token.get("userinfo")
        if not claims:
            reason = "bad_answer"  # no ID token: nothing says who this is
    except requests.RequestException:
        reason, status = "unreachable", 503
    except AuthlibBaseError as exc:
        # access_denied: the person said no at the provider; else a state this session did
        # not make (replayed, altered, from another browser) or a token that fails a check.
        reason = "cancelled" if getattr(exc, "error", "") == "access_denied" else "bad_answer"
    except (JoseError, ValueError, KeyError):
        reason = "bad_answer"  # the ID token's signature or claims (aud, exp, nonce, iss)
    if reason:
        audit.record("auth.login", success=False, method=name, reason=reason)
        db.session.commit()
        return _refused(provider, reason, status)
    signed_in = current_user._get_current_object() if current_user.is_authenticated else None
    try:
        user = oidc.identify(name, claims, now=clock.now(), signed_in=signed_in)
    except oidc.Refused as refused:
        db.session.commit()  # the refusal's audit event
        return _refused(provider, refused.reason, refused.status, claims.get("email", ""))
    after = session.pop(NEXT, None)
    if signed_in is None:
        start_session(user, remember=False)
    else:
        session["auth_at"] = time.time()  # confirmed: the same session, fresh again
    session[oidc.SESSION_KEY] = name
    db.session.commit()
    return redirect(after or home_url(user))


@bp.get("/<name>/sign-out")
@policy.public
def provider_sign_out(name: str):
    """After signing out here: the provider's own sign-out too, on a shared phone."""
    provider = _provider(name)
    url = oidc.end_session_url(name, url_for("auth.login", _external=True))
    if url is None:
        flash(
            _("Sign out of your %(provider)s account on its own page.", provider=provider["label"]),
            "info",
        )
        return redirect(url_for("auth.login"))
    return redirect(url)
