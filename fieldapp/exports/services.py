"""Relationship cards (per student: last completed visit, the shared reflection, how to reach
the family, open follow-ups) and the rows of the CSV export made from them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fieldapp.exports import queries
from fieldapp.extensions import db
from fieldapp.models import FollowUp, Reflection, School, Student, Visit

# The shared part of a reflection, field by field (the private note is never among them): the
# name is the CSV's column and the API's key; the label says it in English.
SHARED_REFLECTION = (
    ("hopes_and_dreams", "Hopes and dreams"),
    ("strengths", "Strengths and knowledge"),
    ("want_school_to_know", "What the family wants the school to know"),
    ("best_way_to_reach", "Best way to reach them"),
    ("academic_focus", "Academic focus"),
    ("family_support", "How the family supports it"),
)


@dataclass
class Card:
    student: Student
    visit: Visit | None = None
    reflection: Reflection | None = None
    follow_ups: list[FollowUp] = field(default_factory=list)


def relationship_cards(
    students: Sequence[Student], start: datetime | None = None, end: datetime | None = None
) -> list[Card]:
    """The cards of these students (their families loaded), in their order: three queries
    for the whole batch. ``start``/``end``: only a visit completed in [start, end) counts."""
    cards = [Card(s) for s in students]
    if not cards:
        return cards
    visits: dict[int, Visit] = {
        student_id: visit
        for student_id, visit in db.session.execute(
            queries.last_completed_visits([s.id for s in students], start, end)
        )
    }
    reflections = {
        r.visit_id: r
        for r in db.session.scalars(queries.current_reflections({v.id for v in visits.values()}))
    }  # in submission order: the last of a visit wins
    family_ids = {s.family_id for s in students if s.family_id is not None}
    follow_ups: dict[int, list[FollowUp]] = {}
    for f in db.session.scalars(queries.open_follow_ups(family_ids)):
        follow_ups.setdefault(f.family_id, []).append(f)
    for card in cards:
        card.visit = visits.get(card.student.id)
        card.reflection = reflections.get(card.visit.id) if card.visit else None
        card.follow_ups = follow_ups.get(card.student.family_id, [])
    return cards


def visit_day(visit: Visit, zone: ZoneInfo) -> date | None:
    when = visit.completed_at or visit.scheduled_start
    return when.astimezone(zone).date() if when else None


def utc_bounds(start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end] as local days: local midnight of ``start`` to local midnight after ``end``."""
    lo = datetime.combine(start, time(), zone).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time(), zone).astimezone(UTC)
    return lo, hi


# The CSV's columns (docs/csv.md): machine names that never change with the interface's
# language, because school systems read the file by them (a mapping set up once). Cells are
# data as stored: codes ("first", "text", "vi"), ISO dates, 1/0.
EXPORT_HEADER = [
    "student_sis_id",
    "student_sourced_id",
    "first_name",
    "last_name",
    "grade",
    "last_completed_visit_on",
    "visit_type",
    *(name for name, _label in SHARED_REFLECTION),
    "preferred_contact_method",
    "preferred_contact_times",
    "home_language",
    "interpreter_needed",
    "open_follow_ups",
]


def export_rows(school: School, start: date, end: date, batch: int = 500) -> Iterator[list]:
    """One row per active student of the school, in id order, read ``batch`` students at a
    time; the visit columns describe the last visit completed between ``start`` and ``end``."""
    zone = ZoneInfo(school.timezone)
    lo, hi = utc_bounds(start, end, zone)
    after = 0
    while True:
        students = db.session.scalars(queries.school_students(school.id, after, batch)).all()
        if not students:
            return
        for card in relationship_cards(students, lo, hi):
            yield _row(card, zone)
        after = students[-1].id  # the session's identity map is weak: read rows are let go


def _row(card: Card, zone: ZoneInfo) -> list:
    s, family, visit, reflection = card.student, card.student.family, card.visit, card.reflection
    return [
        s.sis_id,
        s.sourced_id,
        s.first_name,
        s.last_name,
        s.grade,
        visit_day(visit, zone) if visit else None,
        visit.visit_type.value if visit else None,
        *(getattr(reflection, name) if reflection else None for name, _ in SHARED_REFLECTION),
        family.preferred_contact_method.value
        if family and family.preferred_contact_method
        else None,
        family.preferred_contact_times if family else None,
        family.home_language if family else None,
        bool(family.interpreter_needed) if family else None,
        # Each as "due date description", no words of one language: "2026-11-02 Send the form".
        "; ".join(f"{f.due_on.isoformat()} {f.description}" for f in card.follow_ups),
    ]
