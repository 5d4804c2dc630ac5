from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from fieldapp.models import Role, RoleAssignment, User


def accounts(school_id: int | None = None, role: Role | None = None) -> Select:
    """Every account by email, those with a role (at a school) when one is given."""
    query = select(User).options(selectinload(User.roles)).order_by(User.email)
    if school_id is not None or role is not None:
        held = select(RoleAssignment.user_id)
        if school_id is not None:
            held = held.where(RoleAssignment.school_id == school_id)
        if role is not None:
            held = held.where(RoleAssignment.role == role)
        query = query.where(User.id.in_(held))
    return query
