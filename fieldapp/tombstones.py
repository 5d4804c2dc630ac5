"""What the API's incremental pulls must hear of that a row's own ``updated_at`` cannot say:
a record deleted (a tombstone, per school that could read it), and a relationship card changed
because a row it is computed from was deleted (its student's ``updated_at`` moves).

Called by the services that delete, in their transaction: the deletion and its signal are
committed together or not at all."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, delete, func, insert, literal, select, update

from fieldapp.extensions import db
from fieldapp.models import ApiResource, ApiTombstone, FollowUp, Student, Visit, VisitStudent

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


def _chunks(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start : start + size]


STUDENT_FIELDS_SEEN = {"school_id", "active", "family_id", "sis_id", "sourced_id"}


class StudentsChanging:
    """A roster import about to insert and update students: what the API lists beyond the
    students' own cards moves with them. Make it before the students are written, call
    ``written`` after, in the same transaction.

    - A follow-up lists the family's active students at the token's school (with their SIS
      ids) and is listed only where the family has one: the follow-ups of every family gaining
      or losing a student, or whose student's ids change, are sent again (``updated_at``); a
      school where the family no longer has an active student gets a tombstone for each.
    - A visit lists its students' ids: visits of a student whose SIS id changes are sent again.
    - A student who moves to another school leaves the old school's cards: a tombstone there.
    """

    def __init__(self, updates: list[dict]) -> None:
        self.rows = [r for r in updates if STUDENT_FIELDS_SEEN & r.keys()]
        ids = [r["id"] for r in self.rows]
        self.was: dict[int, tuple[int, int | None]] = {}  # id: (school, family)
        for batch in _chunks(ids):
            for id_, school, family in db.session.execute(
                select(Student.id, Student.school_id, Student.family_id).where(
                    Student.id.in_(batch)
                )
            ):
                self.was[id_] = (school, family)
        self.families = {f for _, f in self.was.values() if f is not None}
        self.families |= {r["family_id"] for r in self.rows if r.get("family_id") is not None}
        self.ids_changed = [r["id"] for r in self.rows if {"sis_id", "sourced_id"} & r.keys()]
        self.before = _listed(self.families)

    def written(self, *, new_families: list[int | None], at: datetime) -> None:
        # A student added can only make a family listed at one more school: no tombstone.
        lost = self.before - _listed(self.families)
        self.families |= {f for f in new_families if f is not None}
        by_family: dict[int, list[int]] = {}
        for family, school in lost:
            by_family.setdefault(family, []).append(school)
        gone = []
        for batch in _chunks(sorted(by_family)):
            for follow_up, family in db.session.execute(
                select(FollowUp.id, FollowUp.family_id).where(FollowUp.family_id.in_(batch))
            ):
                gone += [
                    {
                        "resource": ApiResource.FOLLOW_UP,
                        "resource_id": follow_up,
                        "school_id": school,
                        "deleted_at": at,
                    }
                    for school in by_family[family]
                ]
        gone += [
            {
                "resource": ApiResource.RELATIONSHIP_CARD,
                "resource_id": r["id"],
                "school_id": self.was[r["id"]][0],
                "deleted_at": at,
            }
            for r in self.rows
            if r.get("school_id") is not None
            and r["id"] in self.was
            and r["school_id"] != self.was[r["id"]][0]
        ]
        if gone:
            db.session.execute(insert(ApiTombstone), gone)
        for batch in _chunks(sorted(self.families)):
            _touch(update(FollowUp).where(FollowUp.family_id.in_(batch)), at)
        for batch in _chunks(self.ids_changed):
            covered = select(VisitStudent.visit_id).where(VisitStudent.student_id.in_(batch))
            _touch(update(Visit).where(Visit.id.in_(covered)), at)


def _touch(statement, at: datetime) -> None:
    db.session.execute(statement.values(updated_at=at).execution_options(synchronize_session=False))


def _listed(families: set[int]) -> set[tuple[int, int]]:
    """(family, school) pairs where the family has an active student."""
    pairs: set[tuple[int, int]] = set()
    for batch in _chunks(sorted(families)):
        rows = db.session.execute(
            select(Student.family_id, Student.school_id)
            .where(Student.family_id.in_(batch), Student.active.is_(True))
            .distinct()
        )
        pairs.update((family, school) for family, school in rows)
    return pairs
