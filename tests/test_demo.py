"""`flask seed-demo`: the demo district the README promises."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from fieldapp import clock, demo, rules
from fieldapp.demo.attendance import FirstVisits, attendance_months, school_days, student_attendance
from fieldapp.demo.rounds import UNASSIGNED, first_weeks
from fieldapp.models import (
    AttendanceMonth,
    Round,
    School,
    Student,
    TeamMember,
    TrainingCompletion,
    User,
    Visit,
    VisitStatus,
)
from fieldapp.reports import impact

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


def attendance(db) -> list[tuple]:
    """Every attendance row, by the student's school and name (ids differ after a reset on
    PostgreSQL, whose sequences go on)."""
    return sorted(
        db.session.execute(
            select(
                School.code,
                Student.first_name,
                Student.last_name,
                AttendanceMonth.month,
                AttendanceMonth.days_enrolled,
                AttendanceMonth.days_absent,
            )
            .join(Student, Student.id == AttendanceMonth.student_id)
            .join(School, School.id == AttendanceMonth.school_id)
        ).all()
    )


def test_seed_refuses_a_database_with_data_unless_reset(seeded, runner, db):
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code != 0
    assert "--reset" in again.output
    before = db.session.scalar(select(func.count()).select_from(Visit))
    attendance_before = attendance(db)
    reset = runner.invoke(args=["seed-demo", "--reset"])
    assert reset.exit_code == 0, reset.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Visit)) == before
    assert attendance(db) == attendance_before and attendance_before


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


def chronic_share(rows) -> float:
    """The share of students absent 10 % of their days or more, over the rows given."""
    days = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for row in rows:
        days[row.student_id][0] += row.days_enrolled
        days[row.student_id][1] += row.days_absent
    return sum(absent >= enrolled / 10 for enrolled, absent in days.values()) / len(days)


def test_every_active_student_has_a_row_for_every_month_that_has_ended(seeded, db):
    """From August to the last month that has ended, by the school's clock; valid days, half
    days among them, and a realistic share of chronically absent students."""
    months = attendance_months(clock.today(ZoneInfo(demo.TZ)))
    assert len(months) >= 3
    assert all(m.day == 1 and m < clock.today(ZoneInfo(demo.TZ)) for m in months)
    rows = db.session.scalars(select(AttendanceMonth)).all()
    students = db.session.scalars(select(Student).where(Student.active)).all()
    by_student = defaultdict(list)
    for row in rows:
        by_student[row.student_id].append(row)
    assert {s.id for s in students} == set(by_student)
    school_of = {s.id: s.school_id for s in students}
    for student_id, months_seeded in by_student.items():
        assert sorted(r.month for r in months_seeded) == months
        assert all(r.school_id == school_of[student_id] for r in months_seeded)
    for row in rows:
        assert row.days_enrolled == school_days(row.month)
        assert 0 <= row.days_absent <= row.days_enrolled
        assert (row.days_absent * 2) % 1 == 0
    assert any(row.days_absent % 1 for row in rows)  # a few half days
    assert 0.05 <= chronic_share(rows) <= 0.35


def seed_on(app, moment: datetime) -> date:
    """Seed the demo with the app's clock at ``moment``; the demo's today."""
    app.config["CLOCK_OFFSET"] = moment - datetime.now(UTC)
    demo.seed()
    return clock.today(ZoneInfo(demo.TZ))


def round_of(db, school_code: str) -> tuple[Round, list[Visit], list[date]]:
    """The school's round, its visits and the days its completed ones were done (school's clock)."""
    rnd = db.session.scalar(select(Round).join(School).where(School.code == school_code))
    visits = db.session.scalars(select(Visit).where(Visit.round_id == rnd.id)).all()
    done = [v for v in visits if v.status == VisitStatus.COMPLETED]
    return rnd, visits, sorted(clock.local_date(v.completed_at, ZoneInfo(demo.TZ)) for v in done)


def test_the_impact_report_has_visited_students_before_and_after_their_visit(app, db):
    """Seeded in December, Chávez's round has families visited in late September and October, so
    that over all grades each of the report's groups has enough students to show, and November
    comes after each of those first visits; visits are still left to assign."""
    today = seed_on(app, datetime(2026, 12, 6, 19, 0, tzinfo=UTC))
    rnd, visits, days = round_of(db, "CCE")
    assert all(rnd.starts_on < day < today for day in days)
    assert sum(date(2026, 9, 21) < day <= date(2026, 10, 31) for day in days) >= 10
    school = db.session.scalar(select(School).where(School.code == "CCE"))
    result = impact.impact((school.id,), impact.Year.of(today), demo.TZ)
    total = result.total.groups
    assert all(total[s].shown for s in impact.SERIES), total
    assert total["before"].students >= 12
    assert total["not_visited"].students >= 20
    unassigned = [v for v in visits if v.status == VisitStatus.TO_ARRANGE and not v.team]
    assert len(unassigned) == UNASSIGNED


def test_the_round_s_first_weeks_are_followed_by_a_month_that_has_ended():
    december = first_weeks(date(2026, 9, 21), date(2026, 12, 6), 10)
    assert december[0] == date(2026, 9, 22) and december[-1] <= date(2026, 10, 31)
    assert len(set(december)) == 10 and december == sorted(december)
    assert any(d.month == 9 for d in december) and any(d.month == 10 for d in december)
    september = first_weeks(date(2026, 7, 7), date(2026, 9, 20), 10)
    assert september[0] == date(2026, 7, 8) and september[-1] <= date(2026, 7, 31)
    assert first_weeks(date(2026, 9, 21), date(2026, 12, 6), 0) == []
    assert first_weeks(date(2026, 9, 21), date(2026, 12, 6), -3) == []


def test_early_in_the_school_year_the_demo_has_last_year_too(app, db):
    """In September only August has ended: last year's months come too, so that the impact
    report has a year to show; by the demo's clock, not the wall clock."""
    today = seed_on(app, datetime(2026, 9, 20, 19, 0, tzinfo=UTC))
    months = db.session.scalars(select(AttendanceMonth.month).distinct()).all()
    assert sorted(months) == [
        *(date(2025, m, 1) for m in (8, 9, 10, 11, 12)),
        *(date(2026, m, 1) for m in (1, 2, 3, 4, 5, 6, 8)),
    ]
    # The round's first weeks fell in the summer: the visits done then are inside it all the same.
    rnd, _, days = round_of(db, "CCE")
    assert any(day.month == 7 for day in days)
    assert all(rnd.starts_on < day < today for day in days)


