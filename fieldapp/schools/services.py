"""A school's pay settings and hours exports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fieldapp import audit, clock
from fieldapp.extensions import db
from fieldapp.models import HoursExport, HoursMode, School, User
from fieldapp.schools import queries


def set_pay(school: School, *, mode: HoursMode, hours_per_visit: Decimal, by: User) -> None:
    school.hours_mode = mode
    school.hours_per_visit = hours_per_visit
    audit.record("school.pay", actor=by, obj=school, school_id=school.id, mode=mode.value)


def mark_exported(school: School, start: date, end: date, *, by: User) -> HoursExport | None:
    """Mark the period's hours as exported for payroll, so that nothing is paid twice. Only hours
    not exported before are taken; None when there were none."""
    entries = db.session.scalars(queries.unexported_hours(school.id, start, end)).all()
    if not entries:
        return None
    export = HoursExport(
        school_id=school.id,
        period_start=start,
        period_end=end,
        exported_by_id=by.id,
        exported_at=clock.now(),
    )
    db.session.add(export)
    db.session.flush()
    for entry in entries:
        entry.export_id = export.id
    audit.record("hours.export", actor=by, obj=export, school_id=school.id, entries=len(entries))
    return export
