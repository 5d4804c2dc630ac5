"""What the relationship card of a family and the coordinator's roster show, each in a handful
of queries that does not grow with the rows shown."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from fieldapp.extensions import built_once
from fieldapp.models import (
    AttendanceMonth,
    Family,
    FollowUp,
    Guardian,
    Reflection,
    Round,
    SchoolClass,
    Student,
    TeamMember,
    Visit,
    VisitStatus,
    VisitStudent,
)


def students(family_id: int) -> Select:
    """The family's students at school, with their classes and teachers (two more statements,
    each on an index): who teaches each one decides who sees their attendance
    (policy.view_attendance). Not joined in: SQLite reads a LEFT JOIN of the many-to-many
    ``(enrollments JOIN classes)`` by building it whole, every enrollment of the district
    (240 ms a card at district scale, bench)."""
    return (
        select(Student)
        .where(Student.family_id == family_id, Student.active.is_(True))
        .options(
            joinedload(Student.school),
            selectinload(Student.classes).selectinload(SchoolClass.teachers),
        )
        .order_by(Student.first_name)
    )


def attendance_months(years: Mapping[tuple[date, date], Iterable[int]]) -> Select:
    """The attendance months of students, each student in the school year ``(first, last)``
    given for them, by student and month."""
    return (
        select(AttendanceMonth)
        .where(
            or_(
                *(
                    and_(
                        AttendanceMonth.student_id.in_(list(ids)),
                        AttendanceMonth.month.between(first, last),
                    )
                    for (first, last), ids in years.items()
                )
            )
        )
        .options(joinedload(AttendanceMonth.school))
        .order_by(AttendanceMonth.student_id, AttendanceMonth.month, AttendanceMonth.school_id)
    )


def visit_history(family_id: int) -> Select:
    """The family's visits, newest first, with their teams in the same statement (a family has
    a few visits, each a pair: read with ``.unique()``)."""
    return (
        select(Visit)
        .where(Visit.family_id == family_id)
        .options(joinedload(Visit.team).joinedload(TeamMember.user), joinedload(Visit.school))
        .order_by(Visit.scheduled_start.desc().nulls_last(), Visit.id.desc())
    )


def latest_reflection(family_id: int) -> Select:
    """The shared part of the family's latest reflection (the private note is another table)."""
    return (
        select(Reflection)
        .join(Visit, Visit.id == Reflection.visit_id)
        .where(
            Visit.family_id == family_id,
            Visit.status == VisitStatus.COMPLETED,
            Reflection.superseded_by_id.is_(None),  # a merged version lives on in the merge
        )
        .order_by(Reflection.submitted_at.desc())
        .limit(1)
    )


def open_follow_ups(family_id: int) -> Select:
    return (
        select(FollowUp)
        .where(FollowUp.family_id == family_id, FollowUp.done_at.is_(None))
        .options(joinedload(FollowUp.owner))
        .order_by(FollowUp.due_on)
    )


# ---- the coordinator's roster ---------------------------------------------------------------


ROSTER_ORDER = {
    "name": (Student.last_name, Student.first_name),
    "family": (Family.name, Family.id, Student.last_name, Student.first_name),
    "grade": (
        # K before 1 … 12: the grade is text, so its length orders "9" before "10".
        Student.grade != "K",
        func.length(Student.grade),
        Student.grade,
        Student.last_name,
        Student.first_name,
    ),
    "student_id": (Student.sis_id.is_(None), Student.sis_id),
}


@built_once
def roster(
    school_id: int,
    *,
    search: str = "",
    grade: str | None = None,
    class_id: int | None = None,
    language: str | None = None,
    visited_in: int | None = None,
    visited: bool | None = None,
    sort: str = "name",
) -> Select:
    """The school's active students with their family, in name order, filtered. ``visited``
    (with the round id ``visited_in``): only the students a completed visit of that round
    covered (True), or only those it has not covered yet (False)."""
    query = (
        select(Student)
        .outerjoin(Family, Family.id == Student.family_id)
        .where(Student.school_id == school_id, Student.active.is_(True))
        .options(
            # The guardians and the siblings tell apart families with the same name.
            contains_eager(Student.family).selectinload(Family.guardians),
            contains_eager(Student.family).selectinload(Family.students),
            selectinload(Student.classes),
        )
        .order_by(*ROSTER_ORDER.get(sort, ROSTER_ORDER["name"]), Student.id)
    )
    for term in search.split():
        query = query.where(
            or_(
                Student.first_name.icontains(term, autoescape=True),
                Student.last_name.icontains(term, autoescape=True),
                Family.name.icontains(term, autoescape=True),
                Student.sis_id == term,
            )
        )
    if grade:
        query = query.where(Student.grade == grade)
    if class_id is not None:
        query = query.where(Student.classes.any(SchoolClass.id == class_id))
    if language == "unknown":
        query = query.where(Family.home_language.is_(None))
    elif language:
        query = query.where(Family.home_language == language)
    if visited is not None and visited_in is not None:
        covered = Student.id.in_(visited_students(visited_in))
        query = query.where(covered if visited else ~covered)
    return query


def visited_students(round_id: int, student_ids: Iterable[int] | None = None) -> Select:
    """Ids of the students a completed visit of the round covered (siblings each count)."""
    query = (
        select(VisitStudent.student_id)
        .join(Visit, Visit.id == VisitStudent.visit_id)
        .where(Visit.round_id == round_id, Visit.status == VisitStatus.COMPLETED)
    )
    if student_ids is not None:
        query = query.where(VisitStudent.student_id.in_(list(student_ids)))
    return query


@built_once
def school_rounds(school_id: int) -> Select:
    """The school's rounds, latest first: the roster's "visited" is about one of them."""
    return (
        select(Round)
        .where(Round.school_id == school_id)
        .order_by(Round.starts_on.desc(), Round.id.desc())
    )


@built_once
def school_classes(school_id: int) -> Select:
    return (
        select(SchoolClass)
        .where(SchoolClass.school_id == school_id, SchoolClass.active.is_(True))
        .order_by(SchoolClass.name, SchoolClass.id)
    )


def school_families(school_id: int, also: int | None = None) -> Select:
    """Families with an active student at the school (and family ``also``, the one a student
    already belongs to), by name."""
    at_school = Family.students.any(and_(Student.school_id == school_id, Student.active.is_(True)))
    return (
        select(Family)
        .where(or_(at_school, Family.id == also) if also is not None else at_school)
        .options(selectinload(Family.students))
        .order_by(Family.name, Family.id)
    )


def families_with_guardian(*, phone: str | None = None, email: str | None = None) -> Select:
    """Families, at any school, with a guardian of exactly this E.164 phone or this email."""
    match = Guardian.phone == phone if phone is not None else func.lower(Guardian.email) == email
    return select(Family).where(Family.guardians.any(match)).order_by(Family.id)
