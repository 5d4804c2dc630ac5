"""Attendance in: a CSV of days enrolled and days absent per student and month, through the
roster import's flow (upload, dry run, per-line verdicts, apply in the background, all or
nothing).

Rules kept here:
- a row is (school code, the school system's student id, month): it matches the student the
  roster import made (``Student.sis_id`` at the school with that code) and the stored month by
  (student, school, month), so importing the same file again changes nothing and a corrected
  row updates in place; months a file leaves out are kept (files usually come a month at a time);
- a row that cannot be read (a bad month or number, absent > enrolled, a month twice, a month
  still to come) is a problem: nothing is imported until the file is fixed;
- a row for a school outside the importer's scope, a school or a student fieldapp does not
  know, is refused line by line and the rest goes on (a district's export lists every student,
  fieldapp only those of schools that use it).
"""

from __future__ import annotations

import calendar
import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from flask_babel import get_locale
from sqlalchemy import insert, select, tuple_, update

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.i18n import gettext as _
from fieldapp.i18n import lazy_gettext as _l
from fieldapp.models import AttendanceMonth, School, Student
from fieldapp.roster.parse import Where
from fieldapp.roster.plan import ACTIONS, Plan, chunks

TEMPLATE_NAME = "attendance-template.csv"
COLUMNS = ["school_code", "student_id", "month", "days_enrolled", "days_absent"]
KIND = "attendance"
KIND_LABELS = {KIND: _l("Attendance (student months)")}
MONTH = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")
DAYS = re.compile(r"^\d{1,3}(?:[.,]\d{1,6})?$")
TENTH = Decimal("0.1")


def is_attendance(files: dict[str, str]) -> bool:
    """One CSV whose header has ``days_absent``: the attendance template, not a roster."""
    if len(files) != 1:
        return False
    text = next(iter(files.values()))
    header = next(csv.reader(io.StringIO(text)), [])
    return "days_absent" in [h.strip().lower() for h in header]


def template_rows() -> tuple[list[str], list[list[str]]]:
    return COLUMNS, [
        ["LIN", "10234", "2026-09", "21", "2"],
        ["LIN", "10234", "2026-10", "22", "0.5"],
        ["LIN", "10577", "2026-09", "21", "4"],
    ]


@dataclass
class AttendancePlan(Plan):
    inserts: list[dict] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)
    unchanged: int = 0

    def summary(self, limit: int = 20) -> dict:
        return {**super().summary(limit), "unchanged": self.unchanged}


def _new_plan() -> AttendancePlan:
    return AttendancePlan(format=_("Attendance CSV"), changes={KIND: {a: [] for a in ACTIONS}})


@dataclass(frozen=True)
class Row:
    where: Where
    code: str
    student_id: str
    month: date
    enrolled: Decimal
    absent: Decimal


def _days(raw: str, column: str, where: Where, plan: Plan) -> Decimal | None:
    text = raw.strip()
    if not DAYS.match(text):
        plan.error(
            where,
            _("%(column)s: “%(value)s” is not a number of days.", column=column, value=raw[:20]),
        )
        return None
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern allows only digits
        return None
    if value != value.quantize(TENTH):
        plan.error(where, _("%(column)s: at most one decimal (half days: .5).", column=column))
        return None
    return value


def _month(raw: str, where: Where, plan: Plan) -> date | None:
    found = MONTH.match(raw.strip())
    if found:
        year, month, day = (int(g) if g else None for g in found.groups())
        try:
            date(year, month, day or 1)
        except ValueError:
            found = None
        else:
            return date(year, month, 1)
    plan.error(where, _("month: “%(value)s” is not a month; write it as 2026-09.", value=raw[:20]))
    return None


def _rows(name: str, text: str, plan: Plan, progress: Callable[[int, str], None]) -> list[Row]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        plan.error(Where(name, 1), _("Columns missing: %(columns)s.", columns=", ".join(missing)))
        return []
    index = {c: header.index(c) for c in COLUMNS}
    rows: list[Row] = []
    seen: dict[tuple[str, str, date], int] = {}
    progress(15, _("Reading attendance"))
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        plan.rows += 1
        value = {c: (cells[i].strip() if i < len(cells) else "") for c, i in index.items()}
        row = _row(Where(name, line), value, plan)
        if row is None:
            continue
        key = (row.code, row.student_id, row.month)
        if key in seen:
            plan.error(
                row.where,
                _(
                    "student %(id)s of %(school)s, %(month)s, is already on line %(line)s.",
                    id=row.student_id,
                    school=row.code,
                    month=month_label(row.month),
                    line=seen[key],
                ),
            )
            continue
        seen[key] = line
        rows.append(row)
    return rows


def _row(where: Where, value: dict[str, str], plan: Plan) -> Row | None:
    """One line's values read and checked; None (and a problem on the plan) if they are wrong."""
    empty = [c for c in COLUMNS if not value[c]]
    if empty:
        plan.error(where, _("Empty: %(columns)s.", columns=", ".join(empty)))
        return None
    if len(value["student_id"]) > 64 or len(value["school_code"]) > 50:
        plan.error(where, _("The school code or student id is too long."))
        return None
    month = _month(value["month"], where, plan)
    enrolled = _days(value["days_enrolled"], "days_enrolled", where, plan)
    absent = _days(value["days_absent"], "days_absent", where, plan)
    if month is None or enrolled is None or absent is None:
        return None
    if enrolled > calendar.monthrange(month.year, month.month)[1]:
        plan.error(
            where,
            _(
                "days_enrolled: %(value)s is more days than %(month)s has.",
                value=value["days_enrolled"],
                month=month_label(month),
            ),
        )
        return None
    if absent > enrolled:
        plan.error(where, _("days_absent is more than days_enrolled."))
        return None
    return Row(where, value["school_code"], value["student_id"], month, enrolled, absent)


