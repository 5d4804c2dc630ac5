"""A roster against the database: what an import would create, update, deactivate and refuse.

Everything the import touches is loaded up front, by ``sourcedId``, in a few queries (lists of
ids in chunks), so that 30,000 rows cost a few dozen statements, not one per row. The plan holds
both what to show (``Change`` items per kind) and what to write (``Ops``; see ``changes.py``);
``apply.py`` writes it. Each kind of row has its module in ``reconcile/``, over one shared step.

The rules, each in its kind's module:
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

from collections.abc import Callable

from fieldapp.i18n import gettext as _
from fieldapp.roster.changes import (
    ACTIONS,
    CHUNK,
    FIELD_LABELS,
    KIND_LABELS,
    Change,
    New,
    Ops,
    Plan,
    Refusal,
    chunks,
    describe,
)
from fieldapp.roster.reconcile.classes import plan_classes
from fieldapp.roster.reconcile.context import Context
from fieldapp.roster.reconcile.families import plan_families
from fieldapp.roster.reconcile.links import plan_enrollments, plan_teachers_of_record
from fieldapp.roster.reconcile.schools import plan_schools
from fieldapp.roster.reconcile.students import plan_students
from fieldapp.roster.reconcile.teachers import plan_teachers
from fieldapp.roster.rows import Roster

__all__ = [
    "ACTIONS",
    "CHUNK",
    "FIELD_LABELS",
    "KIND_LABELS",
    "Change",
    "New",
    "Ops",
    "Plan",
    "Refusal",
    "chunks",
    "describe",
    "make_plan",
]


def make_plan(
    roster: Roster,
    allowed: set[int] | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> Plan:
    """What importing ``roster`` would change; ``allowed``: the schools the importer may touch
    (None: every school, and new schools may be made)."""
    progress = progress or (lambda pct, stage: None)
    plan = Plan(format=roster.format, rows=roster.rows)
    ctx = Context(roster, plan, allowed, progress)
    # Each kind refers to the rows of the kinds before it: schools first, families last.
    progress(30, _("Comparing schools and teachers"))
    plan_schools(ctx)
    plan_teachers(ctx)
    progress(35, _("Comparing classes"))
    plan_classes(ctx)
    plan_teachers_of_record(ctx)
    progress(40, _("Comparing students"))
    plan_students(ctx)
    progress(55, _("Comparing classes and families"))
    plan_enrollments(ctx)
    plan_families(ctx)
    progress(60, _("Plan ready"))
    plan.errors[:0] = roster.errors
    plan.warnings[:0] = roster.warnings
    return plan
