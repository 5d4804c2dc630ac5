"""Reports cut days at each day's own local midnight: a visit late in the evening or just after
midnight, on either side of a DST change, counts on the day the school's clocks showed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from fieldapp import clock
from fieldapp.models import VisitStatus
from fieldapp.reports import queries
from tests.factories import make_school, make_visit

INSTANTS = [  # UTC: in Los Angeles, the evening before / the first minutes of a day
    datetime(2026, 3, 8, 7, 30, tzinfo=UTC),  # Sat 7 Mar 23:30 PST
    datetime(2026, 3, 8, 8, 30, tzinfo=UTC),  # Sun 8 Mar 00:30 PST (DST starts at 2:00)
    datetime(2026, 3, 9, 6, 30, tzinfo=UTC),  # Sun 8 Mar 23:30 PDT
    datetime(2026, 3, 9, 7, 30, tzinfo=UTC),  # Mon 9 Mar 00:30 PDT
    datetime(2026, 7, 1, 6, 59, tzinfo=UTC),  # Tue 30 Jun 23:59 PDT
    datetime(2026, 7, 1, 7, 1, tzinfo=UTC),  # Wed 1 Jul 00:01 PDT
    datetime(2026, 11, 1, 6, 59, tzinfo=UTC),  # Sat 31 Oct 23:59 PDT
    datetime(2026, 11, 1, 7, 1, tzinfo=UTC),  # Sun 1 Nov 00:01 PDT (DST ends at 2:00)
    datetime(2026, 11, 2, 7, 59, tzinfo=UTC),  # Sun 1 Nov 23:59 PST
    datetime(2026, 11, 2, 8, 1, tzinfo=UTC),  # Mon 2 Nov 00:01 PST
]


@pytest.mark.parametrize("timezone", ["America/Los_Angeles", "Australia/Brisbane"])
def test_visits_count_on_the_school_s_own_day(db, timezone):
    school = make_school(timezone=timezone)
    for at in INSTANTS:
        make_visit(school, status=VisitStatus.COMPLETED, completed_at=at, scheduled_start=at)
    db.session.flush()
    scope = queries.Scope(
        school_ids=(school.id,), start=date(2026, 1, 1), end=date(2026, 12, 31), timezone=timezone
    )
    counted = {
        day: n for day, _status, n in db.session.execute(queries.visits_by_day_and_status(scope))
    }
    zone = scope.zone
    expected: dict[date, int] = {}
    for at in INSTANTS:
        expected[clock.local_date(at, zone)] = expected.get(clock.local_date(at, zone), 0) + 1
    assert {date.fromisoformat(str(d)[:10]): n for d, n in counted.items()} == expected
    if timezone == "America/Los_Angeles":  # both sides of each midnight, DST or not
        assert date(2026, 10, 31) in expected and date(2026, 3, 7) in expected
        assert all(n == 2 for d, n in expected.items() if d.month in (3, 11) and d.day in (1, 8))


def test_the_offsets_follow_the_dst_changes():
    pieces = queries.zone_offsets("America/Los_Angeles", date(2026, 1, 1), date(2026, 12, 31))
    assert pieces == (
        (datetime(2026, 3, 8, 10, 0), -480),
        (datetime(2026, 11, 1, 9, 0), -420),
        (None, -480),
    )
    assert queries.zone_offsets("Australia/Brisbane", date(2026, 1, 1), date(2026, 12, 31)) == (
        (None, 600),
    )


def test_a_statement_compiled_for_one_zone_is_never_reused_for_another(db):
    """The offsets are written into the SQL and are part of its cache key: one process, one
    statement shape, several zones and ranges one after the other, each with its own days."""
    zones = ["America/Los_Angeles", "Australia/Brisbane", "America/Los_Angeles", "Europe/Paris"]
    schools = {tz: make_school(timezone=tz) for tz in set(zones)}
    for school in schools.values():
        for at in INSTANTS:
            make_visit(school, status=VisitStatus.COMPLETED, completed_at=at, scheduled_start=at)
    db.session.flush()
    for timezone, end in [
        *((tz, date(2026, 12, 31)) for tz in zones),
        (zones[0], date(2027, 6, 30)),
    ]:
        counted, expected = days_counted(db, schools[timezone], INSTANTS, end=end)
        assert counted == expected, timezone


@pytest.mark.parametrize("timezone", ["America/Santiago", "America/Los_Angeles"])
def test_a_visit_at_the_very_minute_the_clocks_change_counts_on_the_day_they_then_show(
    db, timezone
):
    """At the instant of a change the new offset holds. Santiago changes at midnight, so the
    day itself depends on it: 5 Apr 2026 03:00 UTC is 4 Apr 23:00 there, not 5 Apr 00:00.
    (PostgreSQL compares the instants themselves; SQLite's stored text, with microseconds,
    sorts after the change's, so there the new offset holds at the change either way.)"""
    school = make_school(timezone=timezone)
    changes = [until for until, _ in queries.zone_offsets(timezone, date(2026, 1, 1),
               date(2026, 12, 31)) if until is not None]  # fmt: skip
    assert len(changes) == 2
    instants = [
        (change + timedelta(minutes=m)).replace(tzinfo=UTC) for change in changes for m in (-1, 0)
    ]
    for at in instants:
        make_visit(school, status=VisitStatus.COMPLETED, completed_at=at, scheduled_start=at)
    db.session.flush()
    counted, expected = days_counted(db, school, instants)
    assert counted == expected
    if timezone == "America/Santiago":
        zone = ZoneInfo(timezone)
        assert clock.local_date(datetime(2026, 4, 5, 3, 0, tzinfo=UTC), zone) == date(2026, 4, 4)


def days_counted(db, school, instants, *, end=date(2026, 12, 31)):
    """The report's visits per local day at ``school`` over 2026 (to ``end``), and what the
    school's clock says of ``instants`` (a visit completed at each)."""
    scope = queries.Scope(
        school_ids=(school.id,), start=date(2026, 1, 1), end=end, timezone=school.timezone
    )
    counted = {
        date.fromisoformat(str(day)[:10]): n
        for day, _status, n in db.session.execute(queries.visits_by_day_and_status(scope))
    }
    expected: dict[date, int] = {}
    for at in instants:
        day = clock.local_date(at, scope.zone)
        expected[day] = expected.get(day, 0) + 1
    return counted, expected
