"""What an import would change: the plan the pages and the command line show (``Change`` items
per kind and action, refusals, errors, warnings) and the row operations ``apply.py`` writes
(``Ops``), with ``New`` standing for a row not inserted yet."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from fieldapp.i18n import lazy_gettext as _l
from fieldapp.roster.rows import LineError, Where

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


def describe(changes: dict, current: dict) -> str:
    """What an update changes, as the plan's examples show it: "Grade: 3 → 4"."""
    return "; ".join(
        f"{FIELD_LABELS.get(k, k)}: {current.get(k) or '—'} → {v if v is not None else '—'}"
        for k, v in changes.items()
        if k not in ("sourced_id",)
    )
