"""A visit as an iCalendar event (icalendar library): time, place, family, partners; no notes."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from icalendar import Calendar, Event

from fieldapp.formatting import MODES
from fieldapp.models import Visit


def visit_event(visit: Visit, host: str) -> Event:
    event = Event()
    event.add("uid", f"visit-{visit.id}@{host}")
    event.add("dtstamp", visit.updated_at)
    event.add("dtstart", visit.scheduled_start)
    event.add("dtend", visit.scheduled_start + timedelta(minutes=visit.planned_minutes))
    family = visit.family.name if visit.family else _("a family")
    event.add("summary", _("Home visit: %(family)s", family=family))
    if visit.place:
        event.add("location", visit.place)
    team = " & ".join(m.name for m in visit.members)
    event.add(
        "description", _("%(mode)s. Team: %(team)s.", mode=MODES.get(visit.mode, ""), team=team)
    )
    event.add("sequence", visit.version)
    return event


def visit_calendar(visits: list[Visit], host: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//fieldapp//home visits//EN")
    calendar.add("version", "2.0")
    for visit in visits:
        if visit.scheduled_start is not None:
            calendar.add_component(visit_event(visit, host))
    return calendar.to_ical()
