"""Sync test helpers: a visit waiting for its reflection, and items as a phone makes them."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from fieldapp.models import VisitMode, VisitStatus
from tests.factories import make_school, make_visit


def happened_visit(school=None, **kw):
    """A visit that happened an hour ago, waiting for its reflection."""
    return make_visit(
        school or make_school(),
        status=VisitStatus.SCHEDULED,
        mode=VisitMode.HOME,
        scheduled_start=datetime.now(UTC) - timedelta(hours=1),
        family_agreed_at=datetime.now(UTC) - timedelta(days=2),
        **kw,
    )


def reflection_item(visit, item_id=None, **data):
    return {
        "id": item_id or str(uuid.uuid4()),
        "kind": "reflection",
        "visit_id": visit.id,
        "written_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        "data": {
            "hopes_and_dreams": "To be a vet",
            "strengths": "Grandma's stories",
            "duration_minutes": "40",
            "private_note": "Only for us",
            "follow_ups-0-text": "",
            "follow_ups-0-due_on": "",
            **data,
        },
    }


def contact_item(visit, item_id=None, **data):
    return {
        "id": item_id or str(uuid.uuid4()),
        "kind": "contact",
        "visit_id": visit.id,
        "written_at": (datetime.now(UTC) - timedelta(minutes=30)).isoformat(),
        "data": {"method": "call", "outcome": "no_answer", "note": "", **data},
    }


@pytest.fixture
def send(client):
    def send(*items, via=None):
        return (via or client).post("/sync", json={"items": list(items)})

    return send


def due(days: int = 7) -> str:
    return (date.today() + timedelta(days=days)).isoformat()
