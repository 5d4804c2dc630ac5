from __future__ import annotations

from sqlalchemy import Select, func, select

from fieldapp.models import Role, RoleAssignment, School, Student, Visit


def coordinated_schools(user_id: int) -> Select:
    return (
        select(School)
        .join(RoleAssignment, RoleAssignment.school_id == School.id)
        .where(RoleAssignment.user_id == user_id, RoleAssignment.role == Role.COORDINATOR)
        .order_by(School.name)
    )


def visits_by_status(school_id: int) -> Select:
    return (
        select(Visit.status, func.count())
        .where(Visit.school_id == school_id)
        .group_by(Visit.status)
    )


def active_students(school_id: int) -> Select:
    return (
        select(func.count())
        .select_from(Student)
        .where(Student.school_id == school_id, Student.active.is_(True))
    )


def staff(school_id: int) -> Select:
    return select(func.count(func.distinct(RoleAssignment.user_id))).where(
        RoleAssignment.school_id == school_id, RoleAssignment.role == Role.VISITOR
    )
