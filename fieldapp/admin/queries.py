from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from fieldapp.models import School, Student, User


def schools_with_counts() -> Select:
    students = (
        select(func.count())
        .where(Student.school_id == School.id, Student.active.is_(True))
        .correlate(School)
        .scalar_subquery()
    )
    return select(School, students.label("students")).order_by(School.name)


def users(limit: int = 200) -> Select:
    return select(User).options(selectinload(User.roles)).order_by(User.name).limit(limit)


def schools(ids: set[int] | None = None) -> Select:
    query = select(School).order_by(School.name)
    return query if ids is None else query.where(School.id.in_(ids))
