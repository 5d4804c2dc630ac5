"""What the relationship card of a family shows, in a handful of queries."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from fieldapp.models import FollowUp, Reflection, Student, TeamMember, Visit, VisitStatus


def students(family_id: int) -> Select:
    return (
        select(Student)
        .where(Student.family_id == family_id, Student.active.is_(True))
        .options(selectinload(Student.school))
        .order_by(Student.first_name)
    )


def visit_history(family_id: int) -> Select:
    return (
        select(Visit)
        .where(Visit.family_id == family_id)
        .options(selectinload(Visit.team).selectinload(TeamMember.user), selectinload(Visit.school))
        .order_by(Visit.scheduled_start.desc().nulls_last(), Visit.id.desc())
    )


def latest_reflection(family_id: int) -> Select:
    """The shared part of the family's latest reflection (the private note is another table)."""
    return (
        select(Reflection)
        .join(Visit, Visit.id == Reflection.visit_id)
        .where(Visit.family_id == family_id, Visit.status == VisitStatus.COMPLETED)
        .order_by(Reflection.submitted_at.desc())
        .limit(1)
    )


def open_follow_ups(family_id: int) -> Select:
    return (
        select(FollowUp)
        .where(FollowUp.family_id == family_id, FollowUp.done_at.is_(None))
        .options(selectinload(FollowUp.owner))
        .order_by(FollowUp.due_on)
    )
