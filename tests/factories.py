"""Factories: a test states only what matters to it (after CTFd's gen_* helpers)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from flask import current_app

from fieldapp.auth.passwords import hash_password
from fieldapp.extensions import db
from fieldapp.models import (
    ClassTeacher,
    Family,
    Guardian,
    Role,
    RoleAssignment,
    Round,
    School,
    SchoolClass,
    Student,
    TeamMember,
    TrainingCompletion,
    TrainingKind,
    User,
    Visit,
    VisitStatus,
    VisitType,
)
from tests.conftest import TEST_PASSWORD

_n = itertools.count(1)
_hashes: dict[tuple, str] = {}


def password_hash(password: str = TEST_PASSWORD) -> str:
    """argon2id of ``password`` with the app's parameters, made once per test process (a
    salted hash verifies the same for every user who holds it; ~3 ms saved per user)."""
    key = (password, tuple(sorted(current_app.config["PASSWORD_HASH_PARAMS"].items())))
    if key not in _hashes:
        _hashes[key] = hash_password(password)
    return _hashes[key]


def make_school(**kw) -> School:
    n = next(_n)
    school = School(**{"name": f"School {n}", "code": f"S{n}", **kw})
    db.session.add(school)
    db.session.flush()
    return school


def make_user(
    role: Role = Role.VISITOR,
    school: School | None = None,
    *,
    trained: bool | str = True,
    password: str = TEST_PASSWORD,
    **kw,
) -> User:
    """A user with one role. ``trained``: True (valid), False (never), "lapsed"."""
    n = next(_n)
    user = User(
        **{
            "email": f"user{n}@test.example",
            "name": f"Person {n}",
            "password_hash": password_hash(password),
            **kw,
        }
    )
    if role.is_school_role and school is None:
        school = make_school()
    user.roles.append(
        RoleAssignment(role=role, school_id=school.id if role.is_school_role else None)
    )
    db.session.add(user)
    db.session.flush()
    today = date.today()
    if trained is True:
        add_completion(user, today - timedelta(days=60), None)
    elif trained == "lapsed":
        add_completion(user, today - timedelta(days=800), today - timedelta(days=35))
    return user


def add_completion(
    user: User,
    completed_on: date,
    valid_until: date | None,
    kind: TrainingKind = TrainingKind.FOUNDATIONAL,
) -> TrainingCompletion:
    c = TrainingCompletion(
        user_id=user.id, kind=kind, completed_on=completed_on, valid_until=valid_until
    )
    db.session.add(c)
    db.session.flush()
    return c


def make_family(**kw) -> Family:
    n = next(_n)
    family = Family(
        **{
            "name": f"Rivera{n}",
            "address_line1": f"{n} Main St",
            "city": "Oakland",
            "home_language": "es",
            **kw,
        }
    )
    family.guardians.append(Guardian(name=f"Guardian {n}", phone="+15105550100", position=0))
    db.session.add(family)
    db.session.flush()
    return family


def make_student(
    school: School,
    family: Family | None = None,
    teacher: User | None = None,
    grade: str = "3",
    **kw,
) -> Student:
    n = next(_n)
    family = family or make_family()
    student = Student(
        **{
            "school_id": school.id,
            "family_id": family.id,
            "first_name": f"Kid{n}",
            "last_name": "Test",
            "grade": grade,
            **kw,
        }
    )
    db.session.add(student)
    if teacher is not None:
        cls = SchoolClass(school=school, name=f"Class {n}", grade=grade)
        db.session.add(cls)
        db.session.flush()
        db.session.add(ClassTeacher(class_id=cls.id, user_id=teacher.id))
        student.classes.append(cls)
    db.session.add(student)
    db.session.flush()
    return student


def make_round(school: School, **kw) -> Round:
    today = date.today()
    rnd = Round(
        **{
            "school": school,
            "name": "Fall round",
            "visit_type": VisitType.FIRST,
            "starts_on": today - timedelta(days=30),
            "ends_on": today + timedelta(days=60),
            **kw,
        }
    )
    db.session.add(rnd)
    db.session.flush()
    return rnd


def make_visit(school: School | None = None, team: list[User] | None = None, **kw) -> Visit:
    """A visit to arrange at ``school`` for a new family, with ``team`` (default: two new
    trained visitors of that school)."""
    school = school or make_school()
    family = kw.pop("family", None) or make_family()
    student = make_student(school, family)
    if team is None:
        team = [make_user(Role.VISITOR, school), make_user(Role.VISITOR, school)]
    visit = Visit(
        **{
            "school_id": school.id,
            "family": family,
            "visit_type": VisitType.FIRST,
            "status": VisitStatus.TO_ARRANGE,
            "students": [student],
            "round": kw.pop("round", None) or make_round(school),
            **kw,
        }
    )
    visit.team = [TeamMember(user=u) for u in team]
    db.session.add(visit)
    db.session.flush()
    return visit


def tomorrow_at(hour: int = 17) -> datetime:
    day = date.today() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
