"""A family with something of everything the app holds, and a second family to show that
nothing else is touched."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from fieldapp.models import (
    AttendanceMonth,
    ContactAttempt,
    ContactMethod,
    ContactOutcome,
    Family,
    FollowUp,
    Guardian,
    HoursEntry,
    PrivateNote,
    Reflection,
    ReflectionDraft,
    Role,
    Student,
    TeamRole,
    Visit,
    VisitMode,
    VisitStatus,
)
from tests.factories import make_family, make_school, make_student, make_user, make_visit

HX = {"HX-Request": "true"}
PRIVATE_NOTE = "Dad works nights; the older brother translates. Keep between us."
HOPES = "She wants Lucía to become a vet."


@dataclass
class FamilyWorld:
    family: Family
    other: Family
    completed: Visit
    open_visit: Visit
    other_visit: Visit
    lucia: Student  # with two months of attendance; the other family's student has one


def add_attendance(db, student: Student, *months: tuple[date, str, str]) -> None:
    for month, enrolled, absent in months:
        db.session.add(
            AttendanceMonth(
                student_id=student.id,
                school_id=student.school_id,
                month=month,
                days_enrolled=Decimal(enrolled),
                days_absent=Decimal(absent),
            )
        )


def _complete(db, visit: Visit, *, hopes: str, note: str, days_ago: int = 10) -> Reflection:
    when = datetime.now(UTC) - timedelta(days=days_ago)
    visit.status = VisitStatus.COMPLETED
    visit.mode = VisitMode.HOME
    visit.place = "12 Elm Street, Oakland"
    visit.family_agreed_at = when - timedelta(days=3)
    visit.scheduled_start = when
    visit.completed_at = when
    reflection = Reflection(
        visit=visit,
        author=visit.team[0].user,
        duration_minutes=35,
        hopes_and_dreams=hopes,
        strengths="Grandmother tells stories every evening.",
        submitted_at=when,
        private_note=PrivateNote(text=note),
    )
    db.session.add(reflection)
    db.session.add(
        ContactAttempt(
            visit=visit,
            by=visit.team[0].user,
            method=ContactMethod.CALL,
            outcome=ContactOutcome.AGREED,
            note="Call after 6 pm",
            at=when - timedelta(days=3),
        )
    )
    for member in visit.team:
        db.session.add(
            HoursEntry(
                visit=visit,
                user_id=member.user_id,
                school_id=visit.school_id,
                role=member.role,
                hours=Decimal("1.00"),
                earned_on=when.date(),
            )
        )
    return reflection


@pytest.fixture
def school(db):
    return make_school(name="César Chávez Elementary")


@pytest.fixture
def world(db, school) -> FamilyWorld:
    family = make_family(name="Flores")
    family.guardians.append(
        Guardian(
            name="Marisol Flores",
            relationship_to_student="mother",
            phone="+15105550199",
            email="marisol@example.org",
            position=1,
        )
    )
    sibling = make_student(school, family, grade="1", first_name="Lucía")
    add_attendance(db, sibling, (date(2025, 9, 1), "20", "1.5"), (date(2025, 10, 1), "22", "0"))
    teacher = make_user(Role.VISITOR, school)
    interpreter = make_user(Role.VISITOR, school)
    completed = make_visit(school, team=[teacher, interpreter], family=family)
    completed.team[1].role = TeamRole.INTERPRETER
    completed.students.append(sibling)
    _complete(db, completed, hopes=HOPES, note=PRIVATE_NOTE)
    db.session.add(
        FollowUp(
            family_id=family.id,
            visit=completed,
            owner=teacher,
            description="Send the library card form",
            due_on=date.today() + timedelta(days=7),
        )
    )
    open_visit = make_visit(
        school,
        team=[teacher, interpreter],
        family=family,
        status=VisitStatus.RESCHEDULING,
        place="Public library, 2nd floor",
        status_reason="Mum's shift changed",
    )
    db.session.add(
        ContactAttempt(
            visit=open_visit,
            by=teacher,
            method=ContactMethod.TEXT,
            outcome=ContactOutcome.LEFT_MESSAGE,
            note="Texted in Spanish",
        )
    )
    db.session.add(
        ReflectionDraft(
            visit_id=open_visit.id, user_id=teacher.id, data={"hopes_and_dreams": "Half"}
        )
    )
    other = make_family(name="Other")
    other_visit = make_visit(school, family=other)
    add_attendance(db, other_visit.students[0], (date(2025, 9, 1), "18", "4"))
    _complete(db, other_visit, hopes="To read in two languages", note="Other private note")
    db.session.add(
        FollowUp(
            family_id=other.id,
            visit=other_visit,
            owner=other_visit.team[0].user,
            description="Other follow-up",
            due_on=date.today(),
        )
    )
    db.session.commit()
    return FamilyWorld(family, other, completed, open_visit, other_visit, sibling)


@pytest.fixture
def admin(db, login):
    person = make_user(Role.ADMIN)
    login(person)
    return person
