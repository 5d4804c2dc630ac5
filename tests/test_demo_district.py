"""`flask seed-demo --scale district`: a district's worth of data that keeps the model's rules.

The generator writes rows in bulk without running the rules, so these tests check the rules on
what it wrote (at 1% of the district's size: two full schools)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from bench import district as demo_district
from fieldapp import demo, rules
from fieldapp.demo.attendance import attendance_months
from fieldapp.models import (
    AttendanceMonth,
    AuditEvent,
    ContactAttempt,
    Family,
    HoursEntry,
    Reflection,
    Round,
    School,
    Student,
    TeamMember,
    TeamRole,
    TrainingCompletion,
    User,
    Visit,
    VisitStatus,
)

TZ = ZoneInfo(demo.TZ)
FACTOR = 0.01  # two schools of full size


@pytest.fixture
def district(app, runner):
    result = runner.invoke(args=["seed-demo", "--scale", "district", "--factor", str(FACTOR)])
    assert result.exit_code == 0, result.output
    assert demo.DEMO_PASSWORD in result.output
    return app


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def all_visits(db) -> list[Visit]:
    return db.session.scalars(
        select(Visit).options(
            selectinload(Visit.team).selectinload(TeamMember.user), selectinload(Visit.reflections)
        )
    ).all()


def completions(db) -> dict[int, list[TrainingCompletion]]:
    return rules.completions_by_user(db.session.scalars(select(TrainingCompletion)))


def test_one_percent_of_the_district_has_its_share_of_everything(district, db):
    assert count(db, School) == 2
    assert 1450 <= count(db, Student) <= 1600  # 750 a school, a few siblings at the other
    assert 950 <= count(db, Family) <= 1050
    assert count(db, Visit) == 600  # 60 last spring, 240 this fall, per school
    assert 95 <= count(db, User) <= 115
    assert count(db, ContactAttempt) > 600
    assert count(db, AuditEvent) > 2000
    families = db.session.scalars(select(Family)).all()
    languages = {f.home_language for f in families}
    assert {"en", "es", "vi", "zh"} <= languages
    assert 0.005 < sum(f.do_not_contact for f in families) / len(families) < 0.05
    assert any(f.interpreter_needed for f in families)
    interpreters = db.session.scalar(
        select(func.count()).select_from(TeamMember).where(TeamMember.role == TeamRole.INTERPRETER)
    )
    assert interpreters > 0
    rounds = db.session.scalars(select(Round)).all()
    assert sum(r.is_open for r in rounds) == 2 and len(rounds) == 4


def test_every_student_has_attendance_for_the_months_that_have_ended(district, db):
    months = attendance_months(datetime.now(UTC).astimezone(TZ).date())
    assert count(db, AttendanceMonth) == count(db, Student) * len(months)
    assert sorted(db.session.scalars(select(AttendanceMonth.month).distinct())) == months
    strays = db.session.scalar(
        select(func.count())
        .select_from(AttendanceMonth)
        .join(Student, Student.id == AttendanceMonth.student_id)
        .where(
            (Student.school_id != AttendanceMonth.school_id)
            | (AttendanceMonth.days_absent > AttendanceMonth.days_enrolled)
        )
    )
    assert strays == 0
    enrolled, absent = db.session.execute(
        select(func.sum(AttendanceMonth.days_enrolled), func.sum(AttendanceMonth.days_absent))
    ).one()
    assert 0.9 < 1 - absent / enrolled < 0.97  # the attendance rate of a real district


def test_every_team_keeps_the_model_s_rules(district, db):
    """2–3 people, visitors trained (not lapsed) on the visit's day and at least two of the team;
    a team without a date yet is trained today."""
    by_user = completions(db)
    today = datetime.now(UTC).astimezone(TZ).date()
    checked = 0
    for visit in all_visits(db):
        if not visit.team:
            assert visit.status in (VisitStatus.TO_ARRANGE, VisitStatus.DECLINED)
            continue
        if visit.scheduled_start is not None:
            on = visit.scheduled_start.astimezone(TZ).date()
        elif visit.status in rules.OPEN_STATUSES:
            on = today
        else:
            assert 2 <= len(visit.team) <= 3
            continue
        visitors = [m.user for m in visit.team if m.role == TeamRole.VISITOR]
        interpreters = [m.user for m in visit.team if m.role == TeamRole.INTERPRETER]
        team_completions = [c for m in visit.team for c in by_user.get(m.user_id, [])]
        rules.check_team(visitors, on, team_completions, interpreters=interpreters)
        checked += 1
    assert checked > 400


def test_completed_visits_and_only_they_have_one_reflection(district, db):
    for visit in all_visits(db):
        if visit.status == VisitStatus.COMPLETED:
            assert len(visit.reflections) == 1, visit
            assert visit.completed_at is not None and visit.scheduled_start is not None
            assert visit.reflections[0].submitted_at >= visit.scheduled_start
            assert visit.family_agreed_at is not None
        else:
            assert not visit.reflections, visit
    assert count(db, Reflection) == db.session.scalar(
        select(func.count()).select_from(Visit).where(Visit.status == VisitStatus.COMPLETED)
    )


def test_nobody_is_booked_on_two_visits_at_once(district, db):
    booked = defaultdict(list)
    for visit in all_visits(db):
        if visit.scheduled_start is None:
            continue
        for member in visit.team:
            booked[member.user_id].append(visit)
    assert booked
    for visits in booked.values():
        visits.sort(key=lambda v: v.scheduled_start)
        for a, b in zip(visits, visits[1:], strict=False):
            assert not rules.overlaps(
                a.scheduled_start, a.planned_minutes, b.scheduled_start, b.planned_minutes
            ), (a, b)


def test_hours_go_to_the_paid_members_of_completed_visits_only(district, db):
    """Visitors trained on the day of the visit, and interpreters (``rules.paid_members``)."""
    by_user = completions(db)
    entries = defaultdict(set)
    for entry in db.session.scalars(select(HoursEntry)):
        entries[entry.visit_id].add(entry.user_id)
    for visit in all_visits(db):
        if visit.status != VisitStatus.COMPLETED:
            assert visit.id not in entries
            continue
        day = visit.scheduled_start.astimezone(TZ).date()
        team_completions = [c for m in visit.team for c in by_user.get(m.user_id, [])]
        paid = {m.user_id for m in rules.paid_members(visit.team, day, team_completions)}
        assert entries[visit.id] == paid, visit
        for m in visit.team:
            if m.user_id in paid and m.role == TeamRole.VISITOR:
                assert rules.training_status(by_user[m.user_id], day).can_visit


def test_do_not_contact_families_get_no_visits_this_fall(district, db):
    fall = select(Round.id).where(Round.closed_at.is_(None))
    open_or_new = db.session.scalars(
        select(Visit)
        .join(Family)
        .where(Family.do_not_contact.is_(True))
        .where((Visit.round_id.in_(fall)) | (Visit.status.in_(rules.OPEN_STATUSES)))
    ).all()
    assert open_or_new == []


def test_most_visits_happen_in_a_few_fall_weeks(district, db):
    now = datetime.now(UTC)
    fall_days = [
        v.scheduled_start
        for v in all_visits(db)
        if v.status == VisitStatus.COMPLETED and v.scheduled_start > now - timedelta(days=80)
    ]
    weeks = defaultdict(int)
    for start in fall_days:
        weeks[(now - start).days // 7] += 1
    busiest = sorted(weeks.values(), reverse=True)[:4]
    assert sum(busiest) / len(fall_days) > 0.6


def test_the_demo_accounts_sign_in_to_a_busy_visitor_s_day(district, client, db):
    response = client.post(
        "/login", data={"email": "visitor1@demo.test", "password": demo.DEMO_PASSWORD}
    )
    assert response.status_code == 303
    page = client.get("/visits/")
    assert page.status_code == 200
    v1 = db.session.scalar(select(User).where(User.email == "visitor1@demo.test"))
    visits = db.session.scalars(
        select(Visit).join(TeamMember).where(TeamMember.user_id == v1.id)
    ).all()
    assert 15 <= len(visits) <= 60
    assert {v.status for v in visits} == set(VisitStatus)
    today = datetime.now(UTC).astimezone(TZ).date()
    todays = [
        v for v in visits if v.scheduled_start and v.scheduled_start.astimezone(TZ).date() == today
    ]
    assert todays and todays[0].family.name.encode() in page.data
    # The app's own inserts work after the bulk load (PostgreSQL's sequences moved past the ids).
    contacting = next(v for v in visits if v.status == VisitStatus.CONTACTING)
    before = count(db, ContactAttempt)
    posted = client.post(
        f"/visits/{contacting.id}/contacts", data={"method": "call", "outcome": "no_answer"}
    )
    assert posted.status_code == 303
    db.session.expire_all()
    assert count(db, ContactAttempt) == before + 1
    for name in ("admin", "trainer", "coordinator", "coordinator2", "visitor5"):
        client.post("/logout")
        signed_in = client.post(
            "/login", data={"email": f"{name}@demo.test", "password": demo.DEMO_PASSWORD}
        )
        assert signed_in.status_code == 303, name
        assert client.get(signed_in.headers["Location"], follow_redirects=True).status_code == 200


def test_the_same_day_gives_the_same_district(app, db):
    now = datetime(2026, 10, 20, 16, 0, tzinfo=UTC)

    def snapshot():
        visits = db.session.execute(
            select(Visit.id, Visit.status, Visit.scheduled_start, Visit.family_id).order_by(
                Visit.id
            )
        ).all()
        attendance = db.session.execute(
            select(
                AttendanceMonth.student_id, AttendanceMonth.month, AttendanceMonth.days_absent
            ).order_by(AttendanceMonth.id)
        ).all()
        return visits, attendance

    demo_district.seed(0.002, now=now)
    first = snapshot()
    demo_district.seed(0.002, now=now, reset=True)
    db.session.expire_all()
    assert snapshot() == first and len(first[0]) > 50 and first[1]


def test_a_database_with_data_is_refused_unless_reset(district, runner):
    again = runner.invoke(args=["seed-demo", "--scale", "district", "--factor", "0.002"])
    assert again.exit_code != 0 and "--reset" in again.output
