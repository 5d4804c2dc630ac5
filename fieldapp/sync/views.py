"""The sync endpoint phones send their offline queue to, and the app shell that lets the app
open with no signal: the service worker, the manifest, the offline page."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from fieldapp import clock, i18n, policy
from fieldapp.auth import sessions
from fieldapp.extensions import csrf, db
from fieldapp.i18n import gettext as _
from fieldapp.models import VisitStatus
from fieldapp.rules import OPEN_STATUSES
from fieldapp.sync import services
from fieldapp.visits import queries

bp = Blueprint("sync", __name__)
shell = Blueprint("shell", __name__)
csrf.exempt(bp)  # checked in the view, after the sign-in check: a phone must see 401 first

MAX_PAGES = 150  # about 3 MB of pages on the phone at most
KEEP_DAYS = 14  # a kept page older than this is dropped from the phone
# Raise when the service worker's own code changes; static files change it by their URLs.
SHELL_VERSION = "2"
STATIC_FILES = (
    "app.css",
    "app.js",
    "icons/icon-192.png",
    "icons/icon-512.png",
)


def _token_answer():
    return {"token": generate_csrf(), "user": current_user.id}


@bp.get("/token")
@policy.requires(policy.sync_items, api=True)
def token():
    """A fresh CSRF token: the pages on the phone may carry a stale one."""
    return _token_answer()


@bp.post("")
@policy.requires(policy.sync_items, api=True)
def receive():
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        try:
            csrf.protect()
        except CSRFError as exc:
            return policy.api_error(403, "csrf", exc.description)
    try:
        items = services.parse_body(request.get_json(force=True, silent=True))
    except services.Malformed as exc:
        return policy.api_error(400, "malformed", str(exc))
    user = current_user._get_current_object()
    results = [_apply(item, user) for item in items]
    return {"results": [r.as_json() for r in results]}


def _apply(item: dict, user) -> services.Result:
    """One item, one transaction: a refused or raced item never undoes another. A race with the
    same item sent at the same moment (another tab) ends on the unique id: the retry finds it
    stored. A race with a teammate's item ends on the visit's version: the retry sees it."""
    for _attempt in range(3):
        try:
            result = services.apply(item, user, clock.now())
            if result.status == "stored":
                db.session.commit()
            else:
                db.session.rollback()
            return result
        except (IntegrityError, StaleDataError, OperationalError):
            db.session.rollback()
    raise RuntimeError("the item could not be stored after three tries")


@bp.get("/pages")
@policy.requires(policy.sync_items, api=True)
def pages():
    """The pages the phone keeps for working with no signal, most needed first, each visit with
    its family's relationship card: My visits and the account page; the scheduled visits still
    to happen, soonest first, with their reflection form; those waiting for a reflection, the
    latest first; those to arrange; those done this round. ``MAX_PAGES`` bounds what a phone
    holds."""
    now = clock.now()
    coming, to_reflect, to_arrange, done = [], [], [], []
    for visit in db.session.scalars(queries.my_visits(current_user)).unique():
        urls = [url_for("visits.detail", visit_id=visit.id)]
        if visit.status == VisitStatus.SCHEDULED:
            urls.append(url_for("visits.reflection", visit_id=visit.id, ahead=1))
        if visit.family_id is not None:
            urls.append(url_for("families.card", family_id=visit.family_id, kept=1))
        if visit.status == VisitStatus.SCHEDULED:
            past = visit.scheduled_start is not None and visit.scheduled_start < now
            (to_reflect if past else coming).append(urls)
        else:
            (to_arrange if visit.status in OPEN_STATUSES else done).append(urls)
    ordered = [url_for("visits.my_visits"), url_for("auth.account")]
    for group in (coming, to_reflect[::-1], to_arrange, done):
        ordered += [url for urls in group for url in urls]
    return {"user": current_user.id, "pages": list(dict.fromkeys(ordered))[:MAX_PAGES]}


# ---- the app shell ---------------------------------------------------------------------------


def shell_files() -> list[str]:
    htmx = f"vendor/htmx-{current_app.jinja_env.globals['htmx_version']}.min.js"
    return [url_for("static", filename=name) for name in (*STATIC_FILES, htmx)]


def shell_version() -> str:
    given = current_app.config.get("SW_VERSION")
    if given:
        return str(given)
    files = "\n".join([SHELL_VERSION, *shell_files()])
    return hashlib.sha256(files.encode()).hexdigest()[:12]


@shell.get("/sw.js")
@policy.public
def service_worker():
    body = render_template(
        "sync/sw.js",
        version=shell_version(),
        files=shell_files(),
        offline=url_for("shell.offline"),
        # The script names the person's language: when it changes, the browser installs the
        # worker again, which keeps the offline page in the new language.
        language=i18n.current_locale(),
        fresh_ms=current_app.config["SYNC_SAVED_AFTER_MS"],
        max_kept=MAX_PAGES,
        keep_days=KEEP_DAYS,
    )
    return Response(body, mimetype="text/javascript")


@shell.get("/manifest.webmanifest")
@policy.public
def manifest():
    response = jsonify(
        name=_("fieldapp: home visits"),
        short_name="fieldapp",
        start_url=url_for("visits.my_visits"),
        scope="/",
        display="standalone",
        background_color="#ffffff",
        theme_color="#1d5c8f",
        icons=[
            {
                "src": url_for("static", filename=f"icons/icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any",
            }
            for size in (192, 512)
        ],
    )
    response.mimetype = "application/manifest+json"
    return response


@shell.get("/offline")
@policy.public
def offline():
    return render_template("sync/offline.html")


@shell.after_app_request
def mark_user(response):
    """Tell the service worker whose page this is: it keeps pages per person, and drops them
    all when it sees a page for nobody (signed out)."""
    if request.endpoint != "static" and request.blueprint != "shell":
        user_id = sessions.signed_in_id()  # no copy of the account for a page that made none
        response.headers["X-Fieldapp-User"] = "" if user_id is None else str(user_id)
    return response
