"""A family's record: everything the app holds about one family, as the family has a right to
see it, on the page and in the JSON export alike."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel.speaklater import LazyString

from fieldapp.extensions import db
from fieldapp.formatting import CONTACT_METHODS, LANGUAGES, MODES, OUTCOMES, VISIT_TYPES
from fieldapp.i18n import gettext as _
from fieldapp.i18n import lazy_gettext as _l
from fieldapp.models import AttendanceMonth, Family, Reflection, Student, Visit
from fieldapp.privacy import queries
from fieldapp.rules import STATUS_LABELS, school_year_label

# The shared part of a reflection, as the form names it.
REFLECTION_FIELDS = {
    "hopes_and_dreams": _l("Hopes and dreams"),
    "strengths": _l("Strengths and knowledge"),
    "want_school_to_know": _l("What they want the school to know"),
    "best_way_to_reach": _l("Best way to reach them"),
    "academic_focus": _l("Academic focus"),
    "family_support": _l("How the family supports it"),
}
PRIVATE_NOTE_LABEL = _l("Private to the visit team (not shared with the school)")
PRIVATE_NOTE_WITHHELD = _l(
    "Withheld: the visit team's own note, read by the team alone. It is deleted with the "
    "family's data."
)


def family_record(family: Family, *, now: datetime) -> dict[str, Any]:
    """Everything the app holds about one family, readable: what the family has a right to see
    (the teams' private notes without their words, ``_private_note_entry``). The page and the
    JSON export are both this, so they cannot disagree."""
    students: dict[int, Student] = {}
    attendance: dict[int, list[AttendanceMonth]] = {}
    for student, month in db.session.execute(queries.family_students(family.id)):
        students.setdefault(student.id, student)
        if month is not None:
            attendance.setdefault(student.id, []).append(month)
    visits = db.session.scalars(queries.family_visits(family.id)).all()
    visit_ids = [v.id for v in visits]
    drafts: dict[int, list] = {}
    for draft, writer in db.session.execute(queries.drafts_for(visit_ids)) if visit_ids else []:
        drafts.setdefault(draft.visit_id, []).append(
            {
                "written_by": writer.name,
                "saved_at": draft.updated_at,
                "fields": _draft_fields(draft.data or {}),
            }
        )
    return {
        "about": _(
            "Everything fieldapp holds about this family, except the words of the visit "
            "teams' private notes: those are the team's own, listed here without their text, "
            "and deleted with the family's data. Nothing marked private was shared with the "
            "school."
        ),
        "generated_at": now,
        "family": {
            "id": family.id,
            "name": family.name,
            "address": family.address or None,
            "home_language": LANGUAGES.get(family.home_language, family.home_language)
            if family.home_language
            else _("Not known"),
            "interpreter_needed": family.interpreter_needed,
            "preferred_contact_method": CONTACT_METHODS.get(family.preferred_contact_method),
            "preferred_contact_times": family.preferred_contact_times,
            "do_not_contact": family.do_not_contact,
            "do_not_contact_since": family.do_not_contact_at,
            "do_not_contact_reason": family.do_not_contact_reason,
            "created_at": family.created_at,
            "updated_at": family.updated_at,
        },
        "guardians": [
            {
                "name": g.name,
                "relationship": g.relationship_to_student,
                "phone": g.phone,
                "email": g.email,
                "language": LANGUAGES.get(g.language or "", g.language),
            }
            for g in family.guardians
        ],
        "students": [
            {
                "id": s.id,
                "name": s.full_name,
                "grade": s.grade,
                "school": s.school.name,
                "classes": [c.name for c in s.classes],
                "school_student_id": s.sis_id,
                "enrolled": s.active,
                "attendance": [_attendance_entry(m) for m in attendance.get(s.id, [])],
            }
            for s in students.values()
        ],
        "visits": [_visit_record(v, drafts.get(v.id, [])) for v in visits],
        "follow_ups": [
            {
                "description": f.description,
                "owner": f.owner.name if f.owner else None,
                "due_on": f.due_on,
                "done_at": f.done_at,
                "visit_id": f.visit_id,
            }
            for f in db.session.scalars(queries.family_follow_ups(family.id))
        ],
        "record_access": [
            {
                "at": event.at,
                "action": event.action,
                "by": actor.name if actor else None,
                "succeeded": event.success,
            }
            for event, actor in db.session.execute(queries.record_access(family.id, visit_ids))
        ],
    }


def _attendance_entry(month: AttendanceMonth) -> dict[str, Any]:
    """A month of a student's attendance, as the school's system counted it."""
    return {
        "school_year": school_year_label(month.month),
        "month": month.month,
        "school": month.school.name,
        "days_enrolled": month.days_enrolled,
        "days_absent": month.days_absent,
    }


def _visit_record(visit: Visit, drafts: list) -> dict[str, Any]:
    return {
        "id": visit.id,
        "type": VISIT_TYPES[visit.visit_type],
        "status": STATUS_LABELS[visit.status],
        "status_reason": visit.status_reason,
        "school": visit.school.name,
        "time_zone": visit.school.timezone,
        "round": visit.round.name if visit.round else None,
        "students": [s.full_name for s in visit.students],
        "team": [{"name": m.user.name, "role": m.role.value} for m in visit.team],
        "mode": MODES.get(visit.mode),
        "place": visit.place,
        "family_agreed_at": visit.family_agreed_at,
        "scheduled_start": visit.scheduled_start,
        "completed_at": visit.completed_at,
        "contacts": [
            {
                "at": c.at,
                "by": c.by.name if c.by else None,
                "method": CONTACT_METHODS[c.method],
                "outcome": OUTCOMES[c.outcome],
                "note": c.note,
            }
            for c in visit.contacts
        ],
        "reflections": [
            {
                "submitted_at": r.submitted_at,
                "recorded_by": r.author.name if r.author else None,
                "duration_minutes": r.duration_minutes,
                "shared_with_school": {
                    str(label): getattr(r, name)
                    for name, label in REFLECTION_FIELDS.items()
                    if getattr(r, name)
                },
                "private_note_of_visit_team": _private_note_entry(r),
            }
            for r in visit.reflections
        ],
        "unsent_drafts": drafts,
    }


def _draft_fields(data: dict[str, Any]) -> dict[str, str]:
    """What a draft holds, by label; a private note in it is withheld like a saved one's."""
    fields = {
        str(REFLECTION_FIELDS.get(k, k)): v
        for k, v in data.items()
        if k != "private_note" and isinstance(v, str) and v.strip()
    }
    note = data.get("private_note")
    if isinstance(note, str) and note.strip():
        fields[str(PRIVATE_NOTE_LABEL)] = str(PRIVATE_NOTE_WITHHELD)
    return fields


def _private_note_entry(reflection: Reflection) -> dict[str, Any] | None:
    """The team's private note, in the family's record: that it exists, when and by whom —
    never its words.

    The decision (issue 17): a note the pair keeps only for themselves is their working
    memory, not part of the shared record of the student (domain.md: "private to them"; what
    the school and the family may read is the relationship card). The form promises the team
    that no one else reads it, the district's admin included. So the family-rights page and
    its JSON export say a note exists without its text, and erasing the family's data on its
    request deletes the note with its reflection (``erasure._erased``), as the purge does too."""
    if reflection.private_note is None:
        return None
    return {
        "exists": True,
        "written_at": reflection.submitted_at,
        "written_by": reflection.author.name if reflection.author else None,
        "text": str(PRIVATE_NOTE_WITHHELD),
    }


def json_default(value: Any) -> Any:
    """For ``json.dumps`` of a family record: times as ISO 8601 (UTC), amounts as text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | LazyString):  # LazyString: a label, in the reader's language
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
