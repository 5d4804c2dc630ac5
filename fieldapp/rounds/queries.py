"""Query builders for rounds, the assignment board and coverage."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from fieldapp.extensions import built_once
from fieldapp.models import (
    AuditEvent,
    ClassTeacher,
    Enrollment,
    Family,
    Role,
    RoleAssignment,
    Round,
    RoundScope,
    SchoolClass,
    Student,
    TeamMember,
    User,
    Visit,
    VisitStatus,
    VisitStudent,
    VisitType,
)
from fieldapp.rules import OPEN_STATUSES


@built_once
def rounds(school_id: int) -> Select:
    return select(Round).where(Round.school_id == school_id).order_by(Round.starts_on.desc())


@built_once
def current_round(school_id: int) -> Select:
    """The school's latest open round (else its latest round)."""
    return rounds(school_id).order_by(Round.closed_at.is_not(None), Round.starts_on.desc()).limit(1)


def scope_condition(scope: RoundScope, values: list):
    """The round's scope as a condition on Student, or None when it takes every student."""
    if scope == RoundScope.GRADES:
        return Student.grade.in_([str(v) for v in values])
    if scope == RoundScope.CLASSES:
        return Student.id.in_(select(Enrollment.student_id).where(Enrollment.class_id.in_(values)))
    if scope == RoundScope.STUDENTS:
        return Student.id.in_(values)
    return None


def students_in_scope(school_id: int, scope: RoundScope, values: list) -> Select:
    query = select(Student).where(Student.school_id == school_id, Student.active.is_(True))
    condition = scope_condition(scope, values)
    if condition is not None:
        query = query.where(condition)
    return query.options(selectinload(Student.family)).order_by(Student.id)


def families_with_visit_in(
    school_id: int, visit_type: VisitType, starts_on: date, ends_on: date, family_ids: list[int]
) -> Select:
    """Families that already have a live visit of this kind at the school in rounds that
    overlap the period from ``starts_on`` to ``ends_on``."""
    return (
        select(Visit.family_id)
        .join(Round, Round.id == Visit.round_id)
        .where(
            Visit.school_id == school_id,
            Visit.visit_type == visit_type,
            Visit.family_id.in_(family_ids),
            Visit.status.not_in([VisitStatus.CANCELLED, VisitStatus.DECLINED]),
            Round.starts_on <= ends_on,
            Round.ends_on >= starts_on,
        )
    )


def families_with_first_visit_in_year(
    school_id: int, school_year: tuple[date, date], family_ids: list[int]
) -> Select:
    """Families that already have a live first visit at the school in a round that starts in
    the school year ``(first day, last day)``."""
    first, last = school_year
    return (
        select(Visit.family_id)
        .join(Round, Round.id == Visit.round_id)
        .where(
            Visit.school_id == school_id,
            Visit.visit_type == VisitType.FIRST,
            Visit.family_id.in_(family_ids),
            Visit.status.not_in([VisitStatus.CANCELLED, VisitStatus.DECLINED]),
            Round.starts_on.between(first, last),
        )
    )


def students_with_sis_ids(school_id: int, sis_ids: list[str]) -> Select:
    """(SIS id, student id) of the school's active students among ``sis_ids``."""
    return select(Student.sis_id, Student.id).where(
        Student.school_id == school_id, Student.active.is_(True), Student.sis_id.in_(sis_ids)
    )


def students_per_grade(school_id: int) -> Select:
    """(grade, active students) of a school."""
    return (
        select(Student.grade, func.count(Student.id))
        .where(Student.school_id == school_id, Student.active.is_(True))
        .group_by(Student.grade)
    )


