"""Query builders for the privacy pages: the audit trail, family search, one family's record."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from fieldapp.models import (
    AttendanceMonth,
    AuditEvent,
    ContactAttempt,
    Family,
    FollowUp,
    Reflection,
    ReflectionDraft,
    Student,
    TeamMember,
    User,
    Visit,
)
from fieldapp.privacy import search

FAMILY_SEARCH_PER_PAGE = 25


def audit_events(
    *,
    action: str | None = None,
    actor: str | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
    since: datetime | None = None,
    before: datetime | None = None,
    success: bool | None = None,
) -> Select:
    """Audit events, newest first. ``action``: a prefix ("family." finds every family event);
    ``actor``: part of the person's email; ``since`` included, ``before`` excluded."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    if actor:  # by the people's ids, not a join: the page's count stays on the events
        people = select(User.id).where(User.email.icontains(actor, autoescape=True))
        query = query.where(AuditEvent.actor_id.in_(people))
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if object_id is not None:
        query = query.where(AuditEvent.object_id == object_id)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if before is not None:
        query = query.where(AuditEvent.at < before)
    if success is not None:
        query = query.where(AuditEvent.success.is_(success))
    return query


def audit_export(**criteria) -> Select:
    """The same events, each with the email of the person who acted (None: the system)."""
    query = audit_events(**criteria).outerjoin(User, User.id == AuditEvent.actor_id)
    return query.add_columns(User.email)


def users_by_id(ids: Iterable[int]) -> Select:
    return select(User).where(User.id.in_(set(ids)))


def find_families(term: str, phone: str | None = None) -> Select:
    """Families whose name, or a guardian's name or email, holds ``term`` (through the search
    index: fieldapp/privacy/search.py); or with a guardian of exactly the E.164 number
    ``phone``. At any school, and also families with no student. By name, for paging."""
    return (
        select(Family)
        .where(Family.id.in_(search.family_ids(term, phone)))
        .options(
            selectinload(Family.guardians),
            selectinload(Family.students).selectinload(Student.school),
        )
        .order_by(Family.name, Family.id)
    )


# ---- everything held about one family ---------------------------------------------------------


def family_students(family_id: int) -> Select:
    """All of them, active or not: the record is what the app holds, not what it shows. Each
    with its attendance months, every school year held, in the same statement: rows of
    (student, month), the month None for a student with none."""
    return (
        select(Student, AttendanceMonth)
        .outerjoin(AttendanceMonth, AttendanceMonth.student_id == Student.id)
        .where(Student.family_id == family_id)
        .options(
            joinedload(Student.school),
            selectinload(Student.classes),
            joinedload(AttendanceMonth.school),
        )
        .order_by(Student.first_name, Student.id, AttendanceMonth.month, AttendanceMonth.school_id)
    )


def family_visits(family_id: int) -> Select:
    return (
        select(Visit)
        .where(Visit.family_id == family_id)
        .options(
            joinedload(Visit.school),
            joinedload(Visit.round),
            selectinload(Visit.students),
            selectinload(Visit.team).joinedload(TeamMember.user),
            selectinload(Visit.contacts).joinedload(ContactAttempt.by),
            selectinload(Visit.reflections).options(
                joinedload(Reflection.author), joinedload(Reflection.private_note)
            ),
        )
        .order_by(Visit.created_at, Visit.id)
    )


def drafts_for(visit_ids: Iterable[int]) -> Select:
    return (
        select(ReflectionDraft, User)
        .join(User, User.id == ReflectionDraft.user_id)
        .where(ReflectionDraft.visit_id.in_(list(visit_ids)))
        .order_by(ReflectionDraft.visit_id, ReflectionDraft.id)
    )


def family_follow_ups(family_id: int) -> Select:
    return (
        select(FollowUp)
        .where(FollowUp.family_id == family_id)
        .options(joinedload(FollowUp.owner))
        .order_by(FollowUp.due_on, FollowUp.id)
    )


def record_access(family_id: int, visit_ids: Iterable[int]) -> Select:
    """The audit trail of the family's record: who opened or changed it, and when."""
    about = [and_(AuditEvent.object_type == "family", AuditEvent.object_id == family_id)]
    visit_ids = list(visit_ids)
    if visit_ids:
        about.append(and_(AuditEvent.object_type == "visit", AuditEvent.object_id.in_(visit_ids)))
    return (
        select(AuditEvent, User)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(or_(*about))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