def test_the_school_calendar_has_a_month_s_worth_of_days_and_none_in_july():
    year = [date(2026, m, 1) for m in range(8, 13)] + [date(2027, m, 1) for m in range(1, 8)]
    days = {m.month: school_days(m) for m in year}
    assert days[7] == 0
    assert all(18 <= days[m] <= 22 for m in (9, 10, 1, 3, 5))
    assert all(5 <= days[m] <= 22 for m in (8, 11, 12, 2, 4, 6))
    assert 175 <= sum(days.values()) <= 195  # about 180 days of school


def test_attendance_months_are_the_school_months_that_have_ended():
    def months(day):
        return [m.strftime("%Y-%m") for m in attendance_months(day)]

    assert months(date(2026, 12, 5)) == ["2026-08", "2026-09", "2026-10", "2026-11"]
    assert months(date(2026, 11, 1)) == ["2026-08", "2026-09", "2026-10"]
    last_year = ["2025-08", "2025-09", "2025-10", "2025-11", "2025-12"] + [
        f"2026-0{m}" for m in range(1, 7)
    ]
    assert months(date(2026, 7, 15)) == last_year
    assert months(date(2026, 10, 31)) == [*last_year, "2026-08", "2026-09"]
    assert months(date(2027, 6, 30))[-1] == "2027-05"


def test_visited_students_miss_fewer_days_after_the_visit_and_nobody_else_changes():
    """The effect the impact report looks for: about a quarter fewer days missed in the months
    after the month of the family's first visit of the year; the same chances otherwise."""
    rng = random.Random(7)
    months = attendance_months(date(2027, 6, 10))  # August to May
    first_visits = FirstVisits()
    visited = range(0, 4000, 2)
    for student_id in visited:
        first_visits.add(student_id, date(2026, 11, 20))
    absent = defaultdict(Decimal)
    enrolled = defaultdict(Decimal)
    for student_id in range(4000):
        group = "visited" if student_id in visited else "not visited"
        for month, days, missed in student_attendance(rng, student_id, months, first_visits):
            when = "before" if month < date(2026, 11, 1) else "after" if month.month != 11 else ""
            enrolled[group, when] += days
            absent[group, when] += missed

    def rate(group, when):
        return absent[group, when] / enrolled[group, when]

    assert 0.65 < rate("visited", "after") / rate("visited", "before") < 0.85
    assert 0.9 < rate("not visited", "after") / rate("not visited", "before") < 1.1
