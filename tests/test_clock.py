"""Days by the school's clock: the boundaries where a UTC date is the wrong day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from fieldapp import clock

LA = ZoneInfo("America/Los_Angeles")  # UTC−8 in winter, UTC−7 in summer
BRISBANE = ZoneInfo("Australia/Brisbane")  # UTC+10, no DST


def at(tz: ZoneInfo, *parts: int) -> datetime:
    """A local wall-clock time, as stored: in UTC."""
    return datetime(*parts, tzinfo=tz).astimezone(UTC)


@pytest.mark.parametrize(
    ("tz", "local", "utc_day", "school_day"),
    [
        # 11:30 pm in Los Angeles is 7:30 am the next day in UTC.
        (LA, (2026, 12, 3, 23, 30), date(2026, 12, 4), date(2026, 12, 3)),
        # 5:30 pm, the after-school training of the issue: already tomorrow in UTC.
        (LA, (2026, 12, 3, 17, 30), date(2026, 12, 4), date(2026, 12, 3)),
        # 11:30 pm in Brisbane is 1:30 pm the same day in UTC ...
        (BRISBANE, (2026, 12, 3, 23, 30), date(2026, 12, 3), date(2026, 12, 3)),
        # ... and a morning there is still yesterday in UTC.
        (BRISBANE, (2026, 12, 3, 8, 0), date(2026, 12, 2), date(2026, 12, 3)),
        # A visit at 23:59 and at 00:01 are on two days, whatever the UTC dates say.
        (LA, (2026, 12, 3, 23, 59), date(2026, 12, 4), date(2026, 12, 3)),
        (LA, (2026, 12, 4, 0, 1), date(2026, 12, 4), date(2026, 12, 4)),
    ],
)
def test_local_date_is_the_school_s_day(tz, local, utc_day, school_day):
    moment = at(tz, *local)
    assert moment.date() == utc_day  # the naive conversion the app used to make
    assert clock.local_date(moment, tz) == school_day


def test_a_naive_datetime_from_the_database_is_read_as_utc():
    assert clock.local_date(datetime(2026, 12, 4, 7, 30), LA) == date(2026, 12, 3)


@pytest.mark.parametrize(
    ("now", "then", "days"),
    [
        # Same evening, 15 hours ahead: today, though "within 24 hours".
        ((2026, 12, 3, 8, 0), (2026, 12, 3, 23, 59), 0),
        ((2026, 12, 3, 8, 0), (2026, 12, 4, 0, 1), 1),
        # Spring forward (Sun 8 Mar 2026): Saturday 8 pm to Sunday 7 pm is 22 hours, one day.
        ((2026, 3, 7, 20, 0), (2026, 3, 8, 19, 0), 1),
        # Fall back (Sun 1 Nov 2026): Saturday 11:30 pm to Monday 0:30 am is 26 hours, two days;
        # to Sunday 11 pm is 24.5 hours, one day.
        ((2026, 10, 31, 23, 30), (2026, 11, 2, 0, 30), 2),
        ((2026, 10, 31, 23, 30), (2026, 11, 1, 23, 0), 1),
    ],
)
def test_days_from_today_counts_calendar_days_across_dst(now, then, days):
    assert clock.days_from_today(at(LA, *then), LA, at(LA, *now)) == days


def test_fall_back_hours_are_the_ones_counted():
    saturday, monday = at(LA, 2026, 10, 31, 23, 30), at(LA, 2026, 11, 2, 0, 30)
    assert monday - saturday == timedelta(hours=26)  # the reminder window's whole width


def test_today_follows_the_clock_offset(app):
    now = clock.now()
    app.config["CLOCK_OFFSET"] = timedelta(days=3)
    try:
        assert clock.today(BRISBANE) == clock.local_date(now + timedelta(days=3), BRISBANE)
    finally:
        app.config.pop("CLOCK_OFFSET")
