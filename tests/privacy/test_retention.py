"""Retention: the district's settings, and ``flask purge`` applying them."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from fieldapp.models import AuditEvent, PrivateNote, Reflection, Setting, Visit, VisitStatus
from fieldapp.privacy import services
from tests.factories import make_visit
from tests.privacy.conftest import _complete


def _setting(db, key):
    setting = db.session.get(Setting, key)
    return setting.value if setting else None


def test_admins_set_how_long_records_are_kept(db, client, admin):
    page = client.get("/admin/privacy/settings")
    assert page.status_code == 200 and "Keep reflections for (years)" in page.get_data(as_text=True)
    response = client.post(
        "/admin/privacy/settings",
        data={"reflection_retention_years": "5", "audit_retention_days": "730"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert _setting(db, "reflection_retention_years") == "5"
    assert _setting(db, "audit_retention_days") == "730"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.retention"))
    assert event.detail == {"reflection_years": 5, "audit_days": 730}
    assert 'value="730"' in client.get("/admin/privacy/settings").get_data(as_text=True)
    # Empty: kept for ever.
    client.post("/admin/privacy/settings", data={})
    db.session.expire_all()
    assert services.retention() == services.Retention(None, None)


@pytest.mark.parametrize(
    "data",
    [
        {"audit_retention_days": "7"},
        {"reflection_retention_years": "0"},
        {"audit_retention_days": "x"},
    ],
)
def test_a_retention_out_of_range_is_refused(db, client, admin, data):
    response = client.post("/admin/privacy/settings", data=data)
    assert response.status_code == 422
    assert db.session.get(Setting, "audit_retention_days") is None


def test_changing_retention_asks_for_the_password_again(db, client, admin):
    with client.session_transaction() as session:
        session["auth_at"] = time.time() - 3600
    response = client.post("/admin/privacy/settings", data={"audit_retention_days": "365"})
    assert response.status_code == 302 and "/reauthenticate" in response.headers["Location"]
    assert db.session.get(Setting, "audit_retention_days") is None


@pytest.fixture
def aged(db):
    """Reflections of 1, 3 and 6 years ago; audit events of 10, 100 and 1000 days ago."""
    now = datetime.now(UTC)
    for years in (1, 3, 6):
        visit = make_visit()
        _complete(db, visit, hopes=f"{years} years", note=f"note {years}", days_ago=365 * years)
    for days in (10, 100, 1000):
        db.session.add(AuditEvent(action=f"old.{days}", at=now - timedelta(days=days)))
    db.session.commit()


def _left(db):
    db.session.expire_all()
    return (
        sorted(db.session.scalars(select(Reflection.hopes_and_dreams))),
        sorted(db.session.scalars(select(PrivateNote.text))),
        sorted(
            db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("old.%")))
        ),
    )


def test_purge_keeps_everything_when_nothing_is_set(db, runner, aged):
    before = _left(db)
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Reflections: kept for ever" in result.output
    assert "Audit trail: kept for ever" in result.output
    assert _left(db) == before


def test_purge_dry_run_prints_and_deletes_nothing(db, runner, aged):
    services.set_retention(reflection_years=2, audit_days=365, by=None)
    db.session.commit()
    before = _left(db)
    result = runner.invoke(args=["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would delete 2, with 2 private note(s)" in result.output
    assert "would delete 1." in result.output
    assert "Dry run: nothing was deleted." in result.output
    assert _left(db) == before
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.purge")) is None


def test_purge_deletes_what_is_older_than_kept(db, runner, aged):
    services.set_retention(reflection_years=2, audit_days=365, by=None)
    db.session.commit()
    visits_before = db.session.scalar(
        select(func.count()).select_from(Visit).where(Visit.status == VisitStatus.COMPLETED)
    )
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "deleted 2, with 2 private note(s)" in result.output
    assert "deleted 1." in result.output
    assert _left(db) == (["1 years"], ["note 1"], ["old.10", "old.100"])
    # The visits stay completed, and their hours stay paid.
    assert visits_before == db.session.scalar(
        select(func.count()).select_from(Visit).where(Visit.status == VisitStatus.COMPLETED)
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.purge"))
    assert event.detail == {
        "reflections": 2,
        "private_notes": 2,
        "audit_events": 1,
        "api_tombstones": 0,
    }
    again = runner.invoke(args=["purge"])
    assert "deleted 0, with 0 private note(s)" in again.output


def test_years_before_a_leap_day():
    leap = datetime(2028, 2, 29, 12, tzinfo=UTC)
    assert services.years_before(leap, 1) == datetime(2027, 2, 28, 12, tzinfo=UTC)
    assert services.years_before(leap, 4) == datetime(2024, 2, 29, 12, tzinfo=UTC)
