"""A visit as an iCalendar event (icalendar library): time, place, family, partners; no notes.

The event's UID is the visit's, and its SEQUENCE the visit's version, so that a calendar that
fetches the visit again (a feed) replaces the event instead of adding a second one. The UID's
domain is the app's configured address (``FIELDAPP_BASE_URL``), never the request's Host: a
calendar that fetched the feed by another name would otherwise see every visit twice."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar, Event, vDuration

from fieldapp.formatting import MODES
from fieldapp.i18n import family_label
from fieldapp.i18n import gettext as _
from fieldapp.models import Visit


def uid_domain() -> str:
    """The right-hand side of every event's UID: the configured public host, else "fieldapp"."""
    return urlsplit(current_app.config.get("BASE_URL") or "").hostname or "fieldapp"


def visit_event(visit: Visit, domain: str) -> Event:
    event = Event()
    event.add("uid", f"visit-{visit.id}@{domain}")
    event.add("dtstamp", visit.updated_at)
    event.add("dtstart", visit.scheduled_start)
    event.add("dtend", visit.scheduled_start + timedelta(minutes=visit.planned_minutes))
    family = family_label(visit.family.name if visit.family else None)
    event.add("summary", _("Home visit: %(family)s", family=family))
    if visit.place:
        event.add("location", visit.place)
    team = " & ".join(m.name for m in visit.members)
    mode = MODES.get(visit.mode)
    event.add(
        "description",
        _("%(mode)s. Team: %(team)s.", mode=mode, team=team)
        if mode
        else _("Team: %(team)s.", team=team),
    )
    event.add("sequence", visit.version)
    return event


def visit_calendar(
    visits: list[Visit],
    *,
    name: str | None = None,
    refresh: timedelta | None = None,
) -> bytes:
    """``name`` and ``refresh``: for a calendar a phone subscribes to (a feed). The words are in
    the language of the moment (``in_language`` for a feed: its owner's)."""
    calendar = Calendar()
    calendar.add("prodid", "-//fieldapp//home visits//EN")
    calendar.add("version", "2.0")
    if name:
        calendar.calendar_name = name  # NAME (RFC 7986) and the widely read X-WR-CALNAME
    if refresh:
        # How often to fetch it again: RFC 7986's REFRESH-INTERVAL (VALUE=DURATION is required)
        # and X-PUBLISHED-TTL, the older name that Outlook and others still read.
        calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(refresh))
    domain = uid_domain()
    for visit in visits:
        if visit.scheduled_start is not None:
            calendar.add_component(visit_event(visit, domain))
    return calendar.to_ical()
