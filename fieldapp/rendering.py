"""Rendering pages and their HTMX partials. The only module that imports htmx-flask or
jinja2-fragments, so that either can be replaced in one place."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import (
    Flask,
    Response,
    has_request_context,
    make_response,
    redirect,
    render_template,
    request,
)
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
    app.jinja_env.globals["url_for"] = remembered_url_for(app)


def remembered_url_for(app: Flask) -> Callable[..., str]:
    """The templates' ``url_for``: a link to one endpoint with the same values (in the same
    order: the query's order), under the same mount point (the request's ``script_root``), is
    built once per process and app (a pure function of those: the same rule, the same
    converters), then read back. A page writes dozens (the menu, crumbs, forms, a link per
    row) at some 8 µs each. Blueprint-relative endpoints, static files (their version may
    change), ``_external``, ``_anchor`` and the like, values that cannot be a key, and calls
    outside a request go to Flask each time."""

    @functools.lru_cache(maxsize=4096)
    def built(endpoint: str, items: tuple, root: str) -> str:  # root: part of the key only
        return app.url_for(endpoint, **dict(items))

    def url_for(endpoint: str, **values: Any) -> str:
        if (
            endpoint[:1] == "."
            or endpoint == "static"
            or not has_request_context()
            or any(key[:1] == "_" for key in values)
        ):
            return app.url_for(endpoint, **values)
        try:
            return built(endpoint, tuple(values.items()), request.script_root)
        except TypeError:  # a value that cannot be a key (a list of ids)
            return app.url_for(endpoint, **values)

    return url_for
