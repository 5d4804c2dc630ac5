"""The app's idea of "now", and of which day it is where. Everything that asks what time it is
asks here, so that tests (and only configuration, never a request) can move time forward with
``CLOCK_OFFSET``; and every stored UTC moment becomes a day here, in a school's zone, never by a
bare ``.date()`` (the UTC date: an evening in California is already tomorrow in UTC).
``tests/test_clock_use.py`` fails on a naive conversion anywhere else."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask.globals import _cv_app  # the app context itself: asked a few times a request


def now() -> datetime:
    context = _cv_app.get(None)
    offset = context.app.config.get("CLOCK_OFFSET") if context is not None else None
    return datetime.now(UTC) + offset if offset else datetime.now(UTC)


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    """The day ``moment`` falls on by the clocks of ``tz`` (a naive datetime is read as UTC,
    as the database gives it back)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).date()


def today(tz: ZoneInfo) -> date:
    return local_date(now(), tz)


def days_from_today(moment: datetime, tz: ZoneInfo, at: datetime | None = None) -> int:
    """How many of the school's calendar days ``moment`` lies after the day of ``at`` (now by
    default): 0 today, 1 tomorrow, whatever the hours between (23 or 25 on a DST weekend)."""
    return (local_date(moment, tz) - local_date(at or now(), tz)).days
