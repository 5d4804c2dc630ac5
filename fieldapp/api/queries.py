"""The API's lists: a school's records in (updated_at, id) order, read a page at a time from
a cursor (keyset paging: no OFFSET, and a record changed meanwhile moves behind the cursor, to
be read again on a later page rather than skipped)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql.functions import FunctionElement

from fieldapp.models import (
    ApiResource,
    ApiTombstone,
    Family,
    FollowUp,
    Reflection,
    Student,
    Visit,
    VisitStudent,
)
from fieldapp.models.base import UTCDateTime


@dataclass(frozen=True)
class Position:
    """Where a pull stands: after the record (updated_at, id)."""

    updated_at: datetime
    id: int


@dataclass(frozen=True)
class Pull:
    """A page to read: changed at or after ``since``, after ``position``, and not after
    ``until`` — a few seconds ago, so that a change whose transaction is still committing
    (its updated_at already set) is not passed by the cursor and so never sent."""

    since: datetime | None
    position: Position | None
    until: datetime
    limit: int


def _after(updated_at, id_, pull: Pull) -> list:
    since, position = pull.since, pull.position
    conditions = [updated_at <= pull.until]
    if since is not None:
        conditions.append(updated_at >= since)
    if position is not None:
        conditions.append(
            or_(
                updated_at > position.updated_at,
                and_(updated_at == position.updated_at, id_ > position.id),
            )
        )
    return conditions


def visits(school_id: int, pull: Pull) -> Select:
    """A page of the school's visits and one more row (to tell whether more are ready)."""
    return (
        select(Visit)
        .where(Visit.school_id == school_id, *_after(Visit.updated_at, Visit.id, pull))
        .options(selectinload(Visit.students))
        .order_by(Visit.updated_at, Visit.id)
        .limit(pull.limit + 1)
    )


def deletions(school_id: int, resource: ApiResource, pull: Pull) -> Select:
    """A page of the school's tombstones of one list, in the list's own order (deleted_at is
    the record's last change): merged with the page of live records, a deletion comes once,
    at its place in the stream, with the cursor the list already has."""
    return (
        select(ApiTombstone)
        .where(
            ApiTombstone.school_id == school_id,
            ApiTombstone.resource == resource,
            *_after(ApiTombstone.deleted_at, ApiTombstone.resource_id, pull),
        )
        .order_by(ApiTombstone.deleted_at, ApiTombstone.resource_id)
        .limit(pull.limit + 1)
    )


def _school_families(school_id: int) -> Select:
    return select(Student.family_id).where(
        Student.school_id == school_id, Student.active.is_(True), Student.family_id.is_not(None)
    )


def follow_ups(school_id: int, pull: Pull) -> Select:
    """The follow-ups of the families with an active student at the school."""
    return (
        select(FollowUp)
        .where(
            FollowUp.family_id.in_(_school_families(school_id)),
            *_after(FollowUp.updated_at, FollowUp.id, pull),
        )
        .options(selectinload(FollowUp.family).selectinload(Family.students))
        .order_by(FollowUp.updated_at, FollowUp.id)
        .limit(pull.limit + 1)
    )


class greatest(FunctionElement):  # noqa: N801  (reads as the SQL function it is)
    """The latest of several times; NULLs are left out (every call here has one that is not)."""

    type = UTCDateTime()
    inherit_cache = True
    name = "greatest"


@compiles(greatest, "sqlite")
def _greatest_sqlite(element, compiler, **kw):
    # SQLite's max() of several arguments is NULL if one is: leave NULLs out by COALESCE.
    args = [compiler.process(c, **kw) for c in element.clauses.clauses]
    first = args[0]
    return "max(" + ", ".join(f"coalesce({a}, {first})" for a in args) + ")"


@compiles(greatest)
def _greatest_default(element, compiler, **kw):
    return "GREATEST(" + compiler.process(element.clauses, **kw) + ")"  # ignores NULLs


def card_times(school_id: int):
    """Each student's card and when it last changed: the latest update of the student, the
    family, the visits that covered the student, their reflections and the family's
    follow-ups. A subquery of (id, updated_at)."""
    visits_changed = (
        select(func.max(Visit.updated_at))
        .join(VisitStudent, VisitStudent.visit_id == Visit.id)
        .where(VisitStudent.student_id == Student.id)
        .scalar_subquery()
    )
    reflections_changed = (
        select(func.max(Reflection.updated_at))
        .join(VisitStudent, VisitStudent.visit_id == Reflection.visit_id)
        .where(VisitStudent.student_id == Student.id)
        .scalar_subquery()
    )
    follow_ups_changed = (
        select(func.max(FollowUp.updated_at))
        .where(FollowUp.family_id == Student.family_id)
        .scalar_subquery()
    )
    return (
        select(
            Student.id.label("id"),
            greatest(
                Student.updated_at,
                Family.updated_at,
                visits_changed,
                reflections_changed,
                follow_ups_changed,
            ).label("updated_at"),
        )
        .outerjoin(Family, Family.id == Student.family_id)
        .where(Student.school_id == school_id)
        .subquery()
    )


def cards(school_id: int, pull: Pull) -> Select:
    """(student, card updated_at) for the school's students, active or not (a student who
    left is a change the school's system must hear of)."""
    times = card_times(school_id)
    return (
        select(Student, times.c.updated_at)
        .join(times, times.c.id == Student.id)
        .where(*_after(times.c.updated_at, times.c.id, pull))
        .options(joinedload(Student.family))
        .order_by(times.c.updated_at, times.c.id)
        .limit(pull.limit + 1)
    )


def card(school_id: int, student_id: int) -> Select:
    times = card_times(school_id)
    return (
        select(Student, times.c.updated_at)
        .join(times, times.c.id == Student.id)
        .where(Student.id == student_id)
        .options(joinedload(Student.family))
    )
