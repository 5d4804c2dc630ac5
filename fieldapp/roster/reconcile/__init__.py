"""A roster against the database, one module per kind of row, each over the same step.

``reconcile(rows, existing, key, wanted)`` takes a file's rows of one kind and the stored rows
they may match, and says for each row: create it, update what differs, deactivate it (a row
marked ``tobedeleted``), or nothing to do. Each kind's module says how its rows are matched
(``key``), refused (``wanted`` returns None, having said why) and written (``record``):
``schools``, ``teachers``, ``classes``, ``students``, ``links`` (who teaches and who attends a
class) and ``families`` (with their guardians). ``Context`` carries what the kinds before
give the kinds after (the ids or ``New`` references of their rows); ``plan.py`` runs them in
order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.i18n import gettext as _
from fieldapp.roster.changes import Plan, chunks, describe


class _Gone:
    def __repr__(self) -> str:
        return "GONE"


# What ``wanted`` returns for a row marked tobedeleted: its match, when active, is deactivated.
GONE: Any = _Gone()


@dataclass(slots=True)
class Step:
    row: Any
    key: Any
    match: Any  # the stored row (the selected columns), None: a new row
    action: str  # "created", "updated", "deactivated", or "kept" (nothing to change)
    values: dict  # created: the new row's values; updated: those that change
    current: dict  # updated: the stored values


def reconcile(
    rows: Iterable,
    existing: Mapping,
    key: Callable[[Any], Any],
    wanted: Callable[[Any, Any], dict | None],
) -> Iterator[Step]:
    """Each of ``rows`` against ``existing[key(row)]``, its stored row (none: a new row).
    ``wanted(row, match)`` gives what the stored row should hold (a new row: all its values),
    or None to leave the row out (a refusal or an error, which ``wanted`` reports), or GONE.
    Yields a step for every row not left out, in order: kept rows too, so that the caller
    learns their ids."""
    for row in rows:
        k = key(row)
        match = existing.get(k)
        values = wanted(row, match)
        if values is None:
            continue
        if values is GONE:
            if match is not None and match.active:
                yield Step(row, k, match, "deactivated", {"active": False}, {})
        elif match is None:
            yield Step(row, k, None, "created", values, {})
        elif values:
            current = match._asdict()
            changes = {k: v for k, v in values.items() if current.get(k) != v}
            yield Step(row, k, match, "updated" if changes else "kept", changes, current)
        else:
            yield Step(row, k, match, "kept", {}, {})


def record(
    plan: Plan, kind: str, step: Step, label: str, detail: str = "", table: str = ""
) -> None:
    """A step into the plan: the row operation ``apply.py`` writes (to ``table``, by default
    the kind's), and the line people read (``detail``: what a new row is)."""
    table = table or kind
    if step.action == "created":
        plan.ops.inserts[table].append(step.values)
        plan.add(kind, "created", label, detail)
    elif step.action == "updated":
        plan.ops.updates[table].append({"id": step.match.id, **step.values})
        plan.add(kind, "updated", label, describe(step.values, step.current))
    elif step.action == "deactivated":
        plan.ops.updates[table].append({"id": step.match.id, "active": False})
        plan.add(kind, "deactivated", label, _("marked tobedeleted"))


def deactivate_absent(
    plan: Plan, kind: str, stored: Iterable, listed: Mapping, label: Callable[[Any], str]
) -> None:
    """A full file's rule: a stored row an import made (one with a sourcedId) that the file no
    longer lists becomes inactive, never deleted."""
    for r in stored:
        if r.sourced_id not in listed:
            plan.ops.updates[kind].append({"id": r.id, "active": False})
            plan.add(kind, "deactivated", label(r), _("not in the new file"))


def rows_by(column, values: Iterable, *columns) -> list:
    """The stored rows whose ``column`` is one of ``values``: a query per chunk of ids, never
    one per row."""
    rows = []
    for batch in chunks(sorted(set(values))):
        rows.extend(db.session.execute(select(*columns).where(column.in_(batch))).all())
    return rows
