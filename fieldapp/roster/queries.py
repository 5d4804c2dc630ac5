from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from fieldapp.models import Family, RosterImport, School, Student


def recent_imports(school_ids: set[int] | None, limit: int = 20) -> Select:
    """The latest imports an admin (None: all) or a coordinator (their schools) sees."""
    query = (
        select(RosterImport)
        .options(joinedload(RosterImport.school), joinedload(RosterImport.created_by))
        .order_by(RosterImport.created_at.desc(), RosterImport.id.desc())
        .limit(limit)
    )
    return query if school_ids is None else query.where(RosterImport.school_id.in_(school_ids))


def schools(ids: set[int] | None) -> Select:
    query = select(School).order_by(School.name)
    return query if ids is None else query.where(School.id.in_(ids))


def schools_with_unknown_language(ids: set[int] | None) -> Select:
    """Schools (of ``ids``; None: any) with an active student whose family's home language is
    not known: where the coordinator has languages to set after an import."""
    unknown = (
        select(Student.school_id)
        .join(Family, Family.id == Student.family_id)
        .where(Student.active.is_(True), Family.home_language.is_(None))
    )
    return schools(ids).where(School.id.in_(unknown))
