"""Query builders for rounds, the assignment board and coverage."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from fieldapp.models import (
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
)
from fieldapp.rules import OPEN_STATUSES


def rounds(school_id: int) -> Select:
    return select(Round).where(Round.school_id == school_id).order_by(Round.starts_on.desc())


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


def families_with_visit_in(round_: Round, family_ids: list[int]) -> Select:
    """Families that already have a live visit of this kind at the school in the round's period."""
    return (
        select(Visit.family_id)
        .join(Round, Round.id == Visit.round_id)
        .where(
            Visit.school_id == round_.school_id,
            Visit.visit_type == round_.visit_type,
            Visit.family_id.in_(family_ids),
            Visit.status.not_in([VisitStatus.CANCELLED, VisitStatus.DECLINED]),
            Round.starts_on <= round_.ends_on,
            Round.ends_on >= round_.starts_on,
        )
    )


def board_visits(
    round_id: int,
    grade: str | None,
    class_id: int | None,
    language: str | None,
    unassigned_only: bool,
) -> Select:
    query = (
        select(Visit)
        .where(Visit.round_id == round_id, Visit.status.in_(OPEN_STATUSES))
        .options(
            joinedload(Visit.family),
            # Students, then their classes with teachers by student id: a nested join of all
            # three made SQLite plan badly (230 ms on a district school).
            selectinload(Visit.students)
            .selectinload(Student.classes)
            .joinedload(SchoolClass.teachers),
            selectinload(Visit.team).joinedload(TeamMember.user),
        )
        .order_by(Visit.id)
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


def open_visit_counts(school_id: int) -> Select:
    return (
        select(TeamMember.user_id, func.count())
        .join(Visit, Visit.id == TeamMember.visit_id)
        .where(Visit.school_id == school_id, Visit.status.in_(OPEN_STATUSES))
        .group_by(TeamMember.user_id)
    )


def classes(school_id: int) -> Select:
    return (
        select(SchoolClass)
        .where(SchoolClass.school_id == school_id, SchoolClass.active.is_(True))
        .order_by(SchoolClass.name)
    )


def grades(school_id: int) -> Select:
    return (
        select(Student.grade)
        .where(Student.school_id == school_id, Student.active.is_(True))
        .distinct()
    )


def visited_student_ids(round_id: int) -> Select:
    return (
        select(VisitStudent.student_id)
        .join(Visit, Visit.id == VisitStudent.visit_id)
        .where(Visit.round_id == round_id, Visit.status == VisitStatus.COMPLETED)
    )
