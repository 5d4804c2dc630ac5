"""Query builders for a school's dashboard and its hours for pay. Aggregates run in SQL."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from fieldapp.extensions import built_once
from fieldapp.models import (
    Enrollment,
    Family,
    FollowUp,
    HoursEntry,
    HoursExport,
    Role,
    RoleAssignment,
    School,
    SchoolClass,
    Student,
    TeamMember,
    TeamRole,
    User,
    Visit,
    VisitStatus,
)
from fieldapp.rounds.queries import visited_student_ids
from fieldapp.rules import OPEN_STATUSES, TrainingStatus
from fieldapp.training.queries import status_on


def coordinated_schools(user_id: int) -> Select:
    return (
        select(School)
        .join(RoleAssignment, RoleAssignment.school_id == School.id)
        .where(RoleAssignment.user_id == user_id, RoleAssignment.role == Role.COORDINATOR)
        .order_by(School.name)
    )


@built_once
def visits_by_status(school_id: int, round_id: int | None = None) -> Select:
    query = select(Visit.status, func.count()).where(Visit.school_id == school_id)
    if round_id is not None:
        query = query.where(Visit.round_id == round_id)
    return query.group_by(Visit.status)


def active_students(school_id: int) -> Select:
    return (
        select(func.count())
        .select_from(Student)
        .where(Student.school_id == school_id, Student.active.is_(True))
    )


@built_once
def staff(school_id: int) -> Select:
    return select(func.count(func.distinct(RoleAssignment.user_id))).where(
        RoleAssignment.school_id == school_id, RoleAssignment.role == Role.VISITOR
    )


def _visited(round_id: int | None):
    if round_id is None:
        return func.sum(0)
    return func.sum(case((Student.id.in_(visited_student_ids(round_id)), 1), else_=0))


def coverage_by_grade(school_id: int, round_id: int | None, in_scope=None) -> Select:
    """(grade, students, students whose family had a completed visit in the round, students in
    the round's scope): ``in_scope`` is the round's condition on Student (None: everyone)."""
    scoped = func.count(Student.id) if in_scope is None else func.sum(case((in_scope, 1), else_=0))
    return (
        select(Student.grade, func.count(Student.id), _visited(round_id), scoped)
        .where(Student.school_id == school_id, Student.active.is_(True))
        .group_by(Student.grade)
    )


@built_once
def coverage_by_class(school_id: int, round_id: int | None) -> Select:
    """(class, students, visited students) of the school's active classes, as the report counts
    them (reports.queries.coverage: a class the roster ended is not listed)."""
    return (
        select(SchoolClass.name, func.count(Student.id), _visited(round_id))
        .join(Enrollment, Enrollment.class_id == SchoolClass.id)
        .join(Student, Student.id == Enrollment.student_id)
        .where(
            SchoolClass.school_id == school_id,
            SchoolClass.active.is_(True),
            Student.active.is_(True),
        )
        .group_by(SchoolClass.id, SchoolClass.name)
        .order_by(SchoolClass.name)
    )


def overdue_reflections(school_id: int, now: datetime) -> Select:
    """Visits whose time has passed with no reflection yet."""
    return (
        select(Visit)
        # The team joined in (not a second query): call .unique() on the result.
        .options(joinedload(Visit.family), joinedload(Visit.team).joinedload(TeamMember.user))
        .where(
            Visit.school_id == school_id,
            Visit.status == VisitStatus.SCHEDULED,
            Visit.scheduled_start < now,
        )
        .order_by(Visit.scheduled_start)
    )


@built_once
def open_follow_ups(school_id: int) -> Select:
    return (
        select(FollowUp)
        .options(joinedload(FollowUp.owner))
        .join(Visit, Visit.id == FollowUp.visit_id)
        .where(Visit.school_id == school_id, FollowUp.done_at.is_(None))
        .order_by(FollowUp.due_on)
    )


@built_once
def busiest_people(school_id: int, limit: int = 5) -> Select:
    count = func.count(TeamMember.id).label("open")
    return (
        select(User, count)
        .join(TeamMember, TeamMember.user_id == User.id)
        .join(Visit, Visit.id == TeamMember.visit_id)
        .where(
            Visit.school_id == school_id,
            Visit.status.in_(
                [
                    VisitStatus.TO_ARRANGE,
                    VisitStatus.CONTACTING,
                    VisitStatus.SCHEDULED,
                    VisitStatus.RESCHEDULING,
                ]
            ),
        )
        .group_by(User.id)
        .order_by(count.desc(), User.name)
        .limit(limit)
    )


@built_once
def stranded_members(school_id: int, on: date) -> Select:
    """(visit, person) for the school's open visits and the team members who can no longer
    visit on ``on``: a disabled account, or a visitor whose training is not valid (the SQL twin
    of ``rules.stranded_members``). One query: the family comes joined with the visit."""
    open_ = Visit.status.in_(OPEN_STATUSES)
    members = (
        select(TeamMember.user_id)
        .join(Visit, Visit.id == TeamMember.visit_id)
        .where(Visit.school_id == school_id, open_)
    )
    status = status_on(on, members)
    can_visit = select(status.c.user_id).where(
        status.c.status.in_([TrainingStatus.TRAINED.value, TrainingStatus.LAPSING_SOON.value])
    )
    return (
        select(Visit, User)
        .join(TeamMember, TeamMember.visit_id == Visit.id)
        .join(User, User.id == TeamMember.user_id)
        .where(
            Visit.school_id == school_id,
            open_,
            or_(
                User.active.is_(False),
                and_(TeamMember.role == TeamRole.VISITOR, TeamMember.user_id.not_in(can_visit)),
            ),
        )
        .order_by(Visit.id, User.name)
    )


def hours_by_person(school_id: int, start: date, end: date) -> Select:
    """Per person: completed visits, visitor hours, interpreter hours, and hours not yet
    exported, for hours earned between ``start`` and ``end`` (inclusive)."""
    visitor = HoursEntry.role == TeamRole.VISITOR
    return (
        select(
            User,
            func.count(HoursEntry.id),
            func.coalesce(func.sum(case((visitor, HoursEntry.hours), else_=0)), 0),
            func.coalesce(func.sum(case((~visitor, HoursEntry.hours), else_=0)), 0),
            func.coalesce(
                func.sum(case((HoursEntry.export_id.is_(None), HoursEntry.hours), else_=0)), 0
            ),
        )
        .join(HoursEntry, HoursEntry.user_id == User.id)
        .where(HoursEntry.school_id == school_id, HoursEntry.earned_on.between(start, end))
        .group_by(User.id)
        .order_by(User.name)
    )


def last_day_with_hours_before(school_id: int, day: date) -> Select:
    """The latest day before ``day`` on which someone at the school earned hours."""
    return select(func.max(HoursEntry.earned_on)).where(
        HoursEntry.school_id == school_id, HoursEntry.earned_on < day
    )


def unexported_hours(school_id: int, start: date, end: date) -> Select:
    return select(HoursEntry).where(
        HoursEntry.school_id == school_id,
        HoursEntry.earned_on.between(start, end),
        HoursEntry.export_id.is_(None),
    )


def exports(school_id: int) -> Select:
    return (
        select(HoursExport)
        .where(HoursExport.school_id == school_id)
        .order_by(HoursExport.exported_at.desc())
        .limit(12)
    )


@built_once
def families_language_unknown(school_id: int) -> Select:
    """How many families of the school's active students have no known home language. From
    the school's students (an index), not from every family of the district: no index can
    find the families without a language, and reading them all was 9 ms on 100,000."""
    return (
        select(func.count(func.distinct(Student.family_id)))
        .join(Family, Family.id == Student.family_id)
        .where(
            Student.school_id == school_id,
            Student.active.is_(True),
            Family.home_language.is_(None),
        )
    )


@built_once
def staff_and_unknown_languages(school_id: int) -> Select:
    """(visitors, families whose language is not known) in one statement for the dashboard."""
    return select(
        staff(school_id).scalar_subquery(),
        families_language_unknown(school_id).scalar_subquery(),
    )
