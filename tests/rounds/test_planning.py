"""Planning a round: the school year, the preview before creating, chosen students by id, and
first visits once per family per school year."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from fieldapp import rules
from fieldapp.models import (
    Role,
    Round,
    RoundScope,
    SchoolClass,
    TeamMember,
    User,
    Visit,
    VisitStatus,
    VisitType,
)
from fieldapp.rounds import services
from tests.factories import make_family, make_school, make_student, make_user

HX = {"HX-Request": "true"}


# ---- the school year (rules/school_years.py) -----------------------------------------------------


@pytest.mark.parametrize(
    ("day", "first", "last", "label"),
    [
        (date(2026, 6, 30), date(2025, 7, 1), date(2026, 6, 30), "2025–26"),
        (date(2026, 7, 1), date(2026, 7, 1), date(2027, 6, 30), "2026–27"),
        (date(2026, 12, 31), date(2026, 7, 1), date(2027, 6, 30), "2026–27"),
        (date(2027, 1, 1), date(2026, 7, 1), date(2027, 6, 30), "2026–27"),
        (date(1999, 9, 1), date(1999, 7, 1), date(2000, 6, 30), "1999–00"),
    ],
)
def test_the_school_year_runs_from_1_july_to_30_june(day, first, last, label):
    assert rules.school_year(day) == (first, last)
    assert rules.school_year_label(day) == label


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (VisitStatus.TO_ARRANGE, True),
        (VisitStatus.CONTACTING, True),
        (VisitStatus.SCHEDULED, False),
        (VisitStatus.RESCHEDULING, False),
        (VisitStatus.COMPLETED, False),
        (VisitStatus.CANCELLED, False),
    ],
)
def test_a_team_comes_off_a_visit_only_until_a_time_is_agreed(status, allowed):
    visit = Visit(status=status, team=[TeamMember(user=User(id=1)), TeamMember(user=User(id=2))])
    if allowed:
        rules.check_unassign(visit)
    else:
        with pytest.raises(rules.RuleViolation, match="expects this team"):
            rules.check_unassign(visit)


def test_a_visit_without_a_team_has_no_team_to_take_off():
    with pytest.raises(rules.RuleViolation, match="no team"):
        rules.check_unassign(Visit(status=VisitStatus.TO_ARRANGE, team=[]))


# ---- first visits once per family per school year (services) ---------------------------------


def plan(school, visit_type=VisitType.FIRST, starts=date(2027, 2, 1), ends=date(2027, 3, 15)):
    return services.plan_round(
        school,
        visit_type=visit_type,
        starts_on=starts,
        ends_on=ends,
        scope=RoundScope.SCHOOL,
        values=[],
    )


def fall_round(school, coordinator, **kw):
    return services.create_round(
        school,
        name="Fall 2026",
        visit_type=VisitType.FIRST,
        starts_on=date(2026, 9, 1),
        ends_on=date(2026, 10, 31),
        scope=RoundScope.SCHOOL,
        values=[],
        by=coordinator,
        **kw,
    )


def test_a_later_first_visit_round_skips_families_with_a_first_visit_this_school_year(
    db, school, coordinator
):
    visited, cancelled = make_family(), make_family()
    make_student(school, visited)
    make_student(school, cancelled)
    made = fall_round(school, coordinator)
    assert made.plan.made == 2
    gone = next(v for v in db.session.scalars(select(Visit)) if v.family_id == cancelled.id)
    gone.status = VisitStatus.CANCELLED
    newcomer = make_family()
    make_student(school, newcomer)

    spring = plan(school)  # the same 2026–27 school year, a later, non-overlapping period
    assert [s[0].family_id for s in spring.families] == sorted([cancelled.id, newcomer.id])
    assert spring.skipped_first_this_year == 1 and spring.skipped_already_visited == 0
    assert spring.skipped == [
        "1 already had a first visit in the 2026–27 school year (first visits are once a year; "
        "the second visit follows up)"
    ]

    # Second visits are the academic follow-up: every family in scope gets one.
    assert plan(school, VisitType.SECOND).made == 3
    # The next school year starts afresh.
    next_year = plan(school, starts=date(2027, 8, 20), ends=date(2027, 10, 1))
    assert next_year.made == 3 and next_year.school_year == "2027–28"


def test_second_visits_are_not_made_twice_in_overlapping_periods(db, school, coordinator):
    make_student(school, make_family())
    services.create_round(
        school,
        name="Winter",
        visit_type=VisitType.SECOND,
        starts_on=date(2027, 1, 10),
        ends_on=date(2027, 2, 28),
        scope=RoundScope.SCHOOL,
        values=[],
        by=coordinator,
    )
    again = plan(school, VisitType.SECOND, date(2027, 2, 1), date(2027, 3, 15))
    assert again.made == 0 and again.skipped_already_visited == 1
    later = plan(school, VisitType.SECOND, date(2027, 4, 1), date(2027, 5, 15))
    assert later.made == 1


def test_the_plan_counts_coverage_by_grade_and_class(db, school, coordinator):
    siblings = make_family()
    make_student(school, siblings, grade="1")
    make_student(school, siblings, grade="3")
    make_student(school, make_family(do_not_contact=True), grade="1")
    make_student(school, make_family(), grade="1")
    teacher = make_user(Role.VISITOR, school)
    make_student(school, make_family(), teacher=teacher, grade="3")  # in a class of its own
    result = services.plan_round(
        school,
        visit_type=VisitType.FIRST,
        starts_on=date(2026, 9, 1),
        ends_on=date(2026, 10, 1),
        scope=RoundScope.GRADES,
        values=["1"],
    )
    # Grade 1: three students, the do-not-contact family's is skipped. The sibling in grade 3
    # is not in scope: the visit is for the students the round takes in.
    assert result.made == 2 and result.skipped_do_not_contact == 1
    assert [(c.label, c.covered, c.students) for c in result.by_grade] == [
        ("Grade 1", 2, 3),
        ("Grade 3", 0, 2),
    ]
    class_name = db.session.scalar(select(SchoolClass.name))
    assert [(c.label, c.covered, c.students) for c in result.by_class] == [(class_name, 0, 1)]
    assert result.warnings == []  # a whole grade is not targeting


# ---- the plan form: preview, chosen students by id (views) -----------------------------------


def form(**data):
    return {
        "name": "Spring round",
        "visit_type": "first",
        "starts_on": "2026-09-01",
        "ends_on": "2026-10-31",
        "scope": "school",
        **data,
    }


def rounds_made(db):
    return db.session.scalar(select(func.count()).select_from(Round))


def test_the_preview_shows_visits_coverage_and_the_targeting_warning_before_creating(
    db, client, school, coordinator
):
    for n in range(4):
        make_student(school, make_family(), grade="4", sis_id=f"S{n}")
    db.session.commit()
    url = f"/schools/{school.id}/rounds/new"
    response = client.post(url, data=form(scope="students", students="S2", preview="1"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This round will make 1 visit." in html
    assert "Looks targeted:" in html and "picks individual students only" in html
    assert "leaves out most of grade 4 (1 of 4" in html
    assert re.search(r"Grade 4</td>\s*<td class=\"num\">1/4</td><td class=\"num\">25%", html)
    assert 'value="S2"' in html  # the form as it was filled in
    assert rounds_made(db) == 0 and db.session.scalar(select(func.count()).select_from(Visit)) == 0

    partial = client.post(url, data=form(preview="1"), headers=HX)
    body = partial.get_data(as_text=True)
    assert partial.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<div id="plan">') and "will make 4 visits" in body
    assert "Looks targeted" not in body  # the whole school is not targeting
    assert rounds_made(db) == 0

    created = client.post(url, data=form(scope="students", students="S0 S2"))
    assert created.status_code == 303 and rounds_made(db) == 1


@pytest.mark.parametrize("preview", [True, False])
def test_a_mistyped_student_id_is_refused_by_name_beside_the_field(
    db, client, school, coordinator, preview
):
    make_student(school, make_family(), sis_id="S100")
    make_student(make_school(), make_family(), sis_id="S200")  # another school's student
    db.session.commit()
    data = form(scope="students", students="S100, S1OO S200")
    if preview:
        data["preview"] = "1"
    response = client.post(f"/schools/{school.id}/rounds/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="students-error"' in html
    assert "has the ids S1OO, S200" in html.split('id="students-error"')[1][:200]
    assert rounds_made(db) == 0


def test_chosen_students_need_an_id(db, client, school, coordinator):
    response = client.post(f"/schools/{school.id}/rounds/new", data=form(scope="students"))
    assert response.status_code == 422
    assert "Enter the students" in response.get_data(as_text=True).split('id="students-error"')[1]


def test_grade_and_class_boxes_sit_on_their_labels_line(db, client, school, coordinator):
    make_student(school, make_family(), teacher=make_user(Role.VISITOR, school), grade="2")
    db.session.commit()
    html = client.get(f"/schools/{school.id}/rounds/new").get_data(as_text=True)
    assert (
        '<legend>Grades</legend>\n  \n  <label class="check"><input id="grades-0" name="grades"'
        in (html)
    )
    assert '<label class="check"><input id="classes-0" name="classes" type="checkbox"' in html
    assert "<ul" not in html.split("<form")[1].split("</form>")[0]  # no box-above-label list
    checked = client.post(
        f"/schools/{school.id}/rounds/new", data=form(scope="grades", grades=["2"], preview="1")
    ).get_data(as_text=True)
    assert '<label class="check"><input checked id="grades-0" name="grades"' in checked


@pytest.mark.parametrize(
    ("who", "url", "status"),
    [
        ("visitor", "/schools/{school}/rounds/new", 403),
        ("other_coordinator", "/schools/{school}/rounds/new", 404),
        ("coordinator", "/schools/999999/rounds/new", 404),
    ],
)
def test_the_preview_is_for_the_schools_coordinator(db, client, login, school, who, url, status):
    people = {
        "visitor": make_user(Role.VISITOR, school),
        "other_coordinator": make_user(Role.COORDINATOR, make_school()),
        "coordinator": make_user(Role.COORDINATOR, school),
    }
    db.session.commit()
    login(people[who])
    response = client.post(url.format(school=school.id), data=form(preview="1"))
    assert response.status_code == status
    assert rounds_made(db) == 0


def test_bad_dates_in_a_preview_are_shown_beside_the_field(db, client, school, coordinator):
    response = client.post(
        f"/schools/{school.id}/rounds/new",
        data=form(starts_on="2026-10-01", ends_on="2026-09-01", preview="1"),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "must end after it starts" in html.split('id="ends_on-error"')[1][:200]
    garbage = client.post(
        f"/schools/{school.id}/rounds/new", data=form(starts_on="soon", preview="1")
    )
    assert garbage.status_code == 422 and 'id="starts_on-error"' in garbage.get_data(as_text=True)


def test_a_pasted_list_too_long_for_chosen_students_is_refused(db, client, school, coordinator):
    ids = " ".join(f"S{n}" for n in range(services.MAX_CHOSEN + 1))
    response = client.post(
        f"/schools/{school.id}/rounds/new", data=form(scope="students", students=ids, preview="1")
    )
    assert response.status_code == 422
    assert "Enter at most 1000 ids" in response.get_data(as_text=True)
