"""Rendering pages and their HTMX partials. The only module that imports htmx-flask or
jinja2-fragments, so that either can be replaced in one place."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, make_response, redirect, render_template
from htmx_flask import Htmx
from htmx_flask import request as htmx_request
from jinja2_fragments.flask import render_block

from fieldapp.fields import NulFreeMultiDict

htmx = Htmx()


def is_htmx() -> bool:
    return bool(htmx_request.htmx)


def is_partial_request() -> bool:
    """An HTMX request for part of a page (a boosted link or form wants the whole page)."""
    return is_htmx() and not htmx_request.htmx.boosted


def render(template: str, block: str | None = None, status: int = 200, **context: Any) -> Response:
    """The whole page for a normal or boosted request; only ``block`` for an HTMX partial."""
    if block is not None and is_partial_request():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def redirect_after_post(location: str, *, stored: str | None = None) -> Response:
    """303 to ``location``; an HTMX partial request is told with HX-Redirect instead.

    ``stored``: the id of the phone's item this POST stored (or found stored). The phone's
    script must see it in the answer, but an XMLHttpRequest follows a 303 without a word and
    shows the page it lands on: so any HTMX request, boosted too, gets a 200 that carries both
    the id and HX-Redirect."""
    if is_partial_request() or (stored and is_htmx()):
        response = make_response("", 200 if stored else 204)
        response.headers["HX-Redirect"] = location
    else:
        response = redirect(location, code=303)
    return answered(response, stored, stored=True)


def answered(response: Response, client_id: str | None, *, stored: bool) -> Response:
    """Tell the phone's script what became of the item it sent under ``client_id``: stored (it
    may leave the phone's queue) or refused (the form came back with messages beside its
    fields). An answer with neither, a Wi-Fi sign-in page's for one, confirms nothing."""
    if client_id:
        response.headers["X-Fieldapp-Stored" if stored else "X-Fieldapp-Refused"] = client_id
    return response


def init_app(app: Flask) -> None:
    htmx.init_app(app)  # replaces app.request_class with htmx-flask's
    # ...which we extend once more: form and query values arrive without NUL characters.
    app.request_class = type(
        "FieldappRequest", (app.request_class,), {"parameter_storage_class": NulFreeMultiDict}
    )
