"""Who teaches a class and who attends it (enrollments.csv): links between rows the import
knows, added when new and removed when a row says ``tobedeleted`` or, for a full file, when it
no longer lists them (only classes an import manages, at schools it covers). A teacher added by
hand stays."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.i18n import gettext as _
from fieldapp.models import ClassTeacher, Enrollment, SchoolClass, User
from fieldapp.roster.changes import New, chunks
from fieldapp.roster.reconcile.context import Context
from fieldapp.roster.rows import EnrollmentRow

Links = dict[int | New, set]


def _links(ctx: Context, rows: Iterable[EnrollmentRow], people: dict) -> tuple[Links, Links]:
    """The links the file wants and those it drops (``tobedeleted``), from its rows whose
    class and person this import has; a class or a user the files do not have is an error."""
    wanted: Links = defaultdict(set)
    dropped: Links = defaultdict(set)
    roster = ctx.roster
    for e in rows:
        if e.class_id not in ctx.class_ref:
            if e.class_id not in roster.classes and e.class_id not in ctx.classes_db:
                ctx.plan.error(e.where, _("class %(id)s is not in classes.csv.", id=e.class_id))
            continue
        if e.user_id not in people:
            if not ctx.known_user(e.user_id):
                ctx.plan.error(e.where, _("user %(id)s is not in users.csv.", id=e.user_id))
            continue
        cls = ctx.class_ref[e.class_id]
        if e.role == "teacher":  # a class → the sourcedIds of its teachers
            (dropped if e.deleted else wanted)[cls].add(e.user_id)
        else:  # a student → their classes
            (dropped if e.deleted else wanted)[people[e.user_id]].add(cls)
    return wanted, dropped


def _of(ctx: Context, role: str) -> list[EnrollmentRow]:
    return [e for e in ctx.roster.enrollments if e.role == role]


# ---- teachers of record -------------------------------------------------------------------------


def plan_teachers_of_record(ctx: Context) -> None:
    wanted, dropped = _links(ctx, _of(ctx, "teacher"), ctx.teacher_ref)
    current = _teachers_now([i for i in ctx.class_ref.values() if isinstance(i, int)])
    names = {sid: t.name for sid, t in ctx.roster.teachers.items()}
    titles = {ref: ctx.roster.classes[sid].title for sid, ref in ctx.class_ref.items()}
    for cls, sids in wanted.items():
        have = current.get(cls, {}) if isinstance(cls, int) else {}
        for sid in sorted(sids - set(have)):
            ctx.plan.ops.inserts["class_teachers"].append(
                {"class_id": cls, "user_id": ctx.teacher_ref[sid]}
            )
            ctx.plan.add("teachers_of_record", "created", f"{names[sid]} · {titles[cls]}")
    full = ctx.roster.full.get("enrollments")
    for cls in {*wanted, *dropped}:
        if not isinstance(cls, int):
            continue
        for sid, user_id in current.get(cls, {}).items():
            if sid.startswith("#"):
                continue  # a teacher added by hand stays
            if (full and sid not in wanted.get(cls, ())) or sid in dropped.get(cls, ()):
                ctx.plan.ops.deletes["class_teachers"].append((cls, user_id))
                ctx.plan.add(
                    "teachers_of_record",
                    "deactivated",
                    f"{names.get(sid, sid)} · {titles[cls]}",
                    _("no longer teaches it"),
                )


def _teachers_now(class_ids: list[int]) -> dict[int, dict[str | None, int]]:
    """Each stored class's teachers: sourcedId (``#id`` for one added by hand) → user id."""
    current: dict[int, dict[str | None, int]] = defaultdict(dict)
    for batch in chunks(class_ids):
        rows = db.session.execute(
            select(ClassTeacher.class_id, ClassTeacher.user_id, User.sourced_id)
            .join(User, User.id == ClassTeacher.user_id)
            .where(ClassTeacher.class_id.in_(batch))
        )
        for class_id, user_id, sid in rows:
            current[class_id][sid or f"#{user_id}"] = user_id
    return current


# ---- students' classes --------------------------------------------------------------------------


def plan_enrollments(ctx: Context) -> None:
    learning = _of(ctx, "student")
    full = ctx.roster.full.get("enrollments")
    if not learning and not full:
        return
    students = [i for i in ctx.student_ref.values() if isinstance(i, int)]
    current, class_sid = _enrollments_now(students)
    wanted, dropped = _links(ctx, learning, ctx.student_ref)
    names = {ref: ctx.roster.students[sid].name for sid, ref in ctx.student_ref.items()}
    titles = {ref: ctx.roster.classes[sid].title for sid, ref in ctx.class_ref.items()}
    for student, classes in wanted.items():
        have = current.get(student, set()) if isinstance(student, int) else set()
        for cls in sorted(classes - have, key=str):
            ctx.plan.ops.inserts["enrollments"].append({"student_id": student, "class_id": cls})
            ctx.plan.add("enrollments", "created", f"{names[student]} · {titles[cls]}")
    if not full:
        pairs = [(s, c) for s, cs in dropped.items() for c in cs if isinstance(s, int)]
    else:
        pairs = list(_left(ctx, current, class_sid, wanted))
    sids = {v: k for k, v in ctx.class_ref.items()}
    for student, cls in pairs:
        if cls in current.get(student, ()):
            ctx.plan.ops.deletes["enrollments"].append((student, cls))
            title = sids.get(cls, class_sid.get(cls, ("",))[0])
            ctx.plan.add(
                "enrollments", "deactivated", f"{names[student]} · {title}", _("left the class")
            )


def _enrollments_now(students: list[int]) -> tuple[dict[int, set[int]], dict]:
    """Each stored student's classes, and each class's sourcedId and school."""
    class_sid = {}
    current: dict[int, set[int]] = defaultdict(set)
    for batch in chunks(students):
        rows = db.session.execute(
            select(
                Enrollment.student_id,
                Enrollment.class_id,
                SchoolClass.sourced_id,
                SchoolClass.school_id,
            )
            .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
            .where(Enrollment.student_id.in_(batch))
        )
        for student_id, class_id, sid, school_id in rows:
            current[student_id].add(class_id)
            class_sid[class_id] = (sid, school_id)
    return current, class_sid


def _left(ctx: Context, current: dict, class_sid: dict, wanted: Links) -> Iterator[tuple]:
    """A full file's rule: the classes a student attends that it no longer lists them in."""
    for student in ctx.student_ref.values():
        if not isinstance(student, int):
            continue
        for cls in current.get(student, ()):
            # only classes an import manages, at a school this import covers
            if (
                class_sid[cls][0] is not None
                and class_sid[cls][1] in ctx.covered
                and cls not in wanted.get(student, ())
            ):
                yield student, cls
