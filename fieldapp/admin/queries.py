from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from fieldapp.models import School, Student, User

SCHOOLS_PER_PAGE = 50  # a district has some 200 schools: listed a page at a time, and searched


def _schools_matching(q: str | None) -> list:
    if not q:
        return []
    return [
        or_(School.name.icontains(q, autoescape=True), School.code.icontains(q, autoescape=True))
    ]


def schools_with_counts(q: str | None = None) -> Select:
    """Schools by name, with their active students (counted for the rows a page shows: each
    count reads a school's students in the index), those whose name or code contains ``q``."""
    students = (
        select(func.count())
        .where(Student.school_id == School.id, Student.active.is_(True))
        .correlate(School)
        .scalar_subquery()
    )
    return (
        select(School, students.label("students"))
        .where(*_schools_matching(q))
        .order_by(School.name, School.id)
    )


def count_schools(q: str | None = None) -> Select:
    return select(func.count()).select_from(School).where(*_schools_matching(q))


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
