"""Writing a plan: bulk INSERTs and UPDATEs by primary key, in the order the foreign keys need,
inside the caller's transaction (the caller commits once: all or nothing)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, tuple_, update

from fieldapp import clock, tombstones
from fieldapp.extensions import db
from fieldapp.models import (
    ClassTeacher,
    Enrollment,
    Family,
    Guardian,
    Role,
    RoleAssignment,
    School,
    SchoolClass,
    Student,
    User,
)
from fieldapp.roster.plan import New, Plan, chunks

MODELS = {"school": School, "user": User, "class": SchoolClass, "student": Student}


class Refs:
    """Ids of the rows inserted so far, for the ``New`` references of the rows after them."""

    def __init__(self) -> None:
        self.ids: dict[New, int] = {}

    def load(self, kind: str, rows: list[dict]) -> None:
        model = MODELS[kind]
        for batch in chunks([r["sourced_id"] for r in rows]):
            for sid, id_ in db.session.execute(
                select(model.sourced_id, model.id).where(model.sourced_id.in_(batch))
            ):
                self.ids[New(kind, sid)] = id_

    def resolve(self, rows: list[dict], *keys: str) -> list[dict]:
        """``rows`` with the ``New`` values of their foreign ``keys`` replaced by ids, in place."""
        ids = self.ids
        for row in rows:
            for key in keys:
                value = row.get(key)
                if type(value) is New:
                    row[key] = ids[value]
        return rows


def _insert(model: Any, rows: list[dict]) -> None:
    """Core executemany on the table (the ORM's bulk path costs more CPU here); rows of
    one statement share their keys."""
    by_keys: dict[tuple, list[dict]] = {}
    for row in rows:
        by_keys.setdefault(tuple(sorted(row)), []).append(row)
    for group in by_keys.values():
        for batch in chunks(group, 5000):
            db.session.execute(insert(model.__table__), batch)


def _update(model: Any, rows: list[dict]) -> None:
    merged: dict[int, dict] = {}
    for row in rows:  # one student may be updated twice (its fields, then its family)
        merged.setdefault(row["id"], {}).update(row)
    by_keys: dict[tuple, list[dict]] = {}
    for row in merged.values():
        by_keys.setdefault(tuple(sorted(row)), []).append(row)
    for group in by_keys.values():
        for batch in chunks(group, 2000):
            db.session.execute(update(model), batch)


def apply_plan(plan: Plan) -> None:
    ops, refs = plan.ops, Refs()
    ins, upd, dels = ops.inserts, ops.updates, ops.deletes

    _insert(School, ins["schools"])
    refs.load("school", ins["schools"])
    _update(School, upd["schools"])

    _insert(User, ins["users"])
    refs.load("user", ins["users"])
    _update(User, upd["users"])
    roles = {
        (r["user_id"], r["school_id"]): r
        for r in refs.resolve(ins["roles"], "user_id", "school_id")
    }
    _insert(RoleAssignment, [{**r, "role": Role.VISITOR} for r in roles.values()])

    _insert(SchoolClass, refs.resolve(ins["classes"], "school_id"))
    refs.load("class", ins["classes"])
    _update(SchoolClass, refs.resolve(upd["classes"], "school_id"))
    for batch in chunks(dels["class_teachers"]):
        db.session.execute(
            delete(ClassTeacher).where(
                tuple_(ClassTeacher.class_id, ClassTeacher.user_id).in_(batch)
            )
        )
    _insert(ClassTeacher, refs.resolve(ins["class_teachers"], "class_id", "user_id"))

    families = ins["families"]
    for batch in chunks(families, 2000):
        ids = db.session.scalars(
            insert(Family).returning(Family.id, sort_by_parameter_order=True),
            [{k: v for k, v in f.items() if k != "key"} for f in batch],
        ).all()
        refs.ids.update({f["key"]: id_ for f, id_ in zip(batch, ids, strict=True)})
    _update(Family, upd["families"])
    _insert(Guardian, refs.resolve(ins["guardians"], "family_id"))
    _update(Guardian, upd["guardians"])

    students = refs.resolve(upd["students"], "school_id", "family_id")
    changing = tombstones.StudentsChanging(students)  # what the API lists moves with them
    _insert(Student, refs.resolve(ins["students"], "school_id", "family_id"))
    refs.load("student", ins["students"])
    _update(Student, students)
    changing.written(new_families=[r.get("family_id") for r in ins["students"]], at=clock.now())
    for batch in chunks(dels["enrollments"]):
        db.session.execute(
            delete(Enrollment).where(tuple_(Enrollment.student_id, Enrollment.class_id).in_(batch))
        )
    _insert(Enrollment, refs.resolve(ins["enrollments"], "student_id", "class_id"))
    db.session.flush()
