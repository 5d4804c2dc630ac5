"""What planning one import knows as it goes, shared by the kinds of row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fieldapp.roster.changes import New, Plan
from fieldapp.roster.rows import Roster


@dataclass
class Context:
    roster: Roster
    plan: Plan
    allowed: set[int] | None  # the schools the importer may touch; None: any, and new ones
    progress: Callable[[int, str], None]
    # The ids (or New references) each kind gives its rows, by the files' key, for the kinds
    # after it; a school's is None when its rows are refused.
    school_ref: dict[str, int | New | None] = field(default_factory=dict)
    teacher_ref: dict[str, int | New] = field(default_factory=dict)
    class_ref: dict[str, int | New] = field(default_factory=dict)
    student_ref: dict[str, int | New] = field(default_factory=dict)
    school_names: dict[int | New, str] = field(default_factory=dict)
    by_key: dict[str, Any] = field(default_factory=dict)  # stored schools by the files' key
    covered: set[int] = field(default_factory=set)  # existing schools whose full files deactivate
    classes_db: dict[str, Any] = field(default_factory=dict)  # stored classes, by sourcedId
    # Stored students by sourcedId, those taken over from a school's own list included.
    students_db: dict[str, Any] = field(default_factory=dict)
    student_inserts: dict[str, dict] = field(default_factory=dict)  # to give them a family

    def in_scope(self, school_id: int) -> bool:
        return self.allowed is None or school_id in self.allowed

    def known_user(self, sid: str) -> bool:
        r = self.roster
        return sid in r.students or sid in r.teachers or sid in r.guardians
