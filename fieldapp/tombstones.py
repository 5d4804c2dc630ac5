"""What the API's incremental pulls must hear of that a row's own ``updated_at`` cannot say:
a record deleted (a tombstone, per school that could read it), and a relationship card changed
because a row it is computed from was deleted (its student's ``updated_at`` moves).

Called by the services that delete, in their transaction: the deletion and its signal are
committed together or not at all."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, delete, func, insert, literal, select, update

from fieldapp.extensions import db
from fieldapp.models import ApiResource, ApiTombstone, FollowUp, Student, VisitStudent

# How long a deletion is listed: a client that pulls less often than this may miss one, and
# must then pull everything again. Longer than a school year, so a yearly sync still hears.
KEEP_DAYS = 400


def follow_ups_deleted(where, *, at: datetime) -> None:
    """Tombstones for the follow-ups matching ``where``, about to be deleted: one for each
    school where the family has an active student (the schools whose tokens list it)."""
    schools = (
        select(
            literal(ApiResource.FOLLOW_UP.value),
            FollowUp.id,
            Student.school_id,
            literal(at, ApiTombstone.deleted_at.type),
        )
        .join(Student, Student.family_id == FollowUp.family_id)
        .where(where, Student.active.is_(True))
        .distinct()
    )
    db.session.execute(
        insert(ApiTombstone).from_select(
            ["resource", "resource_id", "school_id", "deleted_at"], schools
        )
    )


def cards_changed(visit_ids: Select, *, at: datetime) -> int:
    """The cards of the students these visits covered changed (a reflection or follow-up of
    theirs was deleted): their ``updated_at`` moves, so the next pull sends them again."""
    covered = select(VisitStudent.student_id).where(VisitStudent.visit_id.in_(visit_ids))
    return db.session.execute(
        update(Student)
        .where(Student.id.in_(covered))
        .values(updated_at=at)
        .execution_options(synchronize_session=False)
    ).rowcount


def prune(*, now: datetime, dry_run: bool = False) -> tuple[datetime, int]:
    """Drop the tombstones older than KEEP_DAYS: (the limit, how many)."""
    before = now - timedelta(days=KEEP_DAYS)
    old = ApiTombstone.deleted_at < before
    if dry_run:
        return before, db.session.scalar(select(func.count(ApiTombstone.id)).where(old)) or 0
    result = db.session.execute(
        delete(ApiTombstone).where(old).execution_options(synchronize_session=False)
    )
    return before, result.rowcount
