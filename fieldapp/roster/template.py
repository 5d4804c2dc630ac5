"""Our plain CSV template, for schools without OneRoster: one row per student, its household and
up to two guardians. Students are keyed by school code and student id; siblings who share a
guardian's email or phone share that guardian."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from fieldapp.i18n import gettext as _
from fieldapp.roster import columns as col
from fieldapp.roster.columns import fits, needed, read_table
from fieldapp.roster.languages import language_code
from fieldapp.roster.rows import PersonRow, Roster, Where

TEMPLATE_NAME = "roster-template.csv"
TEMPLATE_GUARDIANS = col.TEMPLATE_GUARDIANS
TEMPLATE_COLUMNS = [c.name for c in col.TEMPLATE]
TEMPLATE_REQUIRED = [c.name for c in col.TEMPLATE_REQUIRED]
EXAMPLE = {
    "student_id": "10234",
    "first_name": "Ana",
    "last_name": "Lopez",
    "grade": "3",
    "school_code": "LIN",
    "home_language": "es",
    "address_line1": "12 Oak St",
    "city": "Oakland",
    "postal_code": "94601",
    "guardian1_name": "Rosa Lopez",
    "guardian1_relationship": "mother",
    "guardian1_phone": "(510) 555-0123",
    "guardian1_email": "rosa@example.org",
    "guardian1_language": "es",
}


def read(name: str, text: str, roster: Roster, progress: Callable) -> None:
    roster.format = _("CSV template")
    roster.school_key = "code"
    table = read_table(name, text, roster, col.TEMPLATE)
    if table is None:
        return
    progress(15, _("Reading students"))
    seen: dict[str, int] = {}
    for line, row in table.rows:
        where = Where(name, line)
        student = _student(row, where, roster, seen)
        if student is not None:
            _guardians(row, where, roster, student)
            roster.students[student.sourced_id] = student


def _student(
    row: dict[str, str], where: Where, roster: Roster, seen: dict[str, int]
) -> PersonRow | None:
    if not needed(roster, where, row, *col.TEMPLATE_REQUIRED):
        return None
    code, student_id = row["school_code"], row["student_id"]
    sid = f"csv:{code}:{student_id}"
    if sid in seen:
        roster.error(
            where,
            _(
                "student %(id)s of %(school)s is already on line %(line)s.",
                id=student_id,
                school=code,
                line=seen[sid],
            ),
        )
        return None
    seen[sid] = where.line
    given, family = row["first_name"], row["last_name"]
    if not fits(
        roster, where, (col.FIRST_NAME, given), (col.LAST_NAME, family), (col.SOURCED_ID, sid)
    ):
        return None
    if not fits(roster, where, (col.STUDENT_ID, student_id)):
        return None
    student = PersonRow(
        sourced_id=sid,
        given=given,
        family=family,
        role="student",
        where=where,
        identifier=student_id,
        grade=col.grade(row["grade"]),
        org_ids=[code],
        household={k: row[k][:most] for k, most in col.ADDRESS.items() if row.get(k)},
    )
    if row.get("home_language"):
        language = language_code(row["home_language"])
        if language is None:
            roster.warn(
                where,
                _(
                    "home_language: “%(value)s” is no language we know; the language "
                    "stays unknown.",
                    value=row["home_language"][:40],
                ),
            )
        else:
            student.household["home_language"] = language
    if not fits(roster, where, (col.POSTAL_CODE, student.household.get("postal_code"))):
        return None
    return student


def _guardians(row: dict[str, str], where: Where, roster: Roster, student: PersonRow) -> None:
    """The row's guardians, linked to the student; one that cannot be read is an error on the
    line (the student and the other guardian are read all the same)."""
    sid = student.sourced_id
    for n in range(1, TEMPLATE_GUARDIANS + 1):
        g = {part: row.get(f"guardian{n}_{part}", "") for part in col.GUARDIAN_PARTS}
        if not any(g.values()):
            continue
        if not g["name"]:
            roster.error(
                where,
                _(
                    "%(column)s is empty but guardian%(n)d has details.",
                    column=f"guardian{n}_name",
                    n=n,
                ),
            )
            continue
        email, phone = col.email(g["email"]), col.phone(g["phone"])
        if g["email"] and email is None:
            roster.error(
                where, _("%(column)s is not an email address.", column=f"guardian{n}_email")
            )
            continue
        # Siblings share a guardian: the same email or phone is the same person.
        key = f"csv:{email or phone}" if (email or phone) else f"{sid}:g{n}"
        guardian = roster.guardians.get(key)
        if guardian is None:
            guardian = roster.guardians[key] = PersonRow(
                sourced_id=key,
                given=g["name"][:200],
                family="",
                role="guardian",
                where=where,
                relationship=g["relationship"][:50] or None,
                email=email,
                phone=phone,
                language=language_code(g["language"]),
            )
        guardian.agent_ids.append(sid)
        student.agent_ids.append(key)


def template_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TEMPLATE_COLUMNS)
    writer.writerow([EXAMPLE.get(c, "") for c in TEMPLATE_COLUMNS])
    return out.getvalue()
