"""A school with a visited family (a reflection with a private note, an open follow-up), a
second school, and API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from fieldapp.api import tokens
from fieldapp.models import (
    ContactMethod,
    FollowUp,
    PrivateNote,
    Reflection,
    Role,
    Student,
    Visit,
    VisitStatus,
)
from tests.factories import make_family, make_school, make_student, make_user, make_visit

PRIVATE = "PRIVATE-NOTE-the pair keeps this"


@dataclass
class School:
    school: object
    admin: object
    coordinator: object
    visit: Visit
    student: Student
    sibling: Student
    follow_up: FollowUp
    secret: str
    other_secret: str
    other_visit: Visit


def complete_visit(db, school, **kw) -> Visit:
    visit = make_visit(
        school,
        status=VisitStatus.COMPLETED,
        scheduled_start=datetime.now(UTC) - timedelta(days=2),
        completed_at=datetime.now(UTC) - timedelta(days=2),
        **kw,
    )
    return visit


@pytest.fixture
def data(db):
    school = make_school(timezone="America/Los_Angeles")
    other = make_school()
    admin = make_user(Role.ADMIN)
    family = make_family(
        preferred_contact_method=ContactMethod.TEXT,
        preferred_contact_times='=HYPERLINK("http://x") after 6pm',
        interpreter_needed=True,
        home_language="vi",
    )
    visit = complete_visit(db, school, family=family)
    student = visit.students[0]
    student.sis_id = "SIS-1"
    sibling = make_student(school, family, sis_id="+SIS-2", first_name="Ngọc")
    visit.students.append(sibling)
    reflection = Reflection(
        visit=visit,
        duration_minutes=35,
        hopes_and_dreams="She wants to be a nurse",
        strengths="-Grandmother reads with her",
        best_way_to_reach="@text after 6",
    )
    reflection.private_note = PrivateNote(text=PRIVATE)
    db.session.add(reflection)
    follow_up = FollowUp(
        family_id=family.id, visit=visit, description="Send the library form", due_on=date.today()
    )
    db.session.add(follow_up)
    other_visit = complete_visit(db, other)
    coordinator = make_user(Role.COORDINATOR, school)
    _, secret = tokens.create_token(school, "SIS", by=admin)
    _, other_secret = tokens.create_token(other, "Other SIS", by=admin)
    db.session.commit()
    return School(
        school=school,
        admin=admin,
        coordinator=coordinator,
        visit=visit,
        student=student,
        sibling=sibling,
        follow_up=follow_up,
        secret=secret,
        other_secret=other_secret,
        other_visit=other_visit,
    )


@pytest.fixture
def api(client):
    def get(path: str, secret: str | None, **params):
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        return client.get(f"/api/v1{path}", headers=headers, query_string=params)

    return get


@pytest.fixture
def app_config(app_config):
    # High enough for the schemathesis run; tests/api/test_api.py checks the limit on its own.
    # No settling time: what a test just changed is pulled at once (one test checks it).
    return {**app_config, "API_RATE_LIMIT": "100000 per minute", "API_SETTLE_SECONDS": 0}
