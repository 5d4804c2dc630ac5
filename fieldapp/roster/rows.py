"""What a roster upload is read into, whatever its format: typed rows, each with its file and
line, and the problems found on the way. ``parse.py`` fills a ``Roster``; ``plan.py`` compares
it with the database. Nothing here reads a file or touches the database."""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("schools", "teachers", "classes", "students", "guardians", "enrollments")


class UploadError(Exception):
    """The upload as a whole cannot be read (not a zip or CSV, empty, too large)."""


@dataclass(frozen=True)
class LineError:
    file: str
    line: int  # 1 is the header; 0: the file as a whole
    message: str

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "message": self.message}


@dataclass(frozen=True)
class Where:
    file: str
    line: int


@dataclass
class OrgRow:
    sourced_id: str
    name: str
    code: str
    where: Where
    deleted: bool = False


@dataclass
class PersonRow:
    sourced_id: str
    given: str
    family: str
    role: str  # "student", "teacher" or "guardian" (the kind, not OneRoster's exact word)
    where: Where
    relationship: str | None = None  # a guardian's OneRoster role or the template's word
    email: str | None = None
    phone: str | None = None
    language: str | None = None
    identifier: str | None = None  # the school system's student id
    grade: str | None = None
    org_ids: list[str] = field(default_factory=list)
    agent_ids: list[str] = field(default_factory=list)
    deleted: bool = False
    # The template's household details (OneRoster has none): applied to the student's family.
    household: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.given} {self.family}".strip()


@dataclass
class ClassRow:
    sourced_id: str
    title: str
    grade: str | None
    school_id: str
    where: Where
    deleted: bool = False


@dataclass
class EnrollmentRow:
    class_id: str
    user_id: str
    role: str
    where: Where
    deleted: bool = False


@dataclass
class Roster:
    format: str = ""
    # Per kind: True for a full (bulk) file, where what is absent is gone.
    full: dict[str, bool] = field(default_factory=dict)
    # "sourced_id" (OneRoster: schools by their sourcedId) or "code" (the template).
    school_key: str = "sourced_id"
    schools: dict[str, OrgRow] = field(default_factory=dict)
    # Orgs that are not schools (districts, departments…), by sourcedId: (type, name).
    other_orgs: dict[str, tuple[str, str]] = field(default_factory=dict)
    students: dict[str, PersonRow] = field(default_factory=dict)
    teachers: dict[str, PersonRow] = field(default_factory=dict)
    guardians: dict[str, PersonRow] = field(default_factory=dict)
    classes: dict[str, ClassRow] = field(default_factory=dict)
    enrollments: list[EnrollmentRow] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    rows: int = 0

    # What was left out or read as less than it said; the import goes on.
    warnings: list[LineError] = field(default_factory=list)

    def error(self, where: Where | str, message: str, line: int | None = None) -> None:
        if isinstance(where, Where):
            self.errors.append(LineError(where.file, where.line, message))
        else:
            self.errors.append(LineError(where, line or 0, message))

    def warn(self, where: Where, message: str) -> None:
        self.warnings.append(LineError(where.file, where.line, message))
