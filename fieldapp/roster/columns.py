"""The columns of every roster file, declared once, and the checks made against them.

A ``Column`` says what a file's header calls it, whether the header must have it, the most
characters a value may have (the database's limit: more is an error on the line, never a cut)
and how its text is read. ``read_table`` checks a file's header against its columns; ``needed``
and ``fits`` check a row's values: each problem has one message, whatever the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fieldapp.i18n import gettext as _
from fieldapp.i18n import ngettext
from fieldapp.phones import e164_or_as_written
from fieldapp.roster.rows import Roster, Where

# ---- reading a value ----------------------------------------------------------------------------


def ids(value: str) -> list[str]:
    if "," not in value:  # most cells hold one id or none
        value = value.strip()
        return [value] if value else []
    return [v.strip() for v in value.split(",") if v.strip()]


def grade(value: str) -> str | None:
    first = (ids(value) or [""])[0].upper()
    if not first:
        return None
    if first in {"KG", "K", "00"}:
        return "K"
    if first.isascii() and first.isdigit():
        return str(int(first))
    return first[:10]


def phone(value: str) -> str | None:
    """E.164 when it is a real number; otherwise as written (shown as typed)."""
    return e164_or_as_written(value)


def email(value: str) -> str | None:
    value = value.strip().lower()
    return value if value and "@" in value else None


@dataclass(frozen=True)
class Column:
    name: str  # as the header writes it; matched without case
    required: bool = False  # the header must have it
    length: int | None = None  # the most characters a value may have
    parser: Callable[[str], Any] | None = None  # the value the rows hold, from the text
    label: str = ""  # what messages call it, when not its name
    key: str = field(init=False, repr=False)  # the name, lower-cased: the rows' key

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", self.name.lower())

    def read(self, row: dict[str, str]) -> Any:
        value = row.get(self.key, "")
        return self.parser(value) if self.parser else value


# ---- the files ----------------------------------------------------------------------------------

SOURCED_ID = Column("sourcedId", required=True, length=255)
STATUS = Column("status")  # active (or empty) or tobedeleted: see ``status``
MANIFEST = (Column("propertyName", required=True), Column("value", required=True))

ORG_NAME = Column("name", required=True, length=200)
ORG_TYPE = Column("type", required=True)
ORGS = (SOURCED_ID, ORG_NAME, ORG_TYPE, Column("identifier"))

# The length messages of a person's names have always said "given" and "family".
GIVEN = Column("givenName", required=True, length=100, label="given")
FAMILY = Column("familyName", required=True, length=100, label="family")
EMAIL = Column("email", length=254, parser=email)
USERNAME = Column("username", parser=email)  # a staff member's email, when email is empty
IDENTIFIER = Column("identifier", length=64)  # a student's id in the school's system
GRADES = Column("grades", parser=grade)
ORG_IDS = Column("orgSourcedIds", parser=ids)
AGENT_IDS = Column("agentSourcedIds", parser=ids)
USERS = (SOURCED_ID, GIVEN, FAMILY, EMAIL, USERNAME, IDENTIFIER, GRADES, ORG_IDS, AGENT_IDS)

ROLE_USER = Column("userSourcedId", required=True)
ROLES = (ROLE_USER, Column("role", required=True), Column("orgSourcedId", required=True))

TITLE = Column("title", required=True, length=200)
CLASS_SCHOOL = Column("schoolSourcedId", required=True)
CLASSES = (SOURCED_ID, TITLE, CLASS_SCHOOL, GRADES)

ENROLLED_CLASS = Column("classSourcedId", required=True)
ENROLLED_USER = Column("userSourcedId", required=True)
ENROLLMENTS = (ENROLLED_CLASS, ENROLLED_USER, Column("role", required=True))

DEMOGRAPHICS = (SOURCED_ID,)  # only a vendor's language column is read

# The plain CSV template, one row per student; its guardians in numbered columns.
TEMPLATE_GUARDIANS = 2
GUARDIAN_PARTS = ("name", "relationship", "phone", "email", "language")
STUDENT_ID = Column("student_id", required=True, length=64)
FIRST_NAME = Column("first_name", required=True, length=100, label="given")
LAST_NAME = Column("last_name", required=True, length=100, label="family")
TEMPLATE_REQUIRED = (
    STUDENT_ID,
    FIRST_NAME,
    LAST_NAME,
    Column("grade", required=True, parser=grade),
    Column("school_code", required=True),
)
POSTAL_CODE = Column("postal_code", length=20)
# The household's address: a longer value is cut to what the family's columns hold.
ADDRESS = {"address_line1": 200, "address_line2": 200, "city": 100, "postal_code": 200}
TEMPLATE = (
    *TEMPLATE_REQUIRED,
    Column("home_language"),
    Column("address_line1"),
    Column("address_line2"),
    Column("city"),
    POSTAL_CODE,
    *(
        Column(f"guardian{n}_{part}")
        for n in range(1, TEMPLATE_GUARDIANS + 1)
        for part in GUARDIAN_PARTS
    ),
)


# ---- the checks ---------------------------------------------------------------------------------


@dataclass
class Table:
    name: str
    header: dict[str, str]  # lower-cased → as written
    rows: list[tuple[int, dict[str, str]]]


def read_table(name: str, text: str, roster: Roster, columns: tuple[Column, ...]) -> Table | None:
    """A file's rows, keyed by lower-cased column; None (an error) when its header lacks a
    required column or the file is no CSV. Blank lines are skipped."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            roster.error(name, _("The file is empty: it needs a header line."), 1)
            return None
        names = [h.strip() for h in header]
        lower = {h.lower(): h for h in names}
        missing = [c.name for c in columns if c.required and c.key not in lower]
        if missing:
            roster.error(
                name,
                ngettext(
                    "Missing column: %(columns)s.",
                    "Missing columns: %(columns)s.",
                    len(missing),
                    columns=", ".join(missing),
                ),
                1,
            )
            return None
        rows = _rows(name, reader, [n.lower() for n in names], roster)
    except csv.Error as exc:
        roster.error(name, _("Not readable as CSV: %(problem)s.", problem=exc), reader.line_num)
        return None
    roster.rows += len(rows)
    return Table(name, lower, rows)


