"""A roster against the database: what an import would create, update, deactivate and refuse.

Everything the import touches is loaded up front, by ``sourcedId``, in a few queries (lists of
ids in chunks), so that 30,000 rows cost a few dozen statements, not one per row. The plan holds
both what to show (``Change`` items per kind) and what to write (``Ops``); ``apply.py`` writes it.

Rules kept here:
- rows are matched by ``sourcedId`` (the template: school code + student id), so importing the
  same files again plans nothing, and a changed row is updated in place;
- a full (bulk) file deactivates what it no longer lists, in the schools it covers, and only
  what an import made (rows with a ``sourcedId``): students and classes become inactive, never
  deleted; accounts are never disabled by an import;
- rows for a school outside the importer's scope are refused line by line (the rest goes on);
- a family is found through a guardian already known, else a sibling's family (students who
  share a guardian are one family), else made; a student without guardians gets a placeholder
  family the coordinator completes. A student who has a family keeps it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.i18n import family_label, ngettext
from fieldapp.i18n import gettext as _
from fieldapp.i18n import lazy_gettext as _l
from fieldapp.models import (
    ClassTeacher,
    Enrollment,
    Family,
    Guardian,
    RoleAssignment,
    School,
    SchoolClass,
    Student,
    User,
)
from fieldapp.roster.parse import LineError, PersonRow, Roster, Where

CHUNK = 5000  # ids per IN (…): well under SQLite's 32,766 bound parameters
KIND_LABELS = {
    "schools": _l("Schools"),
    "teachers": _l("Teachers and other staff"),
    "classes": _l("Classes"),
    "teachers_of_record": _l("Teachers of record"),
    "students": _l("Students"),
    "enrollments": _l("Class enrollments"),
    "families": _l("Families"),
    "guardians": _l("Guardians"),
}
ACTIONS = ("created", "updated", "deactivated")
# The fields an update changes, as the examples of the plan name them.
FIELD_LABELS = {
    "name": _l("Name"),
    "code": _l("Code"),
    "email": _l("Email"),
    "school_id": _l("School"),
    "grade": _l("Grade"),
    "active": _l("Active"),
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "sis_id": _l("SIS id"),
    "family_id": _l("Family"),
    "address_line1": _l("Address"),
    "address_line2": _l("Address line 2"),
    "city": _l("City"),
    "postal_code": _l("Postal code"),
    "home_language": _l("Home language"),
    "relationship_to_student": _l("Relationship"),
    "phone": _l("Phone"),
    "language": _l("Language"),
}


@dataclass(frozen=True)
class New:
    """A row the import will insert, referred to before it has an id."""

    kind: str
    key: Any


@dataclass
class Change:
    label: str
    detail: str = ""


@dataclass
class Refusal:
    file: str
    line: int
    reason: str

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "message": self.reason}


@dataclass
class Ops:
    inserts: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    updates: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    deletes: dict[str, list[tuple]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class Plan:
    format: str
    changes: dict[str, dict[str, list[Change]]] = field(
        default_factory=lambda: {k: {a: [] for a in ACTIONS} for k in KIND_LABELS}
    )
    refused: list[Refusal] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    warnings: list[LineError] = field(default_factory=list)  # left out or read as less; goes on
    ops: Ops = field(default_factory=Ops)
    rows: int = 0

    def add(self, kind: str, action: str, label: str, detail: str = "") -> None:
        self.changes[kind][action].append(Change(label, detail))

    def refuse(self, where: Where, reason: str) -> None:
        self.refused.append(Refusal(where.file, where.line, reason))

    def error(self, where: Where, message: str) -> None:
        self.errors.append(LineError(where.file, where.line, message))

    def warn(self, where: Where, message: str) -> None:
        self.warnings.append(LineError(where.file, where.line, message))

    def counts(self) -> dict[str, dict[str, int]]:
        return {k: {a: len(v) for a, v in acts.items()} for k, acts in self.changes.items()}

    @property
    def changes_anything(self) -> bool:
        return any(v for acts in self.changes.values() for v in acts.values())

    def summary(self, limit: int = 20) -> dict:
        """What the pages and the command line show: counts, the first items, refusals."""
        return {
            "format": self.format,
            "rows": self.rows,
            "counts": self.counts(),
            "refused_total": len(self.refused),
            "examples": {
                k: {a: [[c.label, c.detail] for c in v[:limit]] for a, v in acts.items()}
                for k, acts in self.changes.items()
            },
            "refused": [r.as_dict() for r in self.refused[:200]],
            "errors": [e.as_dict() for e in sorted(self.errors, key=_by_place)[:500]],
            "errors_total": len(self.errors),
            "warnings": [w.as_dict() for w in sorted(self.warnings, key=_by_place)[:500]],
            "warnings_total": len(self.warnings),
            "unknown_language": self.unknown_language,
        }

    @property
    def unknown_language(self) -> int:
        """New families whose language the files did not give."""
        return sum(1 for f in self.ops.inserts["families"] if f.get("home_language") is None)


def _by_place(e: LineError) -> tuple:
    return (e.file, e.line)


def chunks(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    batch: list = []
    for v in values:
        batch.append(v)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _rows_by(column, values: Iterable, *columns) -> list:
    rows = []
    for batch in chunks(sorted(set(values))):
        rows.extend(db.session.execute(select(*columns).where(column.in_(batch))).all())
    return rows


def _diff(current: dict, wanted: dict) -> dict:
    return {k: v for k, v in wanted.items() if current.get(k) != v}


def _describe(changes: dict, current: dict) -> str:
    return "; ".join(
        f"{FIELD_LABELS.get(k, k)}: {current.get(k) or '—'} → {v if v is not None else '—'}"
        for k, v in changes.items()
        if k not in ("sourced_id",)
    )


class Planner:
    def __init__(self, roster: Roster, allowed: set[int] | None, progress: Callable):
        self.roster = roster
        self.allowed = allowed
        self.progress = progress
        self.plan = Plan(format=roster.format, rows=roster.rows)
        self.ops = self.plan.ops
        self.school_ref: dict[str, int | New | None] = {}  # file key → id, New, None: refused
        self.school_names: dict[int | New, str] = {}
        self.covered: set[int] = set()  # existing schools whose full files deactivate
        self.teacher_ref: dict[str, int | New] = {}
        self.class_ref: dict[str, int | New] = {}
        self.student_ref: dict[str, int | New] = {}
        self.students_db: dict[str, Any] = {}
        self.by_hand: dict[int, dict[str, Any]] = {}

    def in_scope(self, school_id: int) -> bool:
        return self.allowed is None or school_id in self.allowed

    # ---- schools ----------------------------------------------------------------------------

    def schools(self) -> None:
        rows = db.session.execute(select(School.id, School.sourced_id, School.code, School.name))
        existing = rows.all()
        by_sid = {r.sourced_id: r for r in existing if r.sourced_id}
        by_code = {r.code: r for r in existing}
        self.school_names.update({r.id: r.name for r in existing})
        if self.roster.school_key == "code":
            self.by_key = by_code
            return
        self.by_key = by_sid
        for sid, org in self.roster.schools.items():
            match = by_sid.get(sid)
            if match is None and org.code in by_code and by_code[org.code].sourced_id is None:
                match = by_code[org.code]  # a school made by hand: the import takes it over
            if match is None:
                if self.allowed is not None:
                    self.school_ref[sid] = None
                    self.plan.refuse(
                        org.where,
                        _("%(name)s: you can import into your own school only.", name=org.name),
                    )
                    continue
                if org.code in by_code:
                    self.plan.error(
                        org.where,
                        _(
                            "identifier %(code)s is already the code of %(school)s.",
                            code=org.code,
                            school=by_code[org.code].name,
                        ),
                    )
                    continue
                ref = New("school", sid)
                self.school_ref[sid] = ref
                self.school_names[ref] = org.name
                self.ops.inserts["schools"].append(
                    {"sourced_id": sid, "name": org.name, "code": org.code}
                )
                self.plan.add("schools", "created", org.name, org.code)
                continue
            if not self.in_scope(match.id):
                self.school_ref[sid] = None
                self.plan.refuse(
                    org.where,
                    _("%(name)s: you can import into your own school only.", name=match.name),
                )
                continue
            self.school_ref[sid] = match.id
            self.covered.add(match.id)
            current = {"sourced_id": match.sourced_id, "name": match.name, "code": match.code}
            wanted = {"sourced_id": sid, "name": org.name}
            if org.code != sid and (org.code not in by_code or by_code[org.code].id == match.id):
                wanted["code"] = org.code
            changes = _diff(current, wanted)
            if changes:
                self.ops.updates["schools"].append({"id": match.id, **changes})
                self.plan.add("schools", "updated", org.name, _describe(changes, current))

    def school_of(self, key: str, where: Where, what: str) -> int | New | None:
        """The school a row names; None when refused or unknown (an error)."""
        if key in self.school_ref:
            ref = self.school_ref[key]
            if ref is None:
                self.plan.refuse(where, _("%(name)s: not at your school.", name=what))
            return ref
        match = self.by_key.get(key)
        if match is None and key in self.roster.other_orgs:
            kind, name = self.roster.other_orgs[key]
            self.plan.warn(
                where,
                _(
                    "Skipped: %(name)s belongs to %(org)s, which orgs.csv lists as a %(type)s, "
                    "not a school.",
                    name=what,
                    org=name or key,
                    type=kind,
                ),
            )
            return None
        if match is None:
            self.plan.error(
                where,
                _("school %(id)s is not in orgs.csv nor a known school.", id=key)
                if self.roster.school_key != "code"
                else _("No school has the code %(code)s.", code=key),
            )
            return None
        if not self.in_scope(match.id):
            self.school_ref[key] = None
            self.plan.refuse(
                where, _("%(name)s: %(school)s is not your school.", name=what, school=match.name)
            )
            return None
        self.school_ref[key] = match.id
        self.covered.add(match.id)
        return match.id

    def first_school(self, person: PersonRow) -> int | New | None:
        """A person's school: the first of their orgs that is a school."""
        if self.roster.school_key == "code":
            return self.school_of(person.org_ids[0], person.where, person.name)
        known = [o for o in person.org_ids if o in self.roster.schools or o in self.by_key]
        if not known and person.org_ids and person.org_ids[0] in self.roster.other_orgs:
            return self.school_of(person.org_ids[0], person.where, person.name)
        if not known:
            self.plan.error(
                person.where,
                _("orgSourcedIds names no school of orgs.csv nor a known school.")
                if person.org_ids
                else _("The person belongs to no school (orgSourcedIds is empty)."),
            )
            return None
        return self.school_of(known[0], person.where, person.name)

    # ---- teachers ---------------------------------------------------------------------------

    def teachers(self) -> None:
        teachers = [t for t in self.roster.teachers.values() if not t.deleted]
        if not teachers:
            return
        cols = (User.id, User.sourced_id, User.email, User.name)
        by_sid = {
            r.sourced_id: r
            for r in _rows_by(User.sourced_id, [t.sourced_id for t in teachers], *cols)
        }
        by_email = {
            r.email: r for r in _rows_by(User.email, [t.email for t in teachers if t.email], *cols)
        }
        user_ids = {r.id for r in (*by_sid.values(), *by_email.values())}
        held: set[tuple[int, int]] = {
            (r.user_id, r.school_id)
            for r in _rows_by(
                RoleAssignment.user_id, user_ids, RoleAssignment.user_id, RoleAssignment.school_id
            )
            if r.school_id is not None
        }
        for t in teachers:
            schools = []
            for org in t.org_ids:
                if org in self.roster.schools or org in self.by_key:
                    ref = self.school_of(org, t.where, t.name)
                    if ref is not None:
                        schools.append(ref)
            if not schools:
                if not t.org_ids:
                    self.plan.error(
                        t.where,
                        _("The staff member belongs to no school (orgSourcedIds is empty)."),
                    )
                elif all(o in self.roster.other_orgs for o in t.org_ids):
                    kind, name = self.roster.other_orgs[t.org_ids[0]]
                    self.plan.warn(
                        t.where,
                        _(
                            "Skipped: %(name)s belongs to %(org)s, which orgs.csv lists as a "
                            "%(type)s, not a school.",
                            name=t.name,
                            org=name or t.org_ids[0],
                            type=kind,
                        ),
                    )
                continue
            match = by_sid.get(t.sourced_id)
            if match is None and t.email in by_email:
                match = by_email[t.email]
                if match.sourced_id is not None:
                    self.plan.refuse(
                        t.where,
                        _(
                            "%(name)s: %(email)s is the email of another account.",
                            name=t.name,
                            email=t.email,
                        ),
                    )
                    continue
            if match is None:
                if not t.email:
                    self.plan.refuse(
                        t.where,
                        _(
                            "%(name)s: no email, so the account could never be invited.",
                            name=t.name,
                        ),
                    )
                    continue
                ref = New("user", t.sourced_id)
                self.ops.inserts["users"].append(
                    {
                        "sourced_id": t.sourced_id,
                        "email": t.email,
                        "name": t.name,
                        "password_hash": None,
                        "languages": "en",
                    }
                )
                self.plan.add("teachers", "created", t.name, t.email)
            else:
                ref = match.id
                current = {"sourced_id": match.sourced_id, "name": match.name, "email": match.email}
                wanted = {"sourced_id": t.sourced_id, "name": t.name}
                if t.email and (t.email not in by_email or by_email[t.email].id == match.id):
                    wanted["email"] = t.email
                changes = _diff(current, wanted)
                if changes:
                    self.ops.updates["users"].append({"id": match.id, **changes})
                    self.plan.add("teachers", "updated", t.name, _describe(changes, current))
            self.teacher_ref[t.sourced_id] = ref
            for school in dict.fromkeys(schools):
                if isinstance(ref, New) or isinstance(school, New) or (ref, school) not in held:
                    self.ops.inserts["roles"].append(
                        {"user_id": ref, "school_id": school, "role": "visitor"}
                    )
                    if not isinstance(ref, New):
                        self.plan.add(
                            "teachers",
                            "updated",
                            t.name,
                            _("staff of %(school)s", school=self.school_names.get(school, "")),
                        )

    # ---- classes and their teachers ---------------------------------------------------------

    def classes(self) -> None:
        rows = self.roster.classes
        cols = (
            SchoolClass.id,
            SchoolClass.sourced_id,
            SchoolClass.school_id,
            SchoolClass.name,
            SchoolClass.grade,
            SchoolClass.active,
        )
        existing = {r.sourced_id: r for r in _rows_by(SchoolClass.sourced_id, rows, *cols)}
        self.classes_db = dict(existing)
        for sid, c in rows.items():
            school = self.school_of(c.school_id, c.where, c.title)
            if school is None:
                continue
            match = existing.get(sid)
            if match is not None and not self.in_scope(match.school_id):
                self.plan.refuse(c.where, _("%(name)s: a class of another school.", name=c.title))
                continue
            if c.deleted:
                if match is not None and match.active:
                    self.ops.updates["classes"].append({"id": match.id, "active": False})
                    self.plan.add("classes", "deactivated", c.title, _("marked tobedeleted"))
                continue
            if match is None:
                self.class_ref[sid] = New("class", sid)
                self.ops.inserts["classes"].append(
                    {
                        "sourced_id": sid,
                        "school_id": school,
                        "name": c.title,
                        "grade": c.grade,
                        "active": True,
                    }
                )
                self.plan.add("classes", "created", c.title, self.school_names.get(school, ""))
                continue
            self.class_ref[sid] = match.id
            current = match._asdict()
            changes = _diff(
                current, {"school_id": school, "name": c.title, "grade": c.grade, "active": True}
            )
            if changes:
                self.ops.updates["classes"].append({"id": match.id, **changes})
                self.plan.add("classes", "updated", c.title, _describe(changes, current))
        if self.roster.full.get("classes") and self.covered:
            gone = db.session.execute(
                select(SchoolClass.id, SchoolClass.name, SchoolClass.sourced_id).where(
                    SchoolClass.school_id.in_(self.covered),
                    SchoolClass.sourced_id.is_not(None),
                    SchoolClass.active.is_(True),
                )
            )
            for r in gone:
                if r.sourced_id not in rows:
                    self.ops.updates["classes"].append({"id": r.id, "active": False})
                    self.plan.add("classes", "deactivated", r.name, _("not in the new file"))

    def _known_user(self, sid: str) -> bool:
        r = self.roster
        return sid in r.students or sid in r.teachers or sid in r.guardians

    def teachers_of_record(self) -> None:
        teaching = [e for e in self.roster.enrollments if e.role == "teacher"]
        class_ids = [i for i in self.class_ref.values() if isinstance(i, int)]
        current: dict[int, dict[str | None, int]] = defaultdict(dict)
        for batch in chunks(class_ids):
            rows = db.session.execute(
                select(ClassTeacher.class_id, ClassTeacher.user_id, User.sourced_id)
                .join(User, User.id == ClassTeacher.user_id)
                .where(ClassTeacher.class_id.in_(batch))
            )
            for class_id, user_id, sid in rows:
                current[class_id][sid or f"#{user_id}"] = user_id
        wanted: dict[int | New, set[str]] = defaultdict(set)
        dropped: dict[int | New, set[str]] = defaultdict(set)
        for e in teaching:
            if e.class_id not in self.class_ref:
                if e.class_id not in self.roster.classes and e.class_id not in self.classes_db:
                    self.plan.error(
                        e.where, _("class %(id)s is not in classes.csv.", id=e.class_id)
                    )
                continue
            if e.user_id not in self.teacher_ref:
                if not self._known_user(e.user_id):
                    self.plan.error(e.where, _("user %(id)s is not in users.csv.", id=e.user_id))
                continue
            (dropped if e.deleted else wanted)[self.class_ref[e.class_id]].add(e.user_id)
        names = {sid: t.name for sid, t in self.roster.teachers.items()}
        titles = {ref: self.roster.classes[sid].title for sid, ref in self.class_ref.items()}
        for cls, sids in wanted.items():
            have = current.get(cls, {}) if isinstance(cls, int) else {}
            for sid in sorted(sids - set(have)):
                self.ops.inserts["class_teachers"].append(
                    {"class_id": cls, "user_id": self.teacher_ref[sid]}
                )
                self.plan.add("teachers_of_record", "created", f"{names[sid]} · {titles[cls]}")
        full = self.roster.full.get("enrollments")
        for cls in {*wanted, *dropped}:
            if not isinstance(cls, int):
                continue
            for sid, user_id in current.get(cls, {}).items():
                if sid.startswith("#"):
                    continue  # a teacher added by hand stays
                if (full and sid not in wanted.get(cls, ())) or sid in dropped.get(cls, ()):
                    self.ops.deletes["class_teachers"].append((cls, user_id))
                    self.plan.add(
                        "teachers_of_record",
                        "deactivated",
                        f"{names.get(sid, sid)} · {titles[cls]}",
                        _("no longer teaches it"),
                    )

    # ---- students -----------------------------------------------------------------------------

    def students(self) -> None:
        rows = self.roster.students
        cols = self.student_columns = (
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
        existing = {r.sourced_id: r for r in _rows_by(Student.sourced_id, rows, *cols)}
        self.students_db = existing
        self.student_inserts: dict[str, dict] = {}
        for n, (sid, s) in enumerate(rows.items()):
            if n % 5000 == 4999:
                self.progress(40 + int(15 * n / len(rows)), _("Comparing students"))
            school = self.first_school(s)
            if school is None:
                continue
            match = existing.get(sid)
            if match is None and s.identifier and isinstance(school, int):
                match = self.made_by_hand(school).pop(s.identifier, None)
            if match is not None and not self.in_scope(match.school_id):
                self.plan.refuse(s.where, _("%(name)s: a student of another school.", name=s.name))
                continue
            label = f"{s.name}"
            if s.deleted:
                if match is not None and match.active:
                    self.ops.updates["students"].append({"id": match.id, "active": False})
                    self.plan.add("students", "deactivated", label, _("marked tobedeleted"))
                continue
            wanted = {
                "school_id": school,
                "first_name": s.given,
                "last_name": s.family,
                "grade": s.grade,
                "sis_id": s.identifier,
                "active": True,
            }
            if match is None:
                self.student_ref[sid] = New("student", sid)
                self.student_inserts[sid] = {"sourced_id": sid, **wanted}
                self.ops.inserts["students"].append(self.student_inserts[sid])
                self.plan.add(
                    "students",
                    "created",
                    label,
                    _(
                        "grade %(grade)s · %(school)s",
                        grade=s.grade,
                        school=self.school_names.get(school, ""),
                    )
                    if s.grade
                    else _(
                        "grade not given · %(school)s", school=self.school_names.get(school, "")
                    ),
                )
                continue
            self.student_ref[sid] = match.id
            self.students_db[sid] = match
            current = match._asdict()
            changes = _diff(current, {"sourced_id": sid, **wanted})
            if changes:
                self.ops.updates["students"].append({"id": match.id, **changes})
                self.plan.add("students", "updated", label, _describe(changes, current))
        if self.roster.full.get("students") and self.covered:
            for batch in chunks(sorted(self.covered), 500):
                gone = db.session.execute(
                    select(
                        Student.id, Student.first_name, Student.last_name, Student.sourced_id
                    ).where(
                        Student.school_id.in_(batch),
                        Student.sourced_id.is_not(None),
                        Student.active.is_(True),
                    )
                )
                for r in gone:
                    if r.sourced_id not in rows:
                        self.ops.updates["students"].append({"id": r.id, "active": False})
                        self.plan.add(
                            "students",
                            "deactivated",
                            f"{r.first_name} {r.last_name}",
                            _("not in the new file"),
                        )

    def made_by_hand(self, school_id: int) -> dict[str, Any]:
        """A school's students entered by hand (no sourcedId), by the school system's id: the
        import takes them over rather than making each child twice."""
        if school_id not in self.by_hand:
            rows = db.session.execute(
                select(*self.student_columns).where(
                    Student.school_id == school_id,
                    Student.sourced_id.is_(None),
                    Student.sis_id.is_not(None),
                )
            )
            self.by_hand[school_id] = {r.sis_id: r for r in rows}
        return self.by_hand[school_id]

    def enrollments(self) -> None:
        learning = [e for e in self.roster.enrollments if e.role == "student"]
        if not learning and not self.roster.full.get("enrollments"):
            return
        student_ids = [i for i in self.student_ref.values() if isinstance(i, int)]
        class_sid = {}
        current: dict[int, set[int]] = defaultdict(set)
        for batch in chunks(student_ids):
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
        wanted: dict[int | New, set] = defaultdict(set)
        dropped: dict[int | New, set] = defaultdict(set)
        for e in learning:
            if e.class_id not in self.class_ref:
                if e.class_id not in self.roster.classes and e.class_id not in self.classes_db:
                    self.plan.error(
                        e.where, _("class %(id)s is not in classes.csv.", id=e.class_id)
                    )
                continue
            if e.user_id not in self.student_ref:
                if not self._known_user(e.user_id):
                    self.plan.error(e.where, _("user %(id)s is not in users.csv.", id=e.user_id))
                continue
            (dropped if e.deleted else wanted)[self.student_ref[e.user_id]].add(
                self.class_ref[e.class_id]
            )
        names = {ref: self.roster.students[sid].name for sid, ref in self.student_ref.items()}
        titles = {ref: self.roster.classes[sid].title for sid, ref in self.class_ref.items()}
        for student, classes in wanted.items():
            have = current.get(student, set()) if isinstance(student, int) else set()
            for cls in sorted(classes - have, key=str):
                self.ops.inserts["enrollments"].append({"student_id": student, "class_id": cls})
                self.plan.add("enrollments", "created", f"{names[student]} · {titles[cls]}")
        if not self.roster.full.get("enrollments"):
            pairs = [(s, c) for s, cs in dropped.items() for c in cs if isinstance(s, int)]
        else:
            pairs = [
                (student, cls)
                for student in self.student_ref.values()
                if isinstance(student, int)
                for cls in current.get(student, ())
                # only classes an import manages, at a school this import covers
                if class_sid[cls][0] is not None
                and class_sid[cls][1] in self.covered
                and cls not in wanted.get(student, ())
            ]
        names_by_class = {v: k for k, v in self.class_ref.items()}
        for student, cls in pairs:
            if cls in current.get(student, ()):
                self.ops.deletes["enrollments"].append((student, cls))
                title = names_by_class.get(cls, class_sid.get(cls, ("",))[0])
                self.plan.add(
                    "enrollments", "deactivated", f"{names[student]} · {title}", _("left the class")
                )

    # ---- families and guardians ---------------------------------------------------------------

    def families(self) -> None:
        roster = self.roster
        students = [sid for sid in self.student_ref]
        guardians = {sid: g for sid, g in roster.guardians.items() if not g.deleted}
        cols = (
            Guardian.id,
            Guardian.sourced_id,
            Guardian.family_id,
            Guardian.name,
            Guardian.relationship_to_student,
            Guardian.phone,
            Guardian.email,
            Guardian.language,
        )
        # Guardians of the file, and those a delta file names without listing them again.
        named = {gid for sid in students for gid in roster.students[sid].agent_ids}
        wanted_ids = set(guardians) | (named - set(roster.students) - set(roster.teachers))
        known = {r.sourced_id: r for r in _rows_by(Guardian.sourced_id, wanted_ids, *cols)}
        # Students joined by the guardians they share: one family per connected group.
        parent: dict[str, str] = {}

        def find(x: str) -> str:
            while parent.setdefault(x, x) != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        links: dict[str, set[str]] = defaultdict(set)  # student → guardians
        for g in guardians.values():
            for s in g.agent_ids:
                if s in self.student_ref:
                    links[s].add(g.sourced_id)
        for sid in students:
            for gid in roster.students[sid].agent_ids:
                if gid in guardians or gid in known:
                    links[sid].add(gid)
                elif gid not in roster.students and gid not in roster.teachers:
                    self.plan.error(
                        roster.students[sid].where,
                        _("agentSourcedIds: %(id)s is not in users.csv.", id=gid),
                    )
        for sid in students:
            find(sid)
            for gid in links[sid]:
                parent[find(f"g:{gid}")] = find(sid)
        groups: dict[str, list[str]] = defaultdict(list)
        for sid in students:
            groups[find(sid)].append(sid)
        family_rows = {}
        family_ids = {r.family_id for r in known.values()} | {
            self.students_db[s].family_id
            for s in students
            if s in self.students_db and self.students_db[s].family_id
        }
        fam_cols = (
            Family.id,
            Family.name,
            Family.address_line1,
            Family.address_line2,
            Family.city,
            Family.postal_code,
            Family.home_language,
            Family.placeholder,
        )
        family_rows = {r.id: r for r in _rows_by(Family.id, family_ids, *fam_cols)}
        positions: dict[int, int] = {}
        for batch in chunks(sorted(family_ids)):
            positions.update(
                db.session.execute(
                    select(Guardian.family_id, func.max(Guardian.position))
                    .where(Guardian.family_id.in_(batch))
                    .group_by(Guardian.family_id)
                ).all()
            )
        placed: set[str] = set()
        new_families = 0
        for members in groups.values():
            gids = sorted({g for s in members for g in links[s]})
            family = next((known[g].family_id for g in gids if g in known), None)
            if family is None:
                family = next(
                    (
                        self.students_db[s].family_id
                        for s in members
                        if s in self.students_db and self.students_db[s].family_id
                    ),
                    None,
                )
            first = roster.students[members[0]]
            if family is None:
                family = New("family", new_families)
                new_families += 1
                household = first.household
                self.ops.inserts["families"].append(
                    {
                        "key": family,
                        "name": first.family,
                        "placeholder": not gids,
                        # None: unknown, for the coordinator to set (never a guessed English)
                        "home_language": household.get("home_language")
                        or self.guardian_language(gids),
                        **{k: v for k, v in household.items() if k != "home_language"},
                    }
                )
                self.plan.add(
                    "families",
                    "created",
                    family_label(first.family),
                    _("placeholder: to complete")
                    if not gids
                    else ngettext("%(num)d student", "%(num)d students", len(members)),
                )
            elif family in family_rows and (
                first.household or (family_rows[family].home_language is None and gids)
            ):
                current = family_rows[family]._asdict()
                wanted = dict(first.household)
                if current["home_language"] is None and "home_language" not in wanted:
                    wanted["home_language"] = self.guardian_language(gids)
                # A language the files do not give never replaces one (set by hand or before).
                if wanted.get("home_language") is None:
                    wanted.pop("home_language", None)
                changes = _diff(current, wanted)
                if changes:
                    self.ops.updates["families"].append({"id": family, **changes})
                    self.plan.add(
                        "families", "updated", current["name"], _describe(changes, current)
                    )
            for s in members:
                db_row = self.students_db.get(s)
                if db_row is None:
                    self.student_inserts[s]["family_id"] = family
                elif db_row.family_id is None:
                    self.ops.updates["students"].append({"id": db_row.id, "family_id": family})
            for gid in gids:
                if gid in placed:
                    continue
                placed.add(gid)
                if gid not in guardians:
                    continue  # known, not in this (delta) file: it only finds the family
                g = guardians[gid]
                wanted = {
                    "name": g.name[:200] or g.relationship or "Guardian",
                    "relationship_to_student": g.relationship,
                    "phone": g.phone,
                    "email": g.email,
                    "language": g.language,
                }
                match = known.get(gid)
                if match is None:
                    key = family if isinstance(family, int) else None
                    position = positions.get(key, -1) + 1 if key is not None else 0
                    if key is not None:
                        positions[key] = position
                    self.ops.inserts["guardians"].append(
                        {"sourced_id": gid, "family_id": family, "position": position, **wanted}
                    )
                    self.plan.add("guardians", "created", wanted["name"], g.relationship or "")
                    continue
                current = match._asdict()
                changes = _diff(current, wanted)
                if changes:
                    self.ops.updates["guardians"].append({"id": match.id, **changes})
                    self.plan.add(
                        "guardians", "updated", wanted["name"], _describe(changes, current)
                    )
        # Positions within a new family: in the order its guardians came.
        counters: dict[New, int] = defaultdict(int)
        for row in self.ops.inserts["guardians"]:
            if isinstance(row["family_id"], New):
                row["position"] = counters[row["family_id"]]
                counters[row["family_id"]] += 1
        for gid, g in guardians.items():
            if gid not in placed and not any(s in roster.students for s in g.agent_ids):
                if gid in known or not g.agent_ids:
                    continue
                self.plan.refuse(
                    g.where, _("%(name)s: none of their students is in this import.", name=g.name)
                )

    def guardian_language(self, gids: list[str]) -> str | None:
        """The family's language when only a guardian's row gave one."""
        guardians = self.roster.guardians
        return next(
            (guardians[g].language for g in gids if g in guardians and guardians[g].language), None
        )

    def run(self) -> Plan:
        self.progress(30, _("Comparing schools and teachers"))
        self.schools()
        self.teachers()
        self.progress(35, _("Comparing classes"))
        self.classes()
        self.teachers_of_record()
        self.progress(40, _("Comparing students"))
        self.students()
        self.progress(55, _("Comparing classes and families"))
        self.enrollments()
        self.families()
        self.progress(60, _("Plan ready"))
        return self.plan


def make_plan(
    roster: Roster,
    allowed: set[int] | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> Plan:
    """What importing ``roster`` would change; ``allowed``: the schools the importer may touch
    (None: every school, and new schools may be made)."""
    planner = Planner(roster, allowed, progress or (lambda pct, stage: None))
    plan = planner.run()
    plan.errors[:0] = roster.errors
    plan.warnings[:0] = roster.warnings
    return plan
