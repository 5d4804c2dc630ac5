"""Erasing a family's data on its request. The service only flushes; the caller commits once,
so that an erasure happens whole or not at all."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update

from fieldapp import audit, tombstones
from fieldapp.extensions import db
from fieldapp.models import (
    AttendanceMonth,
    ContactAttempt,
    Family,
    FollowUp,
    Guardian,
    PrivateNote,
    Reflection,
    ReflectionDraft,
    Student,
    User,
    Visit,
    VisitStatus,
)
from fieldapp.privacy import bulk
from fieldapp.rules import OPEN_STATUSES


@dataclass(frozen=True)
class ErasureCounts:
    """What an erasure deletes, and what it keeps without the family."""

    guardians: int
    contacts: int
    reflections: int
    private_notes: int
    drafts: int
    follow_ups: int
    attendance_months: int
    visits_kept: int
    visits_cancelled: int
    students_kept: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _erased(family_id: int) -> dict[str, tuple[type, Any]]:
    """What goes, as (model, condition), in an order the foreign keys accept."""
    visits = select(Visit.id).where(Visit.family_id == family_id)
    reflections = select(Reflection.id).where(Reflection.visit_id.in_(visits))
    students = select(Student.id).where(Student.family_id == family_id)
    return {
        "private_notes": (PrivateNote, PrivateNote.reflection_id.in_(reflections)),
        "reflections": (Reflection, Reflection.visit_id.in_(visits)),
        "contacts": (ContactAttempt, ContactAttempt.visit_id.in_(visits)),
        "drafts": (ReflectionDraft, ReflectionDraft.visit_id.in_(visits)),
        "follow_ups": (
            FollowUp,
            or_(FollowUp.family_id == family_id, FollowUp.visit_id.in_(visits)),
        ),
        "guardians": (Guardian, Guardian.family_id == family_id),
        # The students stay on the school's roster; their attendance month by month is part
        # of the record the family asked to erase.
        "attendance_months": (AttendanceMonth, AttendanceMonth.student_id.in_(students)),
    }


def _kept(family_id: int) -> dict[str, tuple[type, Any]]:
    return {
        "visits_kept": (Visit, Visit.family_id == family_id),
        "visits_cancelled": (
            Visit,
            (Visit.family_id == family_id) & Visit.status.in_(OPEN_STATUSES),
        ),
        "students_kept": (Student, Student.family_id == family_id),
    }


def erasure_preview(family: Family) -> ErasureCounts:
    targets = _erased(family.id) | _kept(family.id)
    return ErasureCounts(**{name: bulk.count(m, where) for name, (m, where) in targets.items()})


def erase_family(family: Family, *, reason: str, by: User | None, now: datetime) -> ErasureCounts:
    """Erase a family on its request. Its contacts, reflections with their private notes,
    drafts, follow-ups, guardians, its students' attendance months and the family itself are
    deleted. Its visits stay, without
    the family, so that counts, coverage and hours stay true; the place and the status reason
    (which can hold an address or a personal detail) are cleared, and a visit still open is
    cancelled, since nobody can arrange it any more. Its students stay on the roster (they come
    from the school's system) without the family. The audit event holds the reason and the
    counts, nothing personal. The API hears of it: each deleted follow-up is listed once more,
    as deleted (a tombstone), and the family's visits and its students' cards are sent again."""
    family_id = family.id
    # On PostgreSQL the family's visits are locked until the commit: a change to one of them
    # made at this moment waits, then fails on the visit's version instead of undoing this.
    db.session.execute(select(Visit.id).where(Visit.family_id == family_id).with_for_update())
    erased = _erased(family_id)
    tombstones.follow_ups_deleted(erased["follow_ups"][1], at=now)
    tombstones.cards_changed(select(Visit.id).where(Visit.family_id == family_id), at=now)
    counts = {name: bulk.remove(m, where, False) for name, (m, where) in erased.items()}
    counts["visits_cancelled"] = bulk.update(
        update(Visit)
        .where(Visit.family_id == family_id, Visit.status.in_(OPEN_STATUSES))
        .values(status=VisitStatus.CANCELLED, updated_at=now)
    )
    counts["visits_kept"] = bulk.update(
        update(Visit)
        .where(Visit.family_id == family_id)
        .values(
            family_id=None,
            place=None,
            status_reason=None,
            version=Visit.version + 1,
            updated_at=now,
        )
    )
    counts["students_kept"] = bulk.update(
        update(Student).where(Student.family_id == family_id).values(family_id=None, updated_at=now)
    )
    result = ErasureCounts(**counts)
    audit.record("family.erase", actor=by, obj=family, reason=reason, **result.as_dict())
    db.session.flush()
    db.session.execute(
        delete(Family).where(Family.id == family_id).execution_options(synchronize_session=False)
    )
    # Objects loaded before (the family, its guardians, visits) no longer match the database.
    db.session.expire_all()
    return result
