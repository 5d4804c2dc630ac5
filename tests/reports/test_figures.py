"""Each chart's figures, checked twice: against numbers known from the dataset
(tests/reports/conftest.py) and against counts computed here from the database's rows, the
slow and obvious way (every row loaded into Python)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from fieldapp.models import (
    Family,
    FollowUp,
    HoursEntry,
    Role,
    RoleAssignment,
    Student,
    TeamRole,
    User,
    Visit,
    VisitStatus,
)
from fieldapp.training.services import statuses
from tests.reports.helpers import csv_rows

GROUP = {
    VisitStatus.COMPLETED: 0,
    VisitStatus.SCHEDULED: 1,
    VisitStatus.RESCHEDULING: 1,
    VisitStatus.TO_ARRANGE: 2,
    VisitStatus.CONTACTING: 2,
    VisitStatus.DECLINED: 3,
    VisitStatus.CANCELLED: 3,
}


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def local_day(moment, school) -> date:
    return moment.astimezone(ZoneInfo(school.timezone)).date()


def as_ints(rows):
    return [[r[0], *[int(x) for x in r[1:]]] for r in rows]


# ---- visits per week, by status ---------------------------------------------------------------


def expected_visits(db, school, round_id=None):
    weeks = defaultdict(lambda: [0, 0, 0, 0])
    for v in db.session.scalars(select(Visit).where(Visit.school_id == school.id)):
        if round_id is not None and v.round_id != round_id:
            continue
        when = v.completed_at or v.scheduled_start or v.updated_at
        weeks[monday(local_day(when, school))][GROUP[v.status]] += 1
    return [[w.isoformat(), *c, sum(c)] for w, c in sorted(weeks.items())]


def test_visits_per_week_by_status(district, db, client, login):
    login(district.coordinator)
    rows = as_ints(csv_rows(client, f"/reports/data/visits.csv?school={district.a.id}", drop=1)[1:])
    assert rows == [
        ["2026-10-05", 2, 0, 1, 1, 4],
        ["2026-10-12", 1, 1, 1, 1, 4],  # the visit done on Monday evening counts here
        ["2026-10-19", 1, 1, 0, 0, 2],
    ]
    assert rows == expected_visits(db, district.a)


def test_visits_of_one_round(district, db, client, login):
    login(district.coordinator)
    url = f"/reports/data/visits.csv?school={district.a.id}&round={district.round_a.id}"
    rows = as_ints(csv_rows(client, url, drop=1)[1:])
    assert rows == expected_visits(db, district.a, district.round_a.id)
    assert rows[-1] == ["2026-10-19", 0, 1, 0, 0, 1]  # the catch-up round's visit is out


# ---- coverage ---------------------------------------------------------------------------------


def expected_coverage(db, school, grouping, *, round_id=None, start=None, end=None, grade=None):
    visited = set()
    for v in db.session.scalars(
        select(Visit).where(Visit.school_id == school.id, Visit.status == VisitStatus.COMPLETED)
    ):
        day = local_day(v.completed_at, school)
        if round_id is not None and v.round_id != round_id:
            continue
        if (start and day < start) or (end and day > end):
            continue
        if grade is not None and not any(s.grade == grade for s in v.students):
            continue
        visited |= {s.id for s in v.students}
    totals, seen = Counter(), Counter()
    students = db.session.scalars(
        select(Student).where(Student.school_id == school.id, Student.active.is_(True))
    )
    for s in students:
        if grade is not None and s.grade != grade:
            continue
        keys = [s.grade] if grouping == "grade" else [c.name for c in s.classes]
        for key in keys:
            totals[key] += 1
            seen[key] += s.id in visited
    order = sorted(totals, key=lambda k: (k != "K", k))
    return [
        [
            k,  # a grade's code ("K", "3"), a class's name
            totals[k],
            seen[k],
            f"{seen[k] / totals[k] * 100:.1f}",
        ]
        for k in order
    ]


def coverage_csv(client, name, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    drop = 0 if name == "coverage-grade" else 1  # a grade is its code; a school or class: name
    rows = csv_rows(client, f"/reports/data/{name}.csv?{query}", drop=drop)[1:]
    return [[r[0], int(r[1]), int(r[2]), r[3]] for r in rows]


def test_coverage_by_grade_and_class(district, db, client, login):
    login(district.coordinator)
    a = district.a
    grades = coverage_csv(client, "coverage-grade", school=a.id)
    assert grades == [["K", 4, 2, "50.0"], ["3", 10, 3, "30.0"]]
    assert grades == expected_coverage(db, a, "grade")
    classes = coverage_csv(client, "coverage-class", school=a.id)
    assert classes == [["Room 3", 10, 3, "30.0"], ["Room K", 4, 2, "50.0"]]
    assert classes == expected_coverage(db, a, "class")


def test_coverage_follows_the_filters(district, db, client, login):
    login(district.coordinator)
    a, rnd = district.a, district.round_a
    assert coverage_csv(client, "coverage-grade", school=a.id, round=rnd.id) == expected_coverage(
        db, a, "grade", round_id=rnd.id
    )
    week = {"start": date(2026, 10, 12), "end": date(2026, 10, 18)}
    rows = coverage_csv(client, "coverage-grade", school=a.id, **week)
    assert rows == [["K", 4, 0, "0.0"], ["3", 10, 1, "10.0"]]
    assert rows == expected_coverage(db, a, "grade", **week)
    rows = coverage_csv(client, "coverage-class", school=a.id, grade="3")
    assert rows == [["Room 3", 10, 3, "30.0"]] == expected_coverage(db, a, "class", grade="3")


def test_coverage_by_school_for_the_district(district, db, client, login):
    login(district.admin)
    rows = coverage_csv(client, "coverage-school")
    assert rows == [["Alder Elementary", 14, 5, "35.7"], ["Birch Middle", 5, 1, "20.0"]]
    for school, row in zip((district.a, district.b), rows, strict=True):
        grades = expected_coverage(db, school, "grade")
        assert row[1:3] == [sum(g[1] for g in grades), sum(g[2] for g in grades)]


# ---- follow-ups -------------------------------------------------------------------------------


def test_follow_ups_opened_and_closed(district, db, client, login):
    login(district.coordinator)
    a = district.a
    rows = as_ints(csv_rows(client, f"/reports/data/follow-ups.csv?school={a.id}", drop=1)[1:])
    assert rows == [["2026-10-05", 2, 0], ["2026-10-12", 1, 1], ["2026-10-19", 0, 1]]
    weeks = defaultdict(lambda: [0, 0])
    still_open = 0
    for f in db.session.scalars(select(FollowUp)):
        if f.visit.school_id != a.id:
            continue
        weeks[monday(local_day(f.created_at, a))][0] += 1
        if f.done_at:
            weeks[monday(local_day(f.done_at, a))][1] += 1
        else:
            still_open += 1
    assert rows == [[w.isoformat(), *c] for w, c in sorted(weeks.items())]
    page = client.get(f"/reports/?school={a.id}").data.decode()
    assert f"3 follow-ups opened and 2 closed; {still_open} still open." in page


# ---- training ---------------------------------------------------------------------------------


def expected_training(db, school):
    people = db.session.scalars(
        select(User)
        .join(RoleAssignment)
        .where(
            RoleAssignment.school_id == school.id,
            # The people who visit: a coordinator-only account is not "Not trained" staff.
            RoleAssignment.role == Role.VISITOR,
            User.active.is_(True),
        )
        .distinct()
    ).all()
    found = Counter(status.value for status, _ in statuses(people, date.today()).values())
    counts = [found[k] for k in ("trained", "lapsing_soon", "lapsed", "not_trained")]
    return [school.name, *counts, len(people)]


def test_training_status_by_school(district, db, client, login):
    login(district.trainer)
    rows = as_ints(csv_rows(client, "/reports/training.csv", drop=1)[1:])
    assert rows == [["Alder Elementary", 1, 1, 1, 1, 4], ["Birch Middle", 1, 0, 0, 0, 1]]
    assert rows == [expected_training(db, district.a), expected_training(db, district.b)]
    login(district.coordinator)
    mine = as_ints(csv_rows(client, "/reports/data/training.csv", drop=1)[1:])
    assert mine == [rows[0]]


# ---- families ---------------------------------------------------------------------------------


def test_families_by_language_and_interpreter(district, db, client, login):
    login(district.coordinator)
    a = district.a
    rows = as_ints(csv_rows(client, f"/reports/data/families.csv?school={a.id}")[1:])
    assert rows == [["en", 0, 6, 6], ["es", 2, 4, 6], ["vi", 1, 0, 1]]
    families = {
        s.family_id for s in db.session.scalars(select(Student)) if s.school_id == a.id and s.active
    }
    by_language = Counter()
    for f in db.session.scalars(select(Family).where(Family.id.in_(families))):
        by_language[(f.home_language, f.interpreter_needed)] += 1
    computed = {
        lang: [by_language[(lang, True)], by_language[(lang, False)]] for lang, _ in by_language
    }
    assert {r[0]: r[1:3] for r in rows} == computed
    grade_k = as_ints(csv_rows(client, f"/reports/data/families.csv?school={a.id}&grade=K")[1:])
    assert grade_k == [["es", 2, 0, 2], ["en", 0, 1, 1], ["vi", 1, 0, 1]]


# ---- hours ------------------------------------------------------------------------------------


def expected_hours(db, school, round_id=None):
    months = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for h in db.session.scalars(select(HoursEntry).where(HoursEntry.school_id == school.id)):
        if round_id is not None and h.visit.round_id != round_id:
            continue
        months[h.earned_on.strftime("%Y-%m")][h.role != TeamRole.VISITOR] += h.hours
    return [[m, f"{v:.2f}", f"{i:.2f}", f"{v + i:.2f}"] for m, (v, i) in sorted(months.items())]


def test_hours_paid_per_month(district, db, client, login):
    login(district.coordinator)
    a = district.a
    rows = csv_rows(client, f"/reports/data/hours.csv?school={a.id}")[1:]
    assert rows == [
        ["2026-09", "1.00", "0.00", "1.00"],
        ["2026-10", "1.50", "1.00", "2.50"],
        ["2026-11", "2.00", "0.00", "2.00"],
    ]
    assert rows == expected_hours(db, a)
    in_round = csv_rows(
        client, f"/reports/data/hours.csv?school={a.id}&round={district.round_a.id}"
    )
    assert in_round[1:] == expected_hours(db, a, district.round_a.id)
    assert [r[0] for r in in_round[1:]] == ["2026-09", "2026-10"]
    autumn = csv_rows(
        client, f"/reports/data/hours.csv?school={a.id}&start=2026-10-01&end=2026-10-31"
    )
    assert autumn[1:] == [["2026-10", "1.50", "1.00", "2.50"]]


# ---- the district side by side ----------------------------------------------------------------


def test_district_side_by_side(district, db, client, login):
    login(district.admin)
    rows = csv_rows(client, "/reports/district.csv", drop=1)
    assert rows[0] == [
        "school_name",
        "students",
        "students_visited",
        "coverage_percent",
        "completed_visits",
        "trained_staff",
        "staff",
    ]
    assert rows[1:] == [
        ["Alder Elementary", "14", "5", "35.7", "4", "2", "4"],
        ["Birch Middle", "5", "1", "20.0", "1", "1", "1"],
    ]
    for school, row in zip((district.a, district.b), rows[1:], strict=True):
        completed = [
            v
            for v in db.session.scalars(select(Visit).where(Visit.school_id == school.id))
            if v.status == VisitStatus.COMPLETED
        ]
        training = expected_training(db, school)
        assert int(row[4]) == len(completed)
        assert int(row[5]) == training[1] + training[2] and int(row[6]) == training[5]


def test_district_sorts_by_any_column(district, client, login):
    login(district.admin)

    def order(query):
        return [r[0] for r in csv_rows(client, f"/reports/district.csv?{query}", drop=1)[1:]]

    assert order("sort=students&dir=asc") == ["Birch Middle", "Alder Elementary"]
    assert order("sort=coverage&dir=desc") == ["Alder Elementary", "Birch Middle"]
    assert order("sort=coverage&dir=asc") == ["Birch Middle", "Alder Elementary"]
    assert order("sort=school&dir=desc") == ["Birch Middle", "Alder Elementary"]
    page = client.get("/reports/district?sort=coverage&dir=asc").data.decode()
    assert 'aria-sort="ascending"' in page
    assert page.index("Birch Middle</a>") < page.index("Alder Elementary</a>")
