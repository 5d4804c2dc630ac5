"""Retention: the district's settings, and ``flask purge`` applying them."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from fieldapp import clock, rules
from fieldapp.formatting import zone
from fieldapp.models import (
    AttendanceMonth,
    AuditEvent,
    PrivateNote,
    Reflection,
    Setting,
    Visit,
    VisitStatus,
)
from fieldapp.privacy import retention
from tests.factories import make_school, make_student, make_visit
from tests.privacy.conftest import _complete, add_attendance


def _setting(db, key):
    setting = db.session.get(Setting, key)
    return setting.value if setting else None


def test_admins_set_how_long_records_are_kept(db, client, admin):
    page = client.get("/admin/privacy/settings")
    assert page.status_code == 200 and "Keep reflections for (years)" in page.get_data(as_text=True)
    response = client.post(
        "/admin/privacy/settings",
        data={
            "reflection_retention_years": "5",
            "audit_retention_days": "730",
            "attendance_retention_years": "3",
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert _setting(db, "reflection_retention_years") == "5"
    assert _setting(db, "audit_retention_days") == "730"
    assert _setting(db, "attendance_retention_years") == "3"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.retention"))
    assert event.detail == {"reflection_years": 5, "audit_days": 730, "attendance_years": 3}
    page = client.get("/admin/privacy/settings").get_data(as_text=True)
    assert 'value="730"' in page and 'name="attendance_retention_years"' in page
    assert 'value="3"' in page
    assert "This school year and 3 before it" in client.get("/admin/privacy/").get_data(
        as_text=True
    )
    # Empty: kept for ever.
    client.post("/admin/privacy/settings", data={})
    db.session.expire_all()
    assert retention.retention() == retention.Retention(None, None, None)


@pytest.mark.parametrize(
    "data",
    [
        {"audit_retention_days": "7"},
        {"reflection_retention_years": "0"},
        {"attendance_retention_years": "0"},
        {"attendance_retention_years": "101"},
        {"audit_retention_days": "x"},
    ],
)
def test_a_retention_out_of_range_is_refused(db, client, admin, data):
    response = client.post("/admin/privacy/settings", data=data)
    assert response.status_code == 422
    assert db.session.get(Setting, "audit_retention_days") is None
    assert db.session.get(Setting, "attendance_retention_years") is None


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
    assert "Attendance: kept for ever" in result.output
    assert _left(db) == before


def test_purge_dry_run_prints_and_deletes_nothing(db, runner, aged):
    retention.set_retention(reflection_years=2, audit_days=365, by=None)
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
    retention.set_retention(reflection_years=2, audit_days=365, by=None)
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
        "attendance_months": 0,
        "audit_events": 1,
        "api_tombstones": 0,
    }
    again = runner.invoke(args=["purge"])
    assert "deleted 0, with 0 private note(s)" in again.output


def test_years_before_a_leap_day():
    leap = datetime(2028, 2, 29, 12, tzinfo=UTC)
    assert retention.years_before(leap, 1) == datetime(2027, 2, 28, 12, tzinfo=UTC)
    assert retention.years_before(leap, 4) == datetime(2024, 2, 29, 12, tzinfo=UTC)


# ---- students' attendance, by whole school years -----------------------------------------------


def _months(db) -> list[date]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(AttendanceMonth.month)))


@pytest.fixture
def attended(db) -> dict[str, date]:
    """A student's months: this school year's September, and the Junes and Julys around the
    starts of the school years before it (by the district's day)."""
    first = rules.school_year(clock.today(zone()))[0]
    months = {
        "this_september": first.replace(month=9),
        "last_july": first.replace(year=first.year - 1),
        "last_june": first.replace(year=first.year - 1, month=6),  # two school years back
        "older_october": first.replace(year=first.year - 3, month=10),
    }
    student = make_student(make_school())
    add_attendance(db, student, *((m, "20", "1") for m in months.values()))
    db.session.commit()
    return months


def test_purge_keeps_the_current_school_year_and_the_whole_years_set(db, runner, attended):
    retention.set_retention(reflection_years=None, audit_days=None, attendance_years=1, by=None)
    db.session.commit()
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    kept_from = attended["last_july"]
    assert (
        f"Attendance of school years before {rules.school_year_label(kept_from)} "
        f"(months before {kept_from:%Y-%m-%d}): deleted 2 month(s)."
    ) in result.output
    assert _months(db) == [attended["last_july"], attended["this_september"]]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.purge"))
    assert event.detail["attendance_months"] == 2


def test_purge_dry_run_counts_attendance_and_deletes_none(db, runner, attended):
    retention.set_retention(reflection_years=None, audit_days=None, attendance_years=1, by=None)
    db.session.commit()
    before = _months(db)
    result = runner.invoke(args=["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would delete 2 month(s)." in result.output
    assert _months(db) == before


def test_the_current_school_year_is_the_districts_not_utcs(app, db):
    """At 10 pm on 30 June in California it is 1 July in UTC: the school year 2025–26 is still
    the current one there, so with one year kept, 2024–25 stays."""
    app.config["DEFAULT_TIMEZONE"] = "America/Los_Angeles"
    student = make_student(make_school())
    add_attendance(db, student, (date(2024, 6, 1), "20", "0"), (date(2024, 7, 1), "20", "0"))
    retention.set_retention(reflection_years=None, audit_days=None, attendance_years=1, by=None)
    db.session.flush()
    report = retention.purge(now=datetime(2026, 7, 1, 5, tzinfo=UTC))
    assert report.attendance_before == date(2024, 7, 1)
    assert report.attendance_months == 1
    assert _months(db) == [date(2024, 7, 1)]


@pytest.mark.parametrize(
    ("today", "years", "kept_from"),
    [
        (date(2026, 12, 6), 1, date(2025, 7, 1)),
        (date(2026, 6, 30), 1, date(2024, 7, 1)),
        (date(2026, 7, 1), 2, date(2024, 7, 1)),
    ],
)
def test_attendance_is_kept_from_the_start_of_a_school_year(today, years, kept_from):
    assert retention.attendance_kept_from(today, years) == kept_from
