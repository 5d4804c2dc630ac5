"""Reminders say "today", "tomorrow" or the weekday by the school's calendar, in each team
member's language: a visit 20 hours ahead may be later the same day."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from fieldapp.models import Role, VisitMode, VisitStatus
from fieldapp.offers import reminders
from tests.factories import make_school, make_user, make_visit

LA = "America/Los_Angeles"


def local(tz: str, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def reminder(db, tz: str, now: tuple, start: tuple) -> dict[str, tuple[str, str]]:
    """{language: (subject, body)} of the reminder sent at ``now`` for a visit at ``start``."""
    school = make_school(timezone=tz)
    team = [
        make_user(Role.VISITOR, school, locale="en"),
        make_user(Role.VISITOR, school, locale="es"),
    ]
    visit = make_visit(
        school,
        team=team,
        status=VisitStatus.SCHEDULED,
        mode=VisitMode.HOME,
        scheduled_start=local(tz, *start),
    )
    sent = reminders.mails(visit, None, local(tz, *now))
    by_address = {to: (subject, body) for to, subject, body in sent}
    return {"en": by_address[team[0].email], "es": by_address[team[1].email]}


@pytest.mark.parametrize(
    ("tz", "now", "start", "en", "es"),
    [
        # The morning run, a visit at 23:59 the same evening (UTC: the next day): today.
        (LA, (2026, 12, 3, 8, 0), (2026, 12, 3, 23, 59), "today", "hoy"),
        # Two minutes later by the clock, the next day: tomorrow.
        (LA, (2026, 12, 3, 8, 0), (2026, 12, 4, 0, 1), "tomorrow", "mañana"),
        # 20 hours ahead in Brisbane (UTC+10): later today, not "tomorrow".
        ("Australia/Brisbane", (2026, 12, 3, 2, 0), (2026, 12, 3, 22, 0), "today", "hoy"),
        # Spring forward: Saturday 8 pm, Sunday 7 pm is 22 hours on: tomorrow.
        (LA, (2026, 3, 7, 20, 0), (2026, 3, 8, 19, 0), "tomorrow", "mañana"),
        # Fall back: Saturday 11:30 pm, Monday 0:30 am is 26 hours on: Monday, by name.
        (LA, (2026, 10, 31, 23, 30), (2026, 11, 2, 0, 30), "on Monday", "el lunes"),
        (LA, (2026, 10, 31, 23, 30), (2026, 11, 1, 23, 0), "tomorrow", "mañana"),
    ],
)
def test_the_reminder_names_the_day_by_the_school_s_calendar(db, tz, now, start, en, es):
    mails = reminder(db, tz, now, start)
    subject, body = mails["en"]
    assert f"visit {en}," in subject and f" is {en}:" in body
    subject, body = mails["es"]
    assert f"visita {es}," in subject and f" es {es}:" in body


def test_a_same_day_reminder_never_says_tomorrow(db):
    mails = reminder(db, LA, (2026, 12, 3, 8, 0), (2026, 12, 3, 23, 59))
    assert "tomorrow" not in " ".join(mails["en"]).lower()
    assert "mañana" not in " ".join(mails["es"]).lower()
