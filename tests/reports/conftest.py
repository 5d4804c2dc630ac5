"""A district with known numbers: two schools, two rounds, visits in every status over three
weeks of October 2026, follow-ups, hours over three months and staff in every training state.

Times are at midday in California (20:00 UTC), except one visit completed at 01:00 UTC on a
Tuesday, which is Monday evening at the school: it must count on Monday's week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from fieldapp.models import (
    Enrollment,
    Family,
    FollowUp,
    HoursEntry,
    Role,
    SchoolClass,
    Student,
    TeamRole,
    Visit,
    VisitStatus,
    VisitType,
)
from tests.factories import add_completion, make_round, make_school, make_user


def noon(day: int, month: int = 10) -> datetime:
    return datetime(2026, month, day, 20, 0, tzinfo=UTC)


@dataclass
class District:
    a: object
    b: object
    round_a: object
    round_a2: object
    round_b: object
    coordinator: object
    other_coordinator: object
    admin: object
    trainer: object
    students: dict


@pytest.fixture
def district(db) -> District:
    a = make_school(name="Alder Elementary")
    b = make_school(name="Birch Middle")
    today = date.today()
    coordinator = make_user(Role.COORDINATOR, a)
    other_coordinator = make_user(Role.COORDINATOR, b)
    admin = make_user(Role.ADMIN)
    trainer = make_user(Role.TRAINER)
    trained = make_user(Role.VISITOR, a)
    lapsing = make_user(Role.VISITOR, a, trained=False)
    add_completion(lapsing, today - timedelta(days=300), today + timedelta(days=10))
    make_user(Role.VISITOR, a, trained="lapsed")
    make_user(Role.VISITOR, a, trained=False)
    make_user(Role.VISITOR, b)
    make_user(Role.VISITOR, a, active=False)  # a disabled account is nobody's staff

    rooms = {}
    for school, name, grade in ((a, "Room K", "K"), (a, "Room 3", "3"), (b, "Room 6", "6")):
        rooms[name] = SchoolClass(school_id=school.id, name=name, grade=grade)
        db.session.add(rooms[name])
    db.session.flush()

    # Families: (language, interpreter needed). K2 and G3-1 are siblings (one family).
    def family(lang: str, interpreter: bool) -> Family:
        f = Family(name=f"{lang}", home_language=lang, interpreter_needed=interpreter)
        db.session.add(f)
        db.session.flush()
        return f

    students = {}

    def student(key, school, grade, room, fam, active=True):
        s = Student(
            school_id=school.id,
            family_id=fam.id,
            first_name=key,
            last_name="Test",
            grade=grade,
            active=active,
        )
        db.session.add(s)
        db.session.flush()
        db.session.add(Enrollment(student_id=s.id, class_id=rooms[room].id))
        students[key] = s
        return s

    siblings = family("es", True)
    languages = {
        "K1": ("es", True),
        "K3": ("en", False),
        "K4": ("vi", True),
        **{f"G3-{i}": ("en", False) for i in range(2, 7)},
        **{f"G3-{i}": ("es", False) for i in range(7, 11)},
    }
    for key in ("K1", "K2", "K3", "K4"):
        student(key, a, "K", "Room K", siblings if key == "K2" else family(*languages[key]))
    for i in range(1, 11):
        key = f"G3-{i}"
        student(key, a, "3", "Room 3", siblings if i == 1 else family(*languages[key]))
    student("gone", a, "3", "Room 3", family("so", True), active=False)
    for i in range(1, 6):
        student(f"B{i}", b, "6", "Room 6", family("so", True))

    round_a = make_round(a, name="Fall first visits")
    round_a2 = make_round(a, name="Fall catch-up")
    round_b = make_round(b, name="Birch fall")

    def visit(school, rnd, status, keys, **times):
        v = Visit(
            school_id=school.id,
            round_id=rnd.id,
            family_id=students[keys[0]].family_id,
            visit_type=VisitType.FIRST,
            status=status,
            students=[students[k] for k in keys],
            updated_at=times.pop("updated_at", noon(1)),
            **times,
        )
        db.session.add(v)
        db.session.flush()
        return v

    done = VisitStatus.COMPLETED
    v1 = visit(a, round_a, done, ["K1"], completed_at=noon(6))
    v2 = visit(a, round_a, done, ["K2", "G3-1"], completed_at=noon(8))
    v3 = visit(a, round_a, done, ["G3-2"], completed_at=datetime(2026, 10, 13, 1, 0, tzinfo=UTC))
    v4 = visit(a, round_a2, done, ["G3-3"], completed_at=noon(20))
    visit(a, round_a, VisitStatus.SCHEDULED, ["K3"], scheduled_start=noon(21))
    visit(a, round_a, VisitStatus.RESCHEDULING, ["G3-4"], scheduled_start=noon(14))
    visit(a, round_a, VisitStatus.TO_ARRANGE, ["G3-5"], updated_at=noon(7))
    visit(a, round_a, VisitStatus.CONTACTING, ["K4"], updated_at=noon(15))
    visit(a, round_a, VisitStatus.DECLINED, ["G3-6"], updated_at=noon(9))
    visit(a, round_a, VisitStatus.CANCELLED, ["G3-7"], scheduled_start=noon(16))
    b1 = visit(b, round_b, done, ["B1"], completed_at=noon(7))

    db.session.add_all(
        [
            FollowUp(
                family_id=v1.family_id,
                visit_id=v1.id,
                description="a",
                due_on=today,
                created_at=noon(6),
                done_at=noon(13),
            ),
            FollowUp(
                family_id=v2.family_id,
                visit_id=v2.id,
                description="b",
                due_on=today,
                created_at=noon(8),
            ),
            FollowUp(
                family_id=v3.family_id,
                visit_id=v3.id,
                description="c",
                due_on=today,
                created_at=noon(14),
                done_at=noon(20),
            ),
            FollowUp(
                family_id=b1.family_id,
                visit_id=b1.id,
                description="d",
                due_on=today,
                created_at=noon(7),
            ),
        ]
    )
    paid = [trained, lapsing]
    for v, user, role, hours, earned in (
        (v1, paid[0], TeamRole.VISITOR, "1.00", date(2026, 9, 30)),
        (v2, paid[0], TeamRole.VISITOR, "1.50", date(2026, 10, 6)),
        (v2, paid[1], TeamRole.INTERPRETER, "1.00", date(2026, 10, 6)),
        (v4, paid[0], TeamRole.VISITOR, "2.00", date(2026, 11, 2)),
        (b1, paid[1], TeamRole.VISITOR, "3.00", date(2026, 10, 7)),
    ):
        db.session.add(
            HoursEntry(
                visit_id=v.id,
                user_id=user.id,
                school_id=v.school_id,
                role=role,
                hours=Decimal(hours),
                earned_on=earned,
            )
        )
    db.session.commit()
    return District(
        a, b, round_a, round_a2, round_b, coordinator, other_coordinator, admin, trainer, students
    )
