"""Styled error pages (a partial for HTMX requests)."""

from __future__ import annotations

from flask import Flask, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from fieldapp.extensions import db
from fieldapp.i18n import gettext as _
from fieldapp.i18n import lazy_gettext as _l
from fieldapp.policy import api_error
from fieldapp.receipts import BadClientId, TakenClientId
from fieldapp.rendering import render

MESSAGES = {
    400: (
        _l("Something in that request was not right"),
        _l("Go back, check what you entered and try again."),
    ),
    401: (_l("Please sign in"), _l("You need to sign in to see this page.")),
    403: (
        _l("Not for your role"),
        _l("Your account cannot open this page. If you need it, ask your coordinator."),
    ),
    404: (_l("Page not found"), _l("There is nothing here, or it is not yours to see.")),
    405: (_l("Not allowed"), _l("That action does not work on this page.")),
    409: (
        _l("Changed meanwhile"),
        _l("Someone else changed this. Reload the page and try again."),
    ),
    413: (_l("Too large"), _l("What you sent is larger than this app accepts.")),
    429: (_l("Too many tries"), _l("Please wait a little and try again.")),
    500: (
        _l("Something went wrong on our side"),
        _l("Nothing you typed was your fault. Please try again in a moment."),
    ),
}


def _page(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, (_("Error %(code)s", code=code), ""))
    return render(
        "errors/error.html",
        block="content",
        status=code,
        code=code,
        title=title,
        message=detail or message,
    )


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _page(400, _("This page had expired. Go back, reload it and send the form again."))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        if request.path.startswith("/api/"):  # the school's systems read JSON, not pages
            response = api_error(exc.code, exc.name.lower().replace(" ", "_"), exc.description)
            # e.g. Allow on a 405, Retry-After on a 429
            response.headers.extend(h for h in exc.get_headers() if h[0] != "Content-Type")
            return response
        return _page(exc.code)

    @app.errorhandler(BadClientId)
    def bad_client_id(exc: BadClientId):
        response = _page(exc.status, str(exc))
        if isinstance(exc, TakenClientId):
            response.headers["X-Fieldapp-Refused"] = exc.client_id  # the phone's script reads it
        return response

    @app.errorhandler(StaleDataError)
    def stale(exc):
        # Optimistic locking: someone else changed the record since this page was loaded.
        db.session.rollback()
        return _page(
            409,
            _(
                "Someone else changed this meanwhile. Reload the page to see the "
                "latest, then try again."
            ),
        )

    @app.errorhandler(InternalServerError)
    def server_error(exc):
        db.session.rollback()
        return _page(500)
