"""Records as the API's JSON, exactly as ``openapi.yaml`` describes them. What is sent is
listed field by field: nothing reaches the school's systems because a model gained a column.
No private note, no address, no guardian contact details."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fieldapp.exports.services import SHARED_REFLECTION, Card, visit_day
from fieldapp.models import ApiTombstone, FollowUp, Student, Visit, VisitStatus


def _time(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def student_ref(s: Student) -> dict[str, Any]:
    return {"id": s.id, "sis_id": s.sis_id, "sourced_id": s.sourced_id}


def visit(v: Visit, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": v.id,
        "visit_type": v.visit_type.value,
        "status": v.status.value,
        "mode": v.mode.value if v.mode else None,
        "scheduled_start": _time(v.scheduled_start),
        "completed_at": _time(v.completed_at),
        "completed_on": _day(visit_day(v, zone)) if v.status == VisitStatus.COMPLETED else None,
        "round_id": v.round_id,
        "students": [student_ref(s) for s in sorted(v.students, key=lambda s: s.id)],
        "created_at": _time(v.created_at),
        "updated_at": _time(v.updated_at),
        "deleted_at": None,
    }


def follow_up(f: FollowUp, school_id: int) -> dict[str, Any]:
    students = [s for s in f.family.students if s.school_id == school_id and s.active]
    return {
        "id": f.id,
        "description": f.description,
        "due_on": _day(f.due_on),
        "done_at": _time(f.done_at),
        "open": f.is_open,
        "visit_id": f.visit_id,
        "students": [student_ref(s) for s in sorted(students, key=lambda s: s.id)],
        "created_at": _time(f.created_at),
        "updated_at": _time(f.updated_at),
        "deleted_at": None,
    }


def card(c: Card, updated_at: datetime, zone: ZoneInfo) -> dict[str, Any]:
    s, family, v, r = c.student, c.student.family, c.visit, c.reflection
    return {
        "id": s.id,
        "student": {
            **student_ref(s),
            "first_name": s.first_name,
            "last_name": s.last_name,
            "grade": s.grade,
            "active": s.active,
        },
        "family": {
            "home_language": family.home_language,
            "interpreter_needed": family.interpreter_needed,
            "preferred_contact_method": family.preferred_contact_method.value
            if family.preferred_contact_method
            else None,
            "preferred_contact_times": family.preferred_contact_times,
        }
        if family
        else None,
        "last_completed_visit": {
            "id": v.id,
            "visit_type": v.visit_type.value,
            "completed_on": _day(visit_day(v, zone)),
        }
        if v
        else None,
        "reflection": {name: getattr(r, name) for name, _ in SHARED_REFLECTION} if r else None,
        "open_follow_ups": [
            {"id": f.id, "description": f.description, "due_on": _day(f.due_on)}
            for f in c.follow_ups
        ],
        "updated_at": _time(updated_at),
        "deleted_at": None,
    }


def deletion(t: ApiTombstone) -> dict[str, Any]:
    """A record deleted: its id and when, nothing else (the content is what was deleted)."""
    return {
        "id": t.resource_id,
        "updated_at": _time(t.deleted_at),
        "deleted_at": _time(t.deleted_at),
    }