def students_per_class(school_id: int) -> Select:
    """(class id, class name, active students) of a school's active classes."""
    return (
        select(SchoolClass.id, SchoolClass.name, func.count(Student.id))
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


def classes_of_students(student_ids: list[int]) -> Select:
    """(class id, student id) for the given students."""
    return select(Enrollment.class_id, Enrollment.student_id).where(
        Enrollment.student_id.in_(student_ids)
    )


# What the board can undo: the last change of teams made on it, from the audit trail.
TEAM_CHANGES = ("round.assign", "round.unassign", "round.undo")


def last_team_change(round_id: int) -> Select:
    return (
        select(AuditEvent)
        .where(
            AuditEvent.object_type == "round",
            AuditEvent.object_id == round_id,
            AuditEvent.action.in_(TEAM_CHANGES),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )


def _as_on_the_board(query: Select) -> Select:
    # The students' teachers (for suggestions) come from ``teachers_of_students``: loading
    # classes with their teachers joined made SQLite read every class teacher of the district
    # (LEFT JOIN of a nested join: 11-25 ms a page on a district school).
    return query.options(
        joinedload(Visit.family),
        selectinload(Visit.students),
        selectinload(Visit.team).joinedload(TeamMember.user),
    ).order_by(Visit.id)


def teachers_of_students(student_ids: Iterable[int]) -> Select:
    """(student id, user id of a teacher of one of the student's classes)."""
    return (
        select(Enrollment.student_id, ClassTeacher.user_id)
        .join(ClassTeacher, ClassTeacher.class_id == Enrollment.class_id)
        .where(Enrollment.student_id.in_(list(student_ids)))
    )


def board_visits_by_id(round_id: int, visit_ids: list[int]) -> Select:
    """Visits of the round as the board shows them, whatever the filters (those a change left
    alone stay in sight, with the reason)."""
    return _as_on_the_board(
        select(Visit).where(Visit.round_id == round_id, Visit.id.in_(visit_ids))
    )


@built_once
def board_visits(
    round_id: int,
    grade: str | None,
    class_id: int | None,
    language: str | None,
    unassigned_only: bool,
) -> Select:
    query = _as_on_the_board(
        select(Visit).where(Visit.round_id == round_id, Visit.status.in_(OPEN_STATUSES))
    )
    if unassigned_only:
        query = query.where(~Visit.team.any())
    if grade:
        query = query.where(Visit.students.any(Student.grade == grade))
    if class_id:
        query = query.where(Visit.students.any(Student.classes.any(SchoolClass.id == class_id)))
    if language:
        query = query.where(Visit.family.has(Family.home_language == language))
    return query


def visits_of_round(round_id: int, visit_ids: list[int]) -> Select:
    return select(Visit).where(Visit.round_id == round_id, Visit.id.in_(visit_ids))


def people(user_ids: Iterable[int]) -> Select:
    return select(User).where(User.id.in_(list(user_ids)))


@built_once
def school_staff(school_id: int) -> Select:
    """People who can visit for this school: its visitors (a coordinator who also visits holds
    the visitor role too; one who only coordinates is not staff to assign or count)."""
    return (
        select(User)
        .where(
            User.active.is_(True),
            # An uncorrelated IN through the (school, role) index: a correlated EXISTS made
            # SQLite visit every user of the district.
            User.id.in_(
                select(RoleAssignment.user_id).where(
                    RoleAssignment.school_id == school_id,
                    RoleAssignment.role == Role.VISITOR,
                )
            ),
        )
        .order_by(User.name)
    )


@built_once
def open_visit_counts(school_id: int) -> Select:
    return (
        select(TeamMember.user_id, func.count())
        .join(Visit, Visit.id == TeamMember.visit_id)
        .where(Visit.school_id == school_id, Visit.status.in_(OPEN_STATUSES))
        .group_by(TeamMember.user_id)
    )


@built_once
def classes(school_id: int) -> Select:
    return (
        select(SchoolClass)
        .where(SchoolClass.school_id == school_id, SchoolClass.active.is_(True))
        .order_by(SchoolClass.name)
    )


@built_once
def grades(school_id: int) -> Select:
    return (
        select(Student.grade)
        .where(Student.school_id == school_id, Student.active.is_(True))
        .distinct()
    )


@built_once
def visited_student_ids(round_id: int) -> Select:
    return (
        select(VisitStudent.student_id)
        .join(Visit, Visit.id == VisitStudent.visit_id)
        .where(Visit.round_id == round_id, Visit.status == VisitStatus.COMPLETED)
    )
