"""The impact report computed from a known dataset and compared, figure by figure, with values
worked out by hand (in the comments); suppression of small groups; the pages and CSVs by role.

School year 2025–26 at a school in California. Months Sep, Oct, Nov 2025, 20 days enrolled each.
- Grade 3, visited (12): first visits in October (one at 23:30 on 31 Oct in California, already
  1 Nov in UTC: still October's, so November is "after" for that student).
  4 students absent 4, 2, 1 (year 7/60 = 11.7 %: chronic; before 4/20 chronic; after 1/20 not);
  8 students absent 1, 1, 1 (3/60 = 5 %).
  → 12 students, 4 chronic (33.3 %); days 720, absent 4·7 + 8·3 = 52: rate 668/720 = 92.8 %.
  → before (Sep): 12, 4 chronic (33.3 %), absent 4·4 + 8·1 = 24 of 240: 90.0 %;
    after (Nov): 12, 0 chronic, absent 12 of 240: 95.0 %.
- Grade 3, not visited (12): 3 students absent 2, 2, 2 (6/60 = exactly 10 %: chronic);
  1 absent 2, 2, 1.5 (5.5/60: not); 8 absent 0 (one was visited on 30 June 2025 at 22:00 in
  California: 1 July in UTC, but last school year).
  → 12, 3 chronic (25.0 %); absent 6·3 + 5.5 = 23.5 of 720: rate 696.5/720 = 96.7 %.
- Grade K, visited (5) and grade 1, visited (4): never absent; first visits in October, except one
  grade-1 student who has November only (visited, but nothing before: not in before/after).
  Both groups are under 10: suppressed. Two hidden in the series: no second suppression needed.
- All grades, visited: 12 + 5 + 4 = 21 students, 4 chronic (19.0 %); days 720 + 100 + 60 + 20 =
  … enrolled 12·60 + 5·60 + 3·60 + 20 = 1220, absent 52: rate 1168/1220 = 95.7 %.
  Before/after: 20 students; before 4 chronic (20.0 %), absent 24 of 400 (94.0 %); after 0
  chronic, absent 12 of 400 (97.0 %).
- Not counted: a visit still scheduled; attendance at another school; a month of another year.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from fieldapp.extensions import db as _db
from fieldapp.models import AttendanceMonth, Role, Visit, VisitStatus, VisitType
from fieldapp.reports import impact
from fieldapp.reports.impact import ALL_GRADES, GradeRow, Group, Year, suppress
from tests.factories import make_school, make_student, make_user

LA = ZoneInfo("America/Los_Angeles")
MONTHS = (date(2025, 9, 1), date(2025, 10, 1), date(2025, 11, 1))


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LA).astimezone(UTC)


def student(
    school, grade, absences, *, visited_at=None, status=VisitStatus.COMPLETED, months=MONTHS
):
    s = make_student(school, grade=grade)
    for month, absent in zip(months, absences, strict=True):
        _db.session.add(
            AttendanceMonth(
                student_id=s.id,
                school_id=school.id,
                month=month,
                days_enrolled=Decimal(20),
                days_absent=Decimal(str(absent)),
            )
        )
    if visited_at is not None:
        _db.session.add(
            Visit(
                school_id=school.id,
                family_id=s.family_id,
                visit_type=VisitType.FIRST,
                status=status,
                completed_at=visited_at if status == VisitStatus.COMPLETED else None,
                scheduled_start=visited_at,
                students=[s],
            )
        )
    return s


@pytest.fixture
def dataset(db):
    school = make_school(name="Lincoln", code="LIN", timezone="America/Los_Angeles")
    other = make_school(name="Other", code="OTH")
    october = local(2025, 10, 15, 17)
    late = local(2025, 10, 31, 23, 30)  # 1 Nov 06:30 UTC
    for i in range(4):
        student(school, "3", (4, 2, 1), visited_at=late if i == 0 else october)
    for _ in range(8):
        student(school, "3", (1, 1, 1), visited_at=october)
    for _ in range(3):
        student(school, "3", (2, 2, 2))
    student(school, "3", (2, 2, 1.5))
    student(school, "3", (0, 0, 0), visited_at=local(2025, 6, 30, 22))  # last year's
    student(school, "3", (0, 0, 0), visited_at=october, status=VisitStatus.SCHEDULED)
    for _ in range(6):
        student(school, "3", (0, 0, 0))
    for _ in range(5):
        student(school, "K", (0, 0, 0), visited_at=october)
    for _ in range(3):
        student(school, "1", (0, 0, 0), visited_at=october)
    student(school, "1", (0,), visited_at=october, months=(date(2025, 11, 1),))
    # Not counted: another school's attendance, another year's month.
    student(other, "3", (10, 10, 10), visited_at=october)
    student(school, "3", (5,), months=(date(2025, 6, 1),)).active = False
    make_student(school, grade="5")  # on the roster, no attendance
    db.session.commit()
    return school, other


def figures(g: Group) -> tuple:
    share = None if g.chronic_share is None else round(g.chronic_share * 100, 1)
    rate = None if g.attendance_rate is None else round(g.attendance_rate * 100, 1)
    return g.students, g.chronic, share, rate, g.suppressed


def test_the_figures_match_the_hand_computed_ones(dataset):
    school, _other = dataset
    result = impact.impact((school.id,), Year(2025), "America/Los_Angeles")
    rows = {r.grade: r.groups for r in result.rows}
    assert [r.grade for r in result.rows] == ["K", "1", "3", ALL_GRADES]
    assert figures(rows["3"]["visited"]) == (12, 4, 33.3, 92.8, False)
    assert figures(rows["3"]["not_visited"]) == (12, 3, 25.0, 96.7, False)
    assert figures(rows["3"]["before"]) == (12, 4, 33.3, 90.0, False)
    assert figures(rows["3"]["after"]) == (12, 0, 0.0, 95.0, False)
    assert figures(rows["K"]["visited"])[-1] is True and rows["K"]["visited"].chronic_share is None
    assert figures(rows["1"]["visited"])[-1] is True
    assert rows["K"]["not_visited"].students == 0
    assert figures(rows[ALL_GRADES]["visited"]) == (21, 4, 19.0, 95.7, False)
    assert figures(rows[ALL_GRADES]["not_visited"]) == (12, 3, 25.0, 96.7, False)
    assert figures(rows[ALL_GRADES]["before"]) == (20, 4, 20.0, 94.0, False)
    assert figures(rows[ALL_GRADES]["after"]) == (20, 0, 0.0, 97.0, False)
    assert result.with_attendance == 33
    assert round(result.visited_share, 4) == round(21 / 33, 4)
    # On the roster: 33 with attendance + the grade-5 student (the inactive one is not counted).
    assert result.roster == 34


def test_the_district_adds_the_other_school(dataset):
    school, other = dataset
    result = impact.impact(None, Year(2025), "America/Los_Angeles")
    assert result.total.groups["visited"].students == 22  # the other school's visited student


def test_another_year_has_nothing(dataset):
    school, _other = dataset
    assert (
        impact.impact((school.id,), Year(2024), "America/Los_Angeles")
        .total.groups["not_visited"]
        .students
        == 1
    )  # June 2025's month belongs to 2024–25
    assert impact.impact((school.id,), Year(2026), "America/Los_Angeles").empty


def rows_of(counts: dict[str, int]) -> list[GradeRow]:
    rows = []
    for grade, n in counts.items():
        row = GradeRow(grade)
        row.groups["visited"].students = n
        rows.append(row)
    total = GradeRow(ALL_GRADES)
    total.groups["visited"].students = sum(counts.values())
    return [*rows, total]


def hidden(rows: list[GradeRow]) -> list[str]:
    return [r.grade for r in rows if r.groups["visited"].suppressed]


def test_a_group_alone_under_ten_hides_the_next_smallest_too():
    rows = rows_of({"K": 5, "1": 30, "2": 12, "3": 40})
    suppress(rows)
    assert hidden(rows) == ["K", "2"]  # else total − the others = K's figures


def test_two_small_groups_hide_only_themselves_and_empty_ones_are_not_hidden():
    rows = rows_of({"K": 5, "1": 9, "2": 0, "3": 40})
    suppress(rows)
    assert hidden(rows) == ["K", "1"]
    assert not rows[2].groups["visited"].suppressed and not rows[2].groups["visited"].shown


def test_ten_is_shown_and_a_small_total_is_hidden():
    rows = rows_of({"K": 10})
    suppress(rows)
    assert hidden(rows) == []
    assert rows[0].groups["visited"].small
    rows = rows_of({"K": 4, "1": 3})
    suppress(rows)
    assert hidden(rows) == ["K", "1", ALL_GRADES]


def test_years_offered_run_from_the_first_with_attendance_to_this_one(dataset):
    school, _other = dataset
    found = impact.years((school.id,), date(2026, 12, 6))
    assert [y.start for y in found] == [2026, 2025, 2024]
    assert found[1].label == "2025–26"
    # Several schools, and the district: from the first month any of them has.
    assert [y.start for y in impact.years((school.id, _other.id), date(2026, 12, 6))] == [
        2026,
        2025,
        2024,
    ]
    assert [y.start for y in impact.years(None, date(2026, 12, 6))] == [2026, 2025, 2024]
    # Only the other school's months (2025–26): from that year; none at all: this year alone.
    assert [y.start for y in impact.years((_other.id,), date(2026, 12, 6))] == [2026, 2025]
    empty = make_school()
    assert [y.start for y in impact.years((empty.id,), date(2026, 12, 6))] == [2026]


# ---- the pages ---------------------------------------------------------------------------------


def test_the_coordinator_reads_the_report(dataset, client, login):
    school, _other = dataset
    login(make_user(Role.COORDINATOR, school))
    page = client.get(f"/reports/impact?school={school.id}&year=2025")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Did the visits help? Lincoln" in html
    assert "A comparison, not proof." in html
    assert "33 of 34 on the roster" in html and "21 students (64%)" in html
    assert (
        "Over all grades, 19% of students whose family was visited were chronically absent, "
        "against 25% whose family was not." in html
    )
    assert "fewer than 10" in html and "<svg" in html
    assert 'href="/reports/impact/impact-chronic.csv?school=' in html
    # A student's name never appears: only aggregates.
    assert "Kid" not in html


def test_the_default_year_is_this_one_and_says_when_nothing_is_imported(dataset, client, login):
    school, _other = dataset
    login(make_user(Role.COORDINATOR, school))
    html = client.get("/reports/impact").get_data(as_text=True)
    assert 'id="no-attendance"' in html and "2026–27" in html


def test_a_year_not_offered_is_a_message_beside_the_field(dataset, client, login):
    school, _other = dataset
    login(make_user(Role.COORDINATOR, school))
    page = client.get("/reports/impact?year=1999")
    assert page.status_code == 422
    assert "Choose a school year from the list." in page.get_data(as_text=True)
    assert client.get("/reports/impact/impact-chronic.csv?year=abc").status_code == 400


def test_the_csv_holds_the_figures_and_blanks_suppressed_groups(dataset, client, login):
    school, _other = dataset
    login(make_user(Role.COORDINATOR, school))
    response = client.get(f"/reports/impact/impact-chronic.csv?school={school.id}&year=2025")
    assert response.status_code == 200 and response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert list(rows[0]) == impact.CSV_COLUMNS
    by = {(r["grade"], r["group"]): r for r in rows}
    assert by[("3", "visited")] == {
        "grade": "3",
        "group": "visited",
        "students": "12",
        "chronically_absent": "4",
        "chronic_absence_percent": "33.3",
        "days_enrolled": "720.0",
        "days_absent": "52.0",
        "attendance_rate_percent": "92.8",
        "suppressed": "0",
        "small_group": "1",
    }
    assert by[("K", "visited")]["students"] == "" and by[("K", "visited")]["suppressed"] == "1"
    assert by[("all", "not_visited")]["chronic_absence_percent"] == "25.0"
    before = client.get(f"/reports/impact/impact-before-after.csv?school={school.id}&year=2025")
    rows = list(csv.DictReader(io.StringIO(before.data.decode("utf-8-sig"))))
    assert {(r["grade"], r["group"]): r["attendance_rate_percent"] for r in rows}[
        ("all", "after")
    ] == "97.0"
    assert client.get("/reports/impact/nothing.csv").status_code == 404


def test_the_admin_sees_the_district_and_the_print_version(dataset, client, login):
    login(make_user(Role.ADMIN))
    html = client.get("/reports/impact?year=2025").get_data(as_text=True)
    assert "Did the visits help? All schools" in html
    printed = client.get("/reports/impact?year=2025&print=1").get_data(as_text=True)
    assert "data-print" in printed and "school year 2025–26" in printed


def test_others_may_not_read_it(dataset, client, login):
    school, other = dataset
    for role in (Role.VISITOR, Role.TRAINER):
        login(make_user(role, school) if role.is_school_role else make_user(role))
        assert client.get("/reports/impact").status_code == 403
        assert client.get("/reports/impact/impact-chronic.csv").status_code == 403
    login(make_user(Role.COORDINATOR, school))
    assert client.get(f"/reports/impact?school={other.id}").status_code == 404


def test_the_programme_report_links_to_it(dataset, client, login):
    school, _other = dataset
    login(make_user(Role.COORDINATOR, school))
    assert "/reports/impact" in client.get("/reports/").get_data(as_text=True)


def test_the_page_costs_the_same_statements_with_more_students(dataset, client, login, db):
    from tests.test_query_counts import BUDGET, count_queries

    school, _other = dataset
    login(make_user(Role.COORDINATOR, school))
    url = f"/reports/impact?school={school.id}&year=2025"
    counts = []
    for more in (0, 40):
        for i in range(more):
            student(
                school, "4", (i % 5, 1, 0), visited_at=local(2025, 10, 2, 17) if i % 2 else None
            )
        db.session.commit()
        with count_queries(db.engine) as statements:
            assert client.get(url).status_code == 200
        counts.append(len(statements))
    # Not more with more students. (The first request may read the signed-in session row the
    # second finds in the worker's one-second cache: one fewer, never one more.)
    assert counts[1] <= counts[0] <= BUDGET, counts
