"""A visitor's private calendar feed: the link a phone's calendar fetches, opening it and
turning it off (no URL prefix: /calendar/… and /account/…)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.http import is_resource_modified

from fieldapp import clock, policy
from fieldapp.extensions import db, limiter
from fieldapp.i18n import gettext as _
from fieldapp.i18n import in_language
from fieldapp.models import (
    Role,
)
from fieldapp.rendering import redirect_after_post, render
from fieldapp.visits import feeds, queries
from fieldapp.visits.calendar import visit_calendar

feed_bp = Blueprint("calendar_feed", __name__)


@feed_bp.get("/calendar/<token>.ics")
@policy.public
@limiter.limit(lambda: current_app.config["CALENDAR_FEED_RATE_LIMIT"])
def feed(token: str):
    """What a phone's calendar fetches. Calendar apps cannot sign in: the link is the key, and
    it works only while its owner is an active visitor. A wrong, replaced or turned-off link
    and a person no longer a visitor all get the app's usual 404 page, which tells nothing."""
    row = feeds.find(token)
    if row is None or not row.user.active or not policy.calendar_feed.role_allows(row.user):
        abort(404)
    person, now = row.user, clock.now()
    since = now - timedelta(days=feeds.DAYS_BACK)
    visits = db.session.scalars(
        queries.feed_visits(person, since, person.school_ids(Role.VISITOR))
    ).all()
    if feeds.note_fetch(row, now=now):
        db.session.commit()
    # In its owner's language: the calendar app's Accept-Language is the phone's, not theirs.
    with in_language(person.locale) as language:
        version = feeds.version(row, visits, language)
        if is_resource_modified(
            request.environ, etag=version.etag, last_modified=version.last_modified
        ):
            response = Response(
                visit_calendar(visits, name=_("Home visits"), refresh=feeds.REFRESH),
                mimetype="text/calendar",
            )
        else:
            response = Response(status=304)
    # Weak: the same feed gzipped or not (Flask-Compress would append ":gzip" to a strong one,
    # and the tag the calendar sends back would never match again).
    response.set_etag(version.etag, weak=True)
    response.last_modified = version.last_modified
    response.headers["Content-Language"] = language
    # Family names and places: kept by the calendar app that fetched them, by no shared cache.
    response.headers["Cache-Control"] = "private, max-age=900"
    return response


@feed_bp.route("/account/calendar-feed", methods=["GET", "POST"])
@policy.requires(policy.calendar_feed, fresh=True)
def open_link():
    """Make the feed's link, or a new one in place of the old. The password is asked again
    first (as for exports): the link shows the visits to whoever holds it, signed in or not."""
    if request.method == "GET":  # back from giving the password again: press the button again
        return redirect(url_for("auth.account", _anchor="calendar-feed"))
    token = feeds.open_feed(current_user, now=clock.now())
    db.session.commit()
    url = url_for("calendar_feed.feed", token=token, _external=True)
    return render(
        "visits/calendar_link.html",
        feed_url=url,
        webcal_url="webcal://" + url.split("://", 1)[1],
        status=201,
    )


@feed_bp.post("/account/calendar-feed/off")
@policy.requires(policy.calendar_feed)
def turn_off():
    if feeds.turn_off(current_user, now=clock.now()):
        db.session.commit()
        flash(
            _(
                "Your calendar feed is off: its link no longer works. Remove the calendar from "
                "your phone too, or it keeps showing the visits it already has."
            ),
            "success",
        )
    return redirect_after_post(url_for("auth.account", _anchor="calendar-feed"))