def _rows(name: str, reader, keys: list[str], roster: Roster) -> list:
    rows = []
    width = len(keys)
    for values in reader:
        line = reader.line_num
        if len(values) != width:
            if not any(v.strip() for v in values):
                continue
            if len(values) > width:
                roster.error(
                    name,
                    _(
                        "%(values)d values for %(columns)d columns.",
                        values=len(values),
                        columns=width,
                    ),
                    line,
                )
                continue
        stripped = [v.strip() for v in values]
        if len(stripped) < width:
            stripped += [""] * (width - len(stripped))
        if any(stripped):
            rows.append((line, dict(zip(keys, stripped, strict=True))))
    return rows


def status(row: dict[str, str], roster: Roster, where: Where) -> bool | None:
    """True for a row marked ``tobedeleted``; None (an error) for an unknown status."""
    value = row.get(STATUS.key, "").lower()
    if value in ("", "active"):
        return False
    if value == "tobedeleted":
        return True
    roster.error(
        where,
        _("status must be active or tobedeleted, not “%(status)s”.", status=row.get("status")),
    )
    return None


def needed(roster: Roster, where: Where, row: dict[str, str], *columns: Column) -> bool:
    """False, with one error on the line, when the row leaves any of ``columns`` empty: a
    column alone is "empty", a pair is "both needed", more are listed."""
    for c in columns:
        if not row.get(c.key):
            break
    else:
        return True
    empty = [c.name for c in columns if not row.get(c.key)]
    if len(columns) == 1:
        message = _("%(column)s is empty.", column=columns[0].name)
    elif len(columns) == 2:
        message = _(
            "%(first)s and %(second)s are both needed.",
            first=columns[0].name,
            second=columns[1].name,
        )
    else:
        message = _("Empty: %(columns)s.", columns=", ".join(empty))
    roster.error(where, message)
    return False


def fits(roster: Roster, where: Where, *values: tuple[Column, str | None]) -> bool:
    """False, with an error for each, when a value is longer than its column allows."""
    ok = True
    for column, value in values:
        if value and len(value) > column.length:
            roster.error(
                where,
                _(
                    "%(column)s is longer than %(num)d characters.",
                    column=column.label or column.name,
                    num=column.length,
                ),
            )
            ok = False
    return ok
