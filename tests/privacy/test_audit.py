"""The audit trail for admins: search, pages, CSV export — and no way to change an event."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from fieldapp.models import AuditEvent, Role
from tests.factories import make_user
from tests.privacy.conftest import HX


def _event(db, action, *, at, actor=None, obj=("family", 1), success=True, **detail):
    event = AuditEvent(
        action=action,
        at=at,
        actor_id=actor.id if actor else None,
        object_type=obj[0] if obj else None,
        object_id=obj[1] if obj else None,
        success=success,
        detail=detail,
    )
    db.session.add(event)
    return event


@pytest.fixture
def trail(db):
    """Events long ago (January 2026, noon in Los Angeles), so the test's own sign-ins don't
    get in the way of date filters."""
    ana = make_user(Role.COORDINATOR, email="ana@school.example")
    ben = make_user(Role.VISITOR, email="ben@school.example")
    noon = datetime(2026, 1, 10, 20, tzinfo=UTC)  # 12:00 in Los Angeles
    _event(db, "family.view", at=noon, actor=ana, obj=("family", 7))
    _event(db, "family.update", at=noon + timedelta(days=1), actor=ana, obj=("family", 7))
    _event(db, "visit.view", at=noon + timedelta(days=2), actor=ben, obj=("visit", 3))
    _event(
        db,
        "access.refused",
        at=noon + timedelta(days=3),
        actor=ben,
        obj=None,
        success=False,
        status=404,
    )
    _event(db, "familyXview", at=noon + timedelta(days=4), obj=("family", 8))
    db.session.commit()
    return {"ana": ana, "ben": ben}


def _actions(response) -> list[str]:
    html = response.get_data(as_text=True)
    found = []
    for action in (
        "family.view",
        "family.update",
        "visit.view",
        "access.refused",
        "familyXview",
    ):
        marker = f"<code>{action}</code>"
        if marker in html:
            found.append((html.index(marker), action))
    return [a for _, a in sorted(found)]


def test_the_trail_lists_events_newest_first(client, admin, trail):
    response = client.get("/admin/privacy/audit?start=2026-01-01&end=2026-01-31")
    assert response.status_code == 200
    assert _actions(response) == [
        "familyXview",
        "access.refused",
        "visit.view",
        "family.update",
        "family.view",
    ]
    assert "5 events" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("action=family.", ["family.update", "family.view"]),  # a prefix; "." is no wildcard
        ("action=family_", []),  # and neither is "_"
        ("actor=ANA@school", ["family.update", "family.view"]),
        ("actor=ben@", ["access.refused", "visit.view"]),
        ("object_type=Visit", ["visit.view"]),
        ("object_type=family&object_id=8", ["familyXview"]),
        ("start=2026-01-11&end=2026-01-12", ["visit.view", "family.update"]),
        ("start=2026-01-13", ["familyXview", "access.refused"]),
        ("success=no", ["access.refused"]),
        ("success=yes&action=visit", ["visit.view"]),
    ],
)
def test_search_filters(client, admin, trail, query, expected):
    if "end=" not in query:
        query += "&end=2026-01-31"  # leave out the test's own sign-in events
    response = client.get(f"/admin/privacy/audit?{query}")
    assert response.status_code == 200
    assert _actions(response) == expected


def test_a_bad_filter_is_said_and_ignored(client, admin, trail):
    response = client.get("/admin/privacy/audit?start=yesterday&end=2026-01-31&object_id=x")
    assert response.status_code == 200
    assert "this filter is ignored" in response.get_data(as_text=True)
    assert len(_actions(response)) == 5


def test_pages_of_fifty(db, client, admin):
    start = datetime(2025, 3, 1, 12, tzinfo=UTC)
    for n in range(120):
        _event(db, f"load.{n:03}", at=start + timedelta(minutes=n))
    db.session.commit()
    first = client.get("/admin/privacy/audit?action=load.").get_data(as_text=True)
    assert "120 events" in first and "page 1 of 3" in first
    assert first.count("<code>load.") == 50
    assert first.index("load.119") < first.index("load.070")  # newest first
    assert "load.069" not in first
    last = client.get("/admin/privacy/audit?action=load.&page=3").get_data(as_text=True)
    assert last.count("<code>load.") == 20 and "load.019" in last and "load.020" not in last


def test_htmx_search_gets_only_the_results(client, admin, trail):
    response = client.get("/admin/privacy/audit?action=visit&end=2026-01-31", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="results"') and "<h1>" not in html
    assert _actions(response) == ["visit.view"]
    assert "HX-Request" in response.headers["Vary"]


def test_csv_exports_the_same_filter_and_is_audited(db, client, admin, trail):
    response = client.get("/admin/privacy/audit.csv?actor=ana@&end=2026-01-31")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")  # UTF-8's byte order mark, for Excel
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [r["action"] for r in rows] == ["family.update", "family.view"]
    assert rows[0]["actor_email"] == "ana@school.example" and rows[0]["object_id"] == "7"
    assert rows[0]["at_utc"].startswith("2026-01-11T20:00") and rows[0]["success"] == "1"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit.export"))
    assert event.actor_id == admin.id
    assert event.detail["filters"] == {"actor": "ana@", "end": "2026-01-31"}


def test_csv_without_a_person_filter_has_each_event_once_with_its_actor(db, client, admin, trail):
    """The people are joined for the export only (the page's count reads the events alone):
    each event one row, the system's with no email."""
    body = client.get("/admin/privacy/audit.csv?end=2026-01-31").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [(r["action"], r["actor_email"]) for r in rows] == [
        ("familyXview", ""),
        ("access.refused", "ben@school.example"),
        ("visit.view", "ben@school.example"),
        ("family.update", "ana@school.example"),
        ("family.view", "ana@school.example"),
    ]


def test_csv_cells_never_run_as_formulas(db, client, admin):
    _event(db, "=HYPERLINK(1)", at=datetime(2025, 1, 1, tzinfo=UTC), note="-2+3")
    db.session.commit()
    body = client.get("/admin/privacy/audit.csv?action==HYP").get_data(as_text=True)
    row = list(csv.DictReader(io.StringIO(body)))[0]
    assert row["action"] == "'=HYPERLINK(1)"


def test_csv_asks_for_the_password_again_when_the_sign_in_is_old(db, client, admin, trail):
    with client.session_transaction() as session:
        session["auth_at"] = time.time() - 3600
    response = client.get("/admin/privacy/audit.csv?action=family.")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/reauthenticate")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit.export")) is None


def test_no_route_edits_or_deletes_an_event(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin/privacy/audit"):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule.rule
