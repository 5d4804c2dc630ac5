"""Query builders for training: sessions, their rosters, and who is trained where."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import selectinload

from fieldapp.models import (
    Attendance,
    Role,
    RoleAssignment,
    School,
    TrainingCompletion,
    TrainingSession,
    TrainingSessionSchool,
    User,
)

STAFF_ROLES = (Role.VISITOR, Role.COORDINATOR)


def completions_of(user_ids: Iterable[int]) -> Select:
    return select(TrainingCompletion).where(TrainingCompletion.user_id.in_(list(user_ids)))


def sessions() -> Select:
    return (
        select(TrainingSession)
        .options(selectinload(TrainingSession.schools))
        .order_by(TrainingSession.starts_at.desc())
    )


def sessions_for_schools(school_ids: Iterable[int]) -> Select:
    invited = exists().where(
        TrainingSessionSchool.session_id == TrainingSession.id,
        TrainingSessionSchool.school_id.in_(list(school_ids)),
    )
    return sessions().where(invited)


def staff_at(school_ids: Iterable[int]) -> Select:
    """Active staff who hold a school role at any of the schools."""
    at_school = exists().where(
        RoleAssignment.user_id == User.id,
        RoleAssignment.school_id.in_(list(school_ids)),
        RoleAssignment.role.in_(STAFF_ROLES),
    )
    return select(User).where(User.active.is_(True), at_school).order_by(User.name)


def staff_by_school(school_ids: Iterable[int]) -> Select:
    """(school, person) for every active staff member of the schools, by school then name:
    one query for any number of schools."""
    return (
        select(School, User)
        .join(RoleAssignment, RoleAssignment.school_id == School.id)
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            School.id.in_(list(school_ids)),
            RoleAssignment.role.in_(STAFF_ROLES),
            User.active.is_(True),
        )
        .distinct()
        .order_by(School.name, User.name, User.id)
    )


def attendees(session_id: int) -> Select:
    return (
        select(User)
        .join(Attendance, Attendance.user_id == User.id)
        .where(Attendance.session_id == session_id)
        .order_by(User.name)
    )


def present_ids(session_id: int) -> Select:
    return select(Attendance.user_id).where(Attendance.session_id == session_id)


def completed_ids(session_id: int) -> Select:
    return select(TrainingCompletion.user_id).where(TrainingCompletion.session_id == session_id)


def search_staff(term: str, limit: int = 10) -> Select:
    like = f"%{term.strip().lower()}%"
    any_school_role = exists().where(
        RoleAssignment.user_id == User.id, RoleAssignment.role.in_(STAFF_ROLES)
    )
    return (
        select(User)
        .where(User.active.is_(True), any_school_role)
        .where(or_(User.name.ilike(like), User.email.ilike(like), User.staff_id.ilike(like)))
        .order_by(User.name)
        .limit(limit)
    )


def trainers() -> Select:
    return (
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == Role.TRAINER, User.active.is_(True))
        .order_by(User.name)
    )


def schools(ids: Iterable[int] | None = None) -> Select:
    query = select(School).order_by(School.name)
    return query if ids is None else query.where(School.id.in_(list(ids)))
