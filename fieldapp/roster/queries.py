from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from fieldapp.models import RosterImport, School


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
