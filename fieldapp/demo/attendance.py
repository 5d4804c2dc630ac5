"""The demo's attendance, for the impact report: each active student's school months, as the
school's system exports them, with fewer days missed after a visit."""

from __future__ import annotations

import functools
import math
import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from fieldapp import clock, rules
from fieldapp.extensions import db
from fieldapp.models import AttendanceMonth, School, Student, Visit, VisitStatus, VisitStudent
from fieldapp.training.services import add_months

# Weekdays without school, beyond the summer: Labor Day; a staff day; Veterans Day and
# Thanksgiving; the winter break (its first half: the rest falls in January, with MLK Day);
# Presidents' week; César Chávez Day; the spring break; Memorial Day.
DAYS_OFF = {9: 1, 10: 1, 11: 4, 12: 8, 1: 3, 2: 5, 3: 1, 4: 5, 5: 1}
# A student's chance of missing a school day: lognormal around 5 %, so that most miss a few days
# and about one in six misses a tenth of the days or more (chronically absent).
ABSENCE_MEDIAN = 0.05
ABSENCE_SPREAD = 0.7
# A visited student misses a quarter fewer days in the months after the visit's month: a modest
# effect, for the impact report to find. Nobody else's chance changes.
AFTER_A_VISIT = 0.75
HALF_DAY = 0.05  # the chance of a month with a half day missed (sent home at noon)
_HALVES = [Decimal(n) / 2 for n in range(2 * 31 + 1)]


@functools.cache
def school_days(month: date) -> int:
    """Days of school in ``month`` (its first day) on the demo's calendar: the weekdays from the
    second Monday of August to the second Friday of June, less the holidays."""
    start, _ = rules.school_year(month)
    august = date(start.year, 8, 8)
    first = august + timedelta(days=-august.weekday() % 7)
    june = date(start.year + 1, 6, 8)
    last = june + timedelta(days=(4 - june.weekday()) % 7)
    day, end = max(month, first), min(add_months(month, 1) - timedelta(days=1), last)
    weekdays = sum((day + timedelta(days=n)).weekday() < 5 for n in range((end - day).days + 1))
    return max(0, weekdays - DAYS_OFF.get(month.month, 0))


def attendance_months(today: date) -> list[date]:
    """The months the demo has attendance for: the school months of the current school year that
    have ended by ``today``; and the whole year before as well while this one has fewer than
    three, so that early in the year the impact report still has a year worth showing."""
    this_month = today.replace(day=1)

    def ended(year_start: date) -> list[date]:
        months = (add_months(year_start, n) for n in range(12))
        return [m for m in months if m < this_month and school_days(m)]

    start, _ = rules.school_year(today)
    months = ended(start)
    if len(months) < 3:
        months = ended(add_months(start, -12)) + months
    return months


def attendance_imported_at(month: date, tz: ZoneInfo, now: datetime) -> datetime:
    """When the school's system exported ``month``: early on the third of the next month."""
    day = add_months(month, 1) + timedelta(days=2)
    return min(datetime.combine(day, time(6), tz).astimezone(UTC), now)


class FirstVisits:
    """Each student's first completed visit of each school year: the impact report's "visited"."""

    def __init__(self) -> None:
        self.days: dict[tuple[int, date], date] = {}

    def add(self, student_id: int, day: date) -> None:
        key = (student_id, _year_start(day))
        self.days[key] = min(day, self.days.get(key, day))

    def in_year_of(self, student_id: int, month: date) -> date | None:
        return self.days.get((student_id, _year_start(month)))


@functools.cache
def _year_start(day: date) -> date:
    return rules.school_year(day)[0]


def student_attendance(
    rng: random.Random, student_id: int, months: list[date], first_visits: FirstVisits
) -> list[tuple[date, Decimal, Decimal]]:
    """A student's (month, days enrolled, days absent), month by month."""
    rate = min(0.6, rng.lognormvariate(math.log(ABSENCE_MEDIAN), ABSENCE_SPREAD))
    rows = []
    for month in months:
        days = school_days(month)
        visited_on = first_visits.in_year_of(student_id, month)
        # A month that starts after the visit's day: one after the visit's month.
        after = visited_on is not None and month > visited_on
        chance = rate * AFTER_A_VISIT if after else rate
        halves = 2 * _days_missed(rng, days, chance)
        if halves < 2 * days and rng.random() < HALF_DAY:
            halves += 1
        rows.append((month, _HALVES[2 * days], _HALVES[halves]))
    return rows


def _days_missed(rng: random.Random, days: int, chance: float) -> int:
    """How many of ``days`` days, each missed with ``chance``, are missed (binomial): counted by
    the waiting times between misses, a few draws a month rather than one a day, which the
    district's 150,000 students notice."""
    log_kept = math.log(1 - chance)
    missed = day = 0
    while True:
        day += int(math.log(1 - rng.random()) / log_kept) + 1
        if day > days:
            return missed
        missed += 1


def seed_attendance(rng: random.Random, now: datetime) -> int:
    """Every active student's attendance, month by month, as the school's system exports it."""
    first_visits = FirstVisits()
    completed = db.session.execute(
        select(VisitStudent.student_id, Visit.completed_at, School.timezone)
        .join(Visit, Visit.id == VisitStudent.visit_id)
        .join(School, School.id == Visit.school_id)
        .where(Visit.status == VisitStatus.COMPLETED)
    )
    for student_id, completed_at, zone in completed:
        first_visits.add(student_id, clock.local_date(completed_at, ZoneInfo(zone)))
    made = 0
    for school in db.session.scalars(select(School).order_by(School.id)):
        tz = ZoneInfo(school.timezone)
        months = attendance_months(clock.local_date(now, tz))
        imported = {m: attendance_imported_at(m, tz, now) for m in months}
        students = db.session.scalars(
            select(Student.id)
            .where(Student.school_id == school.id, Student.active)
            .order_by(Student.id)
        )
        for student_id in students:
            for month, enrolled, absent in student_attendance(
                rng, student_id, months, first_visits
            ):
                db.session.add(
                    AttendanceMonth(
                        student_id=student_id,
                        school_id=school.id,
                        month=month,
                        days_enrolled=enrolled,
                        days_absent=absent,
                        updated_at=imported[month],
                    )
                )
                made += 1
    db.session.flush()
    return made
