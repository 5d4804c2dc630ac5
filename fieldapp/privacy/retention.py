"""How long the district keeps children's data, and the purge that deletes what is older.
Services take explicit arguments and only flush; the caller commits once, so that a purge
happens whole or not at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from fieldapp import audit, clock, tombstones
from fieldapp.extensions import db
from fieldapp.formatting import zone
from fieldapp.models import AttendanceMonth, AuditEvent, PrivateNote, Reflection, Setting, User
from fieldapp.privacy import bulk
from fieldapp.rules import school_year

AUDIT_RETENTION_KEY = "audit_retention_days"
REFLECTION_RETENTION_KEY = "reflection_retention_years"
ATTENDANCE_RETENTION_KEY = "attendance_retention_years"


# ---- retention settings -----------------------------------------------------------------------


@dataclass(frozen=True)
class Retention:
    reflection_years: int | None  # None: kept for ever
    audit_days: int | None
    # Whole school years kept before the current one (by the day in the district's zone).
    attendance_years: int | None


def _int_setting(key: str) -> int | None:
    setting = db.session.get(Setting, key)
    return int(setting.value) if setting is not None and setting.value else None


def retention() -> Retention:
    return Retention(
        reflection_years=_int_setting(REFLECTION_RETENTION_KEY),
        audit_days=_int_setting(AUDIT_RETENTION_KEY),
        attendance_years=_int_setting(ATTENDANCE_RETENTION_KEY),
    )


def set_retention(
    *,
    reflection_years: int | None,
    audit_days: int | None,
    attendance_years: int | None = None,
    by: User | None,
) -> Retention:
    """The district's retention, each None for "kept for ever". Attendance not given is kept for
    ever too (the settings page always gives it)."""
    wanted = {
        REFLECTION_RETENTION_KEY: reflection_years,
        AUDIT_RETENTION_KEY: audit_days,
        ATTENDANCE_RETENTION_KEY: attendance_years,
    }
    for key, value in wanted.items():
        setting = db.session.get(Setting, key) or Setting(key=key)
        setting.value = str(value) if value else None
        db.session.add(setting)
    audit.record(
        "privacy.retention",
        actor=by,
        reflection_years=reflection_years,
        audit_days=audit_days,
        attendance_years=attendance_years,
    )
    db.session.flush()
    return retention()


def years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February, in a year that has none
        return moment.replace(year=moment.year - years, day=28)


def attendance_kept_from(today: date, years: int) -> date:
    """The first day of the oldest school year whose attendance is kept on ``today``: the
    current school year, and ``years`` whole school years before it."""
    first, _ = school_year(today)
    return first.replace(year=first.year - years)


@dataclass(frozen=True)
class PurgeReport:
    reflections_before: datetime | None  # None: reflections are kept for ever
    reflections: int
    private_notes: int
    attendance_before: date | None  # the first day of the oldest school year kept; None: all
    attendance_months: int
    audit_before: datetime | None
    audit_events: int
    api_tombstones_before: datetime  # the API lists a deletion tombstones.KEEP_DAYS days
    api_tombstones: int
    dry_run: bool


def purge(*, now: datetime, dry_run: bool = False) -> PurgeReport:
    """Delete what is older than the district keeps: reflections (with their private notes) by
    the day they were submitted, students' attendance by the school year of its month (the
    current school year by the district's clock, ``DEFAULT_TIMEZONE``), and audit events; and
    the API's record of deletions older than a client may lag. The cards that held a purged
    reflection change (the API sends them again, without it). ``dry_run`` only counts."""
    keep = retention()
    reflections_before = years_before(now, keep.reflection_years) if keep.reflection_years else None
    audit_before = now - timedelta(days=keep.audit_days) if keep.audit_days else None
    attendance_before = (
        attendance_kept_from(clock.local_date(now, zone()), keep.attendance_years)
        if keep.attendance_years
        else None
    )
    counts = {"reflections": 0, "private_notes": 0, "attendance_months": 0, "audit_events": 0}
    if reflections_before is not None:
        old = select(Reflection.id).where(Reflection.submitted_at < reflections_before)
        if not dry_run:  # the cards that showed these reflections are sent again, without them
            tombstones.cards_changed(
                select(Reflection.visit_id).where(Reflection.submitted_at < reflections_before),
                at=now,
            )
        targets = {
            "private_notes": (PrivateNote, PrivateNote.reflection_id.in_(old)),
            "reflections": (Reflection, Reflection.submitted_at < reflections_before),
        }
        for name, (model, where) in targets.items():
            counts[name] = bulk.remove(model, where, dry_run)
    if attendance_before is not None:
        counts["attendance_months"] = bulk.remove(
            AttendanceMonth, AttendanceMonth.month < attendance_before, dry_run
        )
    if audit_before is not None:
        counts["audit_events"] = bulk.remove(AuditEvent, AuditEvent.at < audit_before, dry_run)
    tombstones_before, counts["api_tombstones"] = tombstones.prune(now=now, dry_run=dry_run)
    if not dry_run:
        audit.record("privacy.purge", **counts)
        db.session.flush()
    return PurgeReport(
        reflections_before=reflections_before,
        attendance_before=attendance_before,
        audit_before=audit_before,
        api_tombstones_before=tombstones_before,
        dry_run=dry_run,
        **counts,
    )
