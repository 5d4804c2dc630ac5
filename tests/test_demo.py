"""`flask seed-demo`: the demo district the README promises."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from fieldapp import clock, demo, rules
from fieldapp.models import Student, TeamMember, TrainingCompletion, User, Visit, VisitStatus

ACCOUNTS = ["admin", "coordinator", "coordinator2", "trainer"] + [
    f"visitor{i}" for i in range(1, 9)
]
HOMES = {
    "admin": "/admin/",
    "trainer": "/training/",
    "coordinator": "/schools/",
    "coordinator2": "/schools/",
    "visitor": "/visits/",
}


@pytest.fixture
def seeded(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert demo.DEMO_PASSWORD in result.output
    return app


def user(db, name):
    return db.session.scalar(select(User).where(User.email == f"{name}@demo.test"))


def test_seed_refuses_a_database_with_data_unless_reset(seeded, runner, db):
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code != 0
    assert "--reset" in again.output
    before = db.session.scalar(select(func.count()).select_from(Visit))
    reset = runner.invoke(args=["seed-demo", "--reset"])
    assert reset.exit_code == 0, reset.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Visit)) == before


@pytest.mark.parametrize("name", ACCOUNTS)
def test_every_demo_account_signs_in_and_lands_on_its_home(seeded, client, name):
    response = client.post(
        "/login", data={"email": f"{name}@demo.test", "password": demo.DEMO_PASSWORD}
    )
    assert response.status_code == 303
    home = HOMES.get(name, HOMES["visitor"])
    assert response.headers["Location"] == home
    page = client.get(home, follow_redirects=True)
    assert page.status_code == 200


def test_the_district_has_the_promised_shape(seeded, db):
    students = db.session.scalar(select(func.count()).select_from(Student))
    assert 55 <= students <= 65
    languages = {f.home_language for s in db.session.scalars(select(Student)) for f in [s.family]}
    assert {"en", "es"} <= languages and len(languages) >= 3
    # Siblings across schools share one family.
    assert any(
        len({s.school_id for s in f.students}) == 2
        for f in {s.family for s in db.session.scalars(select(Student))}
    )


def test_visitor1_has_visits_in_every_status_one_of_them_today(seeded, db):
    v1 = user(db, "visitor1")
    visits = db.session.scalars(
        select(Visit).join(TeamMember).where(TeamMember.user_id == v1.id)
    ).all()
    assert {v.status for v in visits} == set(VisitStatus)
    today = datetime.now(UTC).astimezone(demo.ZoneInfo(demo.TZ)).date()
    assert any(
        v.scheduled_start and v.scheduled_start.astimezone(demo.ZoneInfo(demo.TZ)).date() == today
        for v in visits
    )
    assert all(g.phone for v in visits for g in v.family.guardians[:1])
    assert all(v.family.address for v in visits)


def test_visitor7_is_lapsed_visitor8_untrained_and_neither_is_on_a_team(seeded, db):
    today = datetime.now(UTC).date()
    for name, expected in (
        ("visitor7", rules.TrainingStatus.LAPSED),
        ("visitor8", rules.TrainingStatus.NOT_TRAINED),
    ):
        person = user(db, name)
        completions = db.session.scalars(
            select(TrainingCompletion).where(TrainingCompletion.user_id == person.id)
        ).all()
        assert rules.training_status(completions, today) == expected
        assert not db.session.scalar(
            select(func.count()).select_from(TeamMember).where(TeamMember.user_id == person.id)
        )


def test_several_visitors_are_teachers_of_record(seeded, db):
    teachers = {
        u.email for s in db.session.scalars(select(Student)) for c in s.classes for u in c.teachers
    }
    assert len([t for t in teachers if t.startswith("visitor")]) >= 3


def test_completed_demo_visits_are_recorded_on_the_day_they_happened(seeded, db):
    """A visit done on 13 Nov is recorded on 13 Nov (not at seed time), and the training day
    is the session's own day at the school."""
    tz = ZoneInfo(demo.TZ)
    done = db.session.scalars(select(Visit).where(Visit.status == VisitStatus.COMPLETED)).all()
    assert done
    for visit in done:
        assert visit.completed_at > visit.scheduled_start
        assert clock.local_date(visit.completed_at, tz) == clock.local_date(
            visit.scheduled_start, tz
        )
        assert visit.reflections[0].submitted_at == visit.completed_at
    completion = db.session.scalar(
        select(TrainingCompletion).where(TrainingCompletion.session_id.is_not(None))
    )
    assert completion.completed_on == clock.local_date(completion.session.starts_at, tz)