def month_label(month: date) -> str:
    """ "Sep 2026", in the reader's language."""
    return format_skeleton("yMMM", month, locale=str(get_locale() or "en")).replace(".", "")


def make_plan(
    files: dict[str, str],
    school_ids: set[int] | None,
    progress: Callable[[int, str], None] | None = None,
) -> AttendancePlan:
    """What importing ``files`` would change, for someone who may import into ``school_ids``
    (None: any school). Reads the database, writes nothing."""
    progress = progress or (lambda pct, stage: None)
    plan = _new_plan()
    name, text = next(iter(files.items()))
    rows = _rows(name, text, plan, progress)
    if plan.errors:
        return plan
    progress(40, _("Matching students"))
    matched = _match(rows, school_ids, plan)
    if plan.errors:
        return plan
    progress(60, _("Comparing with what is stored"))
    _compare(matched, plan)
    return plan


Matched = tuple[Row, School, int, str]  # the row, its school, the student's id and name


def _students(schools: list[School]) -> dict[tuple[int, str], tuple[int, str]]:
    """The schools' students by (school id, the school system's id): (id, name)."""
    found = {}
    for batch in chunks(sorted(s.id for s in schools)):
        for id_, school_id, sis_id, first, last in db.session.execute(
            select(
                Student.id, Student.school_id, Student.sis_id, Student.first_name, Student.last_name
            ).where(Student.school_id.in_(batch), Student.sis_id.is_not(None))
        ):
            found[(school_id, sis_id)] = (id_, f"{first} {last}")
    return found


def _match(rows: list[Row], school_ids: set[int] | None, plan: Plan) -> list[Matched]:
    """Each row's school and student, or its refusal (or a problem: a month still to come)."""
    codes = {r.code for r in rows}
    schools = {s.code: s for s in db.session.scalars(select(School).where(School.code.in_(codes)))}
    students = _students(list(schools.values()))
    matched: list[Matched] = []
    for row in rows:
        school = schools.get(row.code)
        if school is None:
            plan.refuse(row.where, _("No school with the code %(code)s.", code=row.code))
        elif school_ids is not None and school.id not in school_ids:
            plan.refuse(
                row.where, _("%(school)s is not a school you import into.", school=school.name)
            )
        elif (found := students.get((school.id, row.student_id))) is None:
            plan.refuse(
                row.where,
                _(
                    "No student %(id)s at %(school)s: import the roster first.",
                    id=row.student_id,
                    school=school.name,
                ),
            )
        elif row.month > clock.today(ZoneInfo(school.timezone)).replace(day=1):
            plan.error(row.where, _("%(month)s has not begun yet.", month=month_label(row.month)))
        else:
            matched.append((row, school, *found))
    return matched


def _stored(matched: list[Matched]) -> dict[tuple[int, int, date], tuple[int, Decimal, Decimal]]:
    """The stored months of the rows, by (student, school, month): (id, enrolled, absent)."""
    stored = {}
    keys = sorted({(sid, school.id, row.month) for row, school, sid, _name in matched})
    a = AttendanceMonth
    for batch in chunks(keys, 2000):
        for id_, student_id, school_id, month, enrolled, absent in db.session.execute(
            select(a.id, a.student_id, a.school_id, a.month, a.days_enrolled, a.days_absent).where(
                tuple_(a.student_id, a.school_id, a.month).in_(batch)
            )
        ):
            stored[(student_id, school_id, month)] = (id_, Decimal(enrolled), Decimal(absent))
    return stored


def _compare(matched: list[Matched], plan: AttendancePlan) -> None:
    """New months to insert, changed ones to update, the rest counted as unchanged."""
    stored = _stored(matched)
    for row, school, student_id, student_name in matched:
        label = _(
            "%(name)s (%(id)s, %(school)s), %(month)s",
            name=student_name,
            id=row.student_id,
            school=school.code,
            month=month_label(row.month),
        )
        now = _(
            "%(enrolled)s days enrolled, %(absent)s absent",
            enrolled=_n(row.enrolled),
            absent=_n(row.absent),
        )
        before = stored.get((student_id, school.id, row.month))
        if before is None:
            plan.inserts.append(
                {
                    "student_id": student_id,
                    "school_id": school.id,
                    "month": row.month,
                    "days_enrolled": row.enrolled,
                    "days_absent": row.absent,
                }
            )
            plan.add(KIND, "created", label, now)
        elif (before[1], before[2]) != (row.enrolled, row.absent):
            plan.updates.append(
                {"id": before[0], "days_enrolled": row.enrolled, "days_absent": row.absent}
            )
            was = _("was %(enrolled)s and %(absent)s", enrolled=_n(before[1]), absent=_n(before[2]))
            plan.add(KIND, "updated", label, f"{now} ({was})")
        else:
            plan.unchanged += 1


def _n(value: Decimal) -> str:
    return f"{value.normalize():f}"


def apply(plan: AttendancePlan) -> None:
    """Write the plan inside the caller's transaction (it commits once: all or nothing)."""
    now = clock.now()
    for batch in chunks(plan.inserts, 5000):
        db.session.execute(
            insert(AttendanceMonth.__table__), [{**r, "updated_at": now} for r in batch]
        )
    for batch in chunks(plan.updates, 2000):
        db.session.execute(update(AttendanceMonth), [{**r, "updated_at": now} for r in batch])
    db.session.flush()
