"""Aggregate queries for the reports: every figure is a GROUP BY in the database, never rows
counted in Python. Each builder takes a ``Scope`` (the report's filters) and returns a
``select()``; times are bucketed into the district's local days in SQL (``local_date``)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    Select,
    and_,
    case,
    exists,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal

from fieldapp import clock
from fieldapp.models import (
    Enrollment,
    Family,
    FollowUp,
    HoursEntry,
    School,
    SchoolClass,
    Student,
    Visit,
    VisitStatus,
    VisitStudent,
)


@dataclass(frozen=True)
class Scope:
    """What a report covers. ``school_ids`` None: every school of the district."""

    school_ids: tuple[int, ...] | None = None
    round_id: int | None = None
    start: date | None = None
    end: date | None = None
    grade: str | None = None
    timezone: str = "America/Los_Angeles"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def utc_offsets(self) -> tuple[tuple[datetime | None, int], ...]:
        """The zone's offsets over the report's dates (from 2015 and up to a year ahead when
        open-ended), so that every day is cut at its own local midnight, DST or not."""
        first = self.start or date(2015, 1, 1)
        last = self.end or clock.today(self.zone) + timedelta(days=366)
        return zone_offsets(self.timezone, first, last)

    def utc_bounds(self) -> tuple[datetime | None, datetime | None]:
        """[start, end] as UTC instants: local midnight of ``start``, local midnight after
        ``end`` (so that a time column is compared as stored, and its index can be used)."""
        lo = datetime.combine(self.start, time(), self.zone).astimezone(UTC) if self.start else None
        hi = (
            datetime.combine(self.end + timedelta(days=1), time(), self.zone).astimezone(UTC)
            if self.end
            else None
        )
        return lo, hi


@functools.lru_cache(maxsize=64)
def zone_offsets(timezone: str, first: date, last: date) -> tuple[tuple[datetime | None, int], ...]:
    """``timezone``'s UTC offset in minutes over [first, last] as pieces ``(until, minutes)``:
    each holds for naive-UTC instants before ``until``; the last one (``until`` None) after."""
    zone = ZoneInfo(timezone)

    def minutes(at: datetime) -> int:
        return int(at.astimezone(zone).utcoffset().total_seconds() // 60)

    at = datetime.combine(first - timedelta(days=1), time(), UTC)
    end = datetime.combine(last + timedelta(days=2), time(), UTC)
    pieces: list[tuple[datetime | None, int]] = []
    current = minutes(at)
    while at < end:
        step = at + timedelta(days=1)
        if minutes(step) != current:
            lo, hi = at, step  # the change lies in (lo, hi]: found to the minute
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (mid, hi) if minutes(mid) == current else (lo, mid)
            pieces.append((hi.replace(tzinfo=None, second=0, microsecond=0), current))
            current = minutes(step)
        at = step
    pieces.append((None, current))
    return tuple(pieces)


class local_date(FunctionElement):  # noqa: N801  (reads as the SQL function it is)
    """The local calendar day of a naive-UTC timestamp column: shifted by the zone's offset at
    that instant (a CASE over the DST changes of the report's dates)."""

    type = Date()
    # The offsets are written into the SQL itself (GROUP BY must repeat the SELECT's expression
    # exactly, so no bound parameters), so they are part of the statement's cache key: a
    # statement compiled for one zone or range is reused for that one only. (Left out of the
    # key, no statement holding a local day was cached: the impact report compiled its one
    # statement on every request, 8 ms.)
    inherit_cache = False  # the traversal below, not FunctionElement's
    _traverse_internals = [
        *FunctionElement._traverse_internals,
        ("pieces", InternalTraversal.dp_plain_obj),
    ]
    name = "local_date"

    def __init__(self, column, pieces: tuple[tuple[datetime | None, int], ...]):
        self.pieces = pieces
        super().__init__(column)


class month_start(FunctionElement):  # noqa: N801  (reads as the SQL function it is)
    """The first day of a date's month."""

    type = Date()
    inherit_cache = True
    name = "month_start"


@compiles(month_start, "sqlite")
def _month_start_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


@compiles(month_start)
def _month_start_default(element, compiler, **kw):
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"


def _shift(element, column: str, instant, offset) -> str:
    """The offset at ``column``'s instant: a CASE over the changes, the newest first. A report's
    rows are mostly recent, and each row stops at the first change it is past (oldest first,
    a row of this year walked every change since the report's first date: 26 over a district's
    eleven years)."""
    pieces = element.pieces
    if len(pieces) == 1:
        return offset(pieces[0][1])
    # A piece holds from the change before it (the ``until`` of the piece before) on.
    since = zip([until for until, _ in pieces[:-1]], [m for _, m in pieces[1:]], strict=True)
    whens = " ".join(
        f"WHEN {column} >= {instant(start)} THEN {offset(m)}" for start, m in reversed(list(since))
    )
    return f"CASE {whens} ELSE {offset(pieces[0][1])} END"


@compiles(local_date, "sqlite")
def _local_date_sqlite(element, compiler, **kw):
    column = compiler.process(element.clauses.clauses[0], **kw)
    shift = _shift(
        element, column, lambda u: f"'{u:%Y-%m-%d %H:%M:%S}'", lambda m: f"'{m:+d} minutes'"
    )
    return f"date({column}, {shift})"


@compiles(local_date)
def _local_date_default(element, compiler, **kw):
    column = compiler.process(element.clauses.clauses[0], **kw)
    shift = _shift(
        element,
        column,
        lambda u: f"TIMESTAMP '{u:%Y-%m-%d %H:%M:%S}'",
        lambda m: f"INTERVAL '{m:d} minutes'",
    )
    return f"CAST(({column} + {shift}) AS DATE)"


def _day(column, scope: Scope):
    return local_date(column, scope.utc_offsets)


def _in_range(column, scope: Scope) -> list:
    lo, hi = scope.utc_bounds()
    return [c for c in (column >= lo if lo else None, column < hi if hi else None) if c is not None]


def _date_in_range(column, scope: Scope) -> list:
    return [
        c
        for c in (
            column >= scope.start if scope.start else None,
            column <= scope.end if scope.end else None,
        )
        if c is not None
    ]


def _visit_scope(scope: Scope) -> list:
    """Conditions on Visit: school, round, and a student of the grade among those it covers."""
    conditions = []
    if scope.school_ids is not None:
        conditions.append(Visit.school_id.in_(scope.school_ids))
    if scope.round_id is not None:
        conditions.append(Visit.round_id == scope.round_id)
    if scope.grade is not None:
        # An uncorrelated IN, computed once (a correlated EXISTS would also be correlated to
        # whichever outer query has students or visit_students in its FROM).
        conditions.append(
            Visit.id.in_(
                select(VisitStudent.visit_id)
                .join(Student, Student.id == VisitStudent.student_id)
                .where(Student.grade == scope.grade)
            )
        )
    return conditions


def _student_scope(scope: Scope) -> list:
    conditions = [Student.active.is_(True)]
    if scope.school_ids is not None:
        conditions.append(Student.school_id.in_(scope.school_ids))
    if scope.grade is not None:
        conditions.append(Student.grade == scope.grade)
    return conditions


# ---- visits -----------------------------------------------------------------------------------

# A visit's day: when it was completed, else its appointment, else when it last changed
# (a visit being arranged, declined or cancelled before any appointment).
VISIT_WHEN = func.coalesce(Visit.completed_at, Visit.scheduled_start, Visit.updated_at)


def visits_by_day_and_status(scope: Scope) -> Select:
    """(local day, status, visits)."""
    day = _day(VISIT_WHEN, scope)
    return (
        select(day, Visit.status, func.count(Visit.id))
        .where(*_visit_scope(scope), *_in_range(VISIT_WHEN, scope))
        .group_by(day, Visit.status)
    )


def completed_visits_by_school(scope: Scope) -> Select:
    """(school id, completed visits)."""
    return (
        select(Visit.school_id, func.count(Visit.id))
        .where(
            Visit.status == VisitStatus.COMPLETED,
            *_visit_scope(scope),
            *_in_range(Visit.completed_at, scope),
        )
        .group_by(Visit.school_id)
    )


# ---- coverage ---------------------------------------------------------------------------------


def visited_students(scope: Scope) -> Select:
    """Students covered by a completed visit in the scope (siblings each count: rule 4's
    figure is the share of students whose family was visited)."""
    return (
        select(VisitStudent.student_id)
        .join(Visit, Visit.id == VisitStudent.visit_id)
        .where(
            Visit.status == VisitStatus.COMPLETED,
            *_visit_scope(scope),
            *_in_range(Visit.completed_at, scope),
        )
    )


def _visited_sum(scope: Scope):
    return func.coalesce(func.sum(case((Student.id.in_(visited_students(scope)), 1), else_=0)), 0)


def coverage(scope: Scope, by: tuple[str, ...]) -> Select:
    """(grouping, key, label, grade, students, visited students) in one statement (UNION ALL):
    for "school" or "grade" in ``by``, rows ("school", school id, school name, grade) by school
    and grade, which the caller adds up either way (one pass over the students: a district's
    153,000 took 120 ms a pass, and both groupings had one each); for "class", rows ("class",
    class id, class name, NULL)."""
    parts = []
    if "school" in by or "grade" in by:
        parts.append(
            select(
                literal_column("'school'"),
                School.id,
                School.name,
                Student.grade,
                func.count(Student.id),
                _visited_sum(scope),
            )
            .join(Student, Student.school_id == School.id)
            .where(*_student_scope(scope))
            .group_by(School.id, School.name, Student.grade)
        )
    if "class" in by:
        parts.append(
            select(
                literal_column("'class'"),
                SchoolClass.id,
                SchoolClass.name,
                null(),
                func.count(Student.id),
                _visited_sum(scope),
            )
            .join(Enrollment, Enrollment.class_id == SchoolClass.id)
            .join(Student, Student.id == Enrollment.student_id)
            .where(SchoolClass.active.is_(True), *_student_scope(scope))
            .group_by(SchoolClass.id, SchoolClass.name)
        )
    return parts[0] if len(parts) == 1 else union_all(*parts)


# ---- follow-ups -------------------------------------------------------------------------------


def follow_ups_by_day(scope: Scope) -> Select:
    """(local day, "opened" or "closed", follow-ups), and one row ("open", open now) last:
    follow-ups made at visits in the scope, in one statement."""
    made_at_visit = and_(FollowUp.visit_id == Visit.id, *_visit_scope(scope))
    opened_day = _day(FollowUp.created_at, scope)
    closed_day = _day(FollowUp.done_at, scope)
    opened = (
        select(opened_day, literal_column("'opened'"), func.count(FollowUp.id))
        .join(Visit, made_at_visit)
        .where(*_in_range(FollowUp.created_at, scope))
        .group_by(opened_day)
    )
    closed = (
        select(closed_day, literal_column("'closed'"), func.count(FollowUp.id))
        .join(Visit, made_at_visit)
        .where(FollowUp.done_at.is_not(None), *_in_range(FollowUp.done_at, scope))
        .group_by(closed_day)
    )
    still_open = (
        select(literal_column("NULL", Date), literal_column("'open'"), func.count(FollowUp.id))
        .join(Visit, made_at_visit)
        .where(FollowUp.done_at.is_(None))
    )
    return union_all(opened, closed, still_open)


# ---- families ---------------------------------------------------------------------------------


def families_by_language(scope: Scope) -> Select:
    """(home language, interpreter needed, families) for families with an active student in
    the scope (a family with students at two schools counts once)."""
    # IN, not a correlated EXISTS: SQLite would probe every family of the district with it.
    in_scope = Family.id.in_(select(Student.family_id).where(*_student_scope(scope)))
    return (
        select(Family.home_language, Family.interpreter_needed, func.count(Family.id))
        .where(in_scope)
        .group_by(Family.home_language, Family.interpreter_needed)
    )


# ---- hours ------------------------------------------------------------------------------------


def hours_by_month(scope: Scope) -> Select:
    """(month's first day, role, hours) for hours earned in the scope. One key per month, not
    its year and month apart: over a district's 86,000 entries that halves the statement
    (164 → 80 ms on SQLite)."""
    month = month_start(HoursEntry.earned_on)
    conditions = [*_date_in_range(HoursEntry.earned_on, scope)]
    if scope.school_ids is not None:
        conditions.append(HoursEntry.school_id.in_(scope.school_ids))
    if scope.round_id is not None or scope.grade is not None:
        conditions.append(exists().where(Visit.id == HoursEntry.visit_id, *_visit_scope(scope)))
    return (
        select(month, HoursEntry.role, func.sum(HoursEntry.hours))
        .where(*conditions)
        .group_by(month, HoursEntry.role)
    )


# ---- choices for the filters ------------------------------------------------------------------


def schools(ids: tuple[int, ...] | None = None) -> Select:
    query = select(School).order_by(School.name)
    return query if ids is None else query.where(School.id.in_(ids))
