from __future__ import annotations

from sqlalchemy import Select, func, or_, select
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


PEOPLE_PER_PAGE = 50  # a district has ~10,000 staff: the list is paged, and searched


def users(q: str | None = None) -> Select:
    """People by name, those whose name or email contains ``q`` when it is given (paged: a
    page of them, their roles in one more statement)."""
    query = select(User).options(selectinload(User.roles)).order_by(User.name, User.id)
    if q:
        query = query.where(
            or_(User.name.icontains(q, autoescape=True), User.email.icontains(q, autoescape=True))
        )
    return query


def schools(ids: set[int] | None = None) -> Select:
    query = select(School).order_by(School.name)
    return query if ids is None else query.where(School.id.in_(ids))
