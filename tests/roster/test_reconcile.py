"""The step every kind of row shares, on plain rows: create, update what differs, deactivate,
keep, or leave out."""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass

from fieldapp.roster.reconcile import GONE, reconcile

Stored = namedtuple("Stored", "id sourced_id name active")


@dataclass
class Row:
    sourced_id: str
    name: str
    deleted: bool = False


def _wanted(row: Row, match) -> dict | None:
    if row.name == "refused":
        return None
    if row.deleted:
        return GONE
    return {"sourced_id": row.sourced_id, "name": row.name, "active": True}


def test_each_row_is_created_updated_kept_deactivated_or_left_out():
    existing = {
        "A": Stored(1, "A", "Ana", True),
        "B": Stored(2, "B", "Bea", True),
        "C": Stored(3, "C", "Cy", True),
        "D": Stored(4, "D", "Dee", False),
    }
    rows = [
        Row("A", "Ana"),
        Row("B", "Beatriz"),
        Row("C", "Cy", deleted=True),
        Row("D", "Dee", deleted=True),  # already inactive: nothing to do
        Row("E", "Eve"),
        Row("F", "refused"),
        Row("G", "Gus", deleted=True),  # never stored: nothing to do
    ]
    steps = list(reconcile(rows, existing, lambda r: r.sourced_id, _wanted))
    assert [(s.key, s.action, s.values) for s in steps] == [
        ("A", "kept", {}),
        ("B", "updated", {"name": "Beatriz"}),
        ("C", "deactivated", {"active": False}),
        ("E", "created", {"sourced_id": "E", "name": "Eve", "active": True}),
    ]
    assert steps[1].current == {"id": 2, "sourced_id": "B", "name": "Bea", "active": True}
    assert steps[1].match is existing["B"] and steps[3].match is None


def test_the_key_finds_the_stored_row():
    existing = {"old-id": Stored(1, None, "Ana", True)}
    steps = reconcile([Row("A", "Ana")], existing, lambda r: "old-id", _wanted)
    assert [(s.action, s.values) for s in steps] == [("updated", {"sourced_id": "A"})]
