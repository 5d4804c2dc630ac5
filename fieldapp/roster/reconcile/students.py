"""Students: matched by sourcedId, else (at their school) a student entered by hand with the
same id in the school's system, whom the import takes over rather than making each child
twice. A student of a school outside the importer's scope is refused. A full users.csv
deactivates the students an import made at the schools it covers that it no longer lists:
inactive, never deleted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.i18n import gettext as _
from fieldapp.models import Student
from fieldapp.roster.changes import New, chunks
from fieldapp.roster.reconcile import GONE, deactivate_absent, reconcile, record, rows_by
from fieldapp.roster.reconcile.context import Context
from fieldapp.roster.reconcile.schools import first_school
from fieldapp.roster.rows import PersonRow

COLUMNS = (
    Student.id,
    Student.sourced_id,
    Student.school_id,
    Student.first_name,
    Student.last_name,
    Student.grade,
    Student.sis_id,
    Student.active,
    Student.family_id,
)
Placed = tuple[PersonRow, int | New]  # a student and their school


class _Students:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.by_hand: dict[int, dict[str, Any]] = {}

    def placed(self, rows: dict[str, PersonRow]) -> Iterator[Placed]:
        """Each student at their school (one at none is an error or a refusal)."""
        for n, s in enumerate(rows.values()):
            if n % 5000 == 4999:
                self.ctx.progress(40 + int(15 * n / len(rows)), _("Comparing students"))
            school = first_school(self.ctx, s)
            if school is not None:
                yield s, school

    def key(self, placed: Placed) -> str:
        """The student's sourcedId; a student entered by hand at their school with their SIS
        id becomes the stored student of that sourcedId."""
        s, school = placed
        stored = self.ctx.students_db
        if s.sourced_id not in stored and s.identifier and isinstance(school, int):
            hand = self.made_by_hand(school).pop(s.identifier, None)
            if hand is not None:
                stored[s.sourced_id] = hand
        return s.sourced_id

    def made_by_hand(self, school_id: int) -> dict[str, Any]:
        """A school's students entered by hand (no sourcedId), by the school system's id."""
        if school_id not in self.by_hand:
            rows = db.session.execute(
                select(*COLUMNS).where(
                    Student.school_id == school_id,
                    Student.sourced_id.is_(None),
                    Student.sis_id.is_not(None),
                )
            )
            self.by_hand[school_id] = {r.sis_id: r for r in rows}
        return self.by_hand[school_id]

    def wanted(self, placed: Placed, match: Any) -> dict | None:
        s, school = placed
        if match is not None and not self.ctx.in_scope(match.school_id):
            self.ctx.plan.refuse(s.where, _("%(name)s: a student of another school.", name=s.name))
            return None
        if s.deleted:
            return GONE
        return {
            "sourced_id": s.sourced_id,
            "school_id": school,
            "first_name": s.given,
            "last_name": s.family,
            "grade": s.grade,
            "sis_id": s.identifier,
            "active": True,
        }

    def detail(self, s: PersonRow, school: int | New) -> str:
        name = self.ctx.school_names.get(school, "")
        if s.grade:
            return _("grade %(grade)s · %(school)s", grade=s.grade, school=name)
        return _("grade not given · %(school)s", school=name)


def plan_students(ctx: Context) -> None:
    rows = ctx.roster.students
    ctx.students_db = {r.sourced_id: r for r in rows_by(Student.sourced_id, rows, *COLUMNS)}
    kind = _Students(ctx)
    for step in reconcile(kind.placed(rows), ctx.students_db, kind.key, kind.wanted):
        s, school = step.row
        detail = ""
        if step.action == "created":
            ctx.student_ref[step.key] = New("student", step.key)
            ctx.student_inserts[step.key] = step.values
            detail = kind.detail(s, school)
        elif step.action != "deactivated":
            ctx.student_ref[step.key] = step.match.id
        record(ctx.plan, "students", step, s.name, detail)
    if ctx.roster.full.get("students") and ctx.covered:
        for batch in chunks(sorted(ctx.covered), 500):
            stored = db.session.execute(
                select(Student.id, Student.first_name, Student.last_name, Student.sourced_id).where(
                    Student.school_id.in_(batch),
                    Student.sourced_id.is_not(None),
                    Student.active.is_(True),
                )
            )
            deactivate_absent(
                ctx.plan, "students", stored, rows, lambda r: f"{r.first_name} {r.last_name}"
            )
