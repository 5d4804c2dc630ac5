"""The coordinator: rounds, the assignment board, the dashboard's coverage and hours for pay."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from fieldapp.models import (
    HoursEntry,
    HoursMode,
    Role,
    Round,
    Student,
    TeamMember,
    Visit,
    VisitStatus,
    VisitStudent,
)
from fieldapp.visits import services as visit_services
from tests.factories import (
    add_completion,
    make_family,
    make_round,
    make_school,
    make_student,
    make_user,
    make_visit,
)

TODAY = date.today()
HX = {"HX-Request": "true"}


def new_round(client, school, **data):
    form = {
        "name": "Fall round",
        "visit_type": "first",
        "starts_on": TODAY.isoformat(),
        "ends_on": (TODAY + timedelta(days=60)).isoformat(),
        "scope": "school",
        **data,
    }
    return client.post(f"/schools/{school.id}/rounds/new", data=form)


def test_a_round_over_one_grade_makes_one_visit_per_family_and_skips_do_not_contact(
    db, client, school, coordinator
):
    siblings = make_family()
    make_student(school, siblings, grade="2")
    make_student(school, siblings, grade="2")
    single = make_family()
    make_student(school, single, grade="2")
    wish = make_family(do_not_contact=True)
    make_student(school, wish, grade="2")
    make_student(school, make_family(), grade="3")  # another grade: not in scope
    db.session.commit()

    response = new_round(client, school, scope="grades", grades=["2"])
    assert response.status_code == 303
    flash = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Round created with 2 visits" in flash and "1 asked not to be contacted" in flash
    round_ = db.session.scalar(select(Round))
    visits = db.session.scalars(select(Visit).where(Visit.round_id == round_.id)).all()
    assert sorted(v.family_id for v in visits) == sorted([siblings.id, single.id])
    sibling_visit = next(v for v in visits if v.family_id == siblings.id)
    assert len(sibling_visit.students) == 2  # siblings share one visit

    # The same families are not given a second first visit in the same school year.
    again = new_round(client, school, name="Again", scope="grades", grades=["2"])
    assert "2 already had a first visit in the" in client.get(again.headers["Location"]).get_data(
        as_text=True
    )


def test_a_round_needs_a_window_and_a_scope(db, client, school, coordinator):
    bad = new_round(client, school, ends_on=(TODAY - timedelta(days=1)).isoformat())
    assert bad.status_code == 422 and "must end after it starts" in bad.get_data(as_text=True)
    empty = new_round(client, school, scope="grades")
    assert empty.status_code == 422 and "Choose who the round is for." in empty.get_data(
        as_text=True
    )
    assert db.session.scalar(select(func.count()).select_from(Round)) == 0


def test_closing_a_round_keeps_its_visits(db, client, school, coordinator):
    visit = make_visit(school)
    db.session.commit()
    assert client.post(f"/rounds/{visit.round_id}/close").status_code == 303
    db.session.expire_all()
    assert db.session.get(Round, visit.round_id).closed_at is not None
    assert db.session.get(Visit, visit.id) is not None


# ---- the assignment board --------------------------------------------------------------------


def board_data(visits, *people, interpreter=None):
    data = {
        "visits": [str(v.id) for v in visits],
        **{f"version-{v.id}": str(v.version) for v in visits},
    }
    for n, person in enumerate(people, start=1):
        data[f"member{n}"] = str(person.id)
    if interpreter is not None:
        data["interpreter"] = str(interpreter.id)
    return data


def unassigned(school, n=1):
    rnd = make_round(school)
    return [make_visit(school, team=[], round=rnd) for _ in range(n)]


def test_bulk_assignment_gives_several_visits_one_team(db, client, school, coordinator):
    a, b = make_user(Role.VISITOR, school), make_user(Role.VISITOR, school)
    visits = unassigned(school, 3)
    db.session.commit()
    response = client.post(
        f"/rounds/{visits[0].round_id}/assign", data=board_data(visits[:2], a, b), headers=HX
    )
    assert response.status_code == 200
    assert "2 visits assigned to" in response.get_data(as_text=True)
    db.session.expire_all()
    teams = {v.id: {m.user_id for m in db.session.get(Visit, v.id).team} for v in visits}
    assert teams[visits[0].id] == teams[visits[1].id] == {a.id, b.id}
    assert teams[visits[2].id] == set()


@pytest.mark.parametrize("trained", [False, "lapsed", "lapses_in_round"])
def test_an_untrained_or_lapsing_person_cannot_be_assigned(
    db, client, school, coordinator, trained
):
    ok = make_user(Role.VISITOR, school)
    if trained == "lapses_in_round":
        person = make_user(Role.VISITOR, school, trained=False, name="Lena Lapsing")
        add_completion(person, TODAY - timedelta(days=700), TODAY + timedelta(days=20))
        reason = "before the round ends"
    else:
        person = make_user(Role.VISITOR, school, trained=trained, name="Lena Lapsing")
        reason = "Not trained" if trained is False else "Training lapsed"
    visits = unassigned(school)
    db.session.commit()
    board = client.get(f"/rounds/{visits[0].round_id}").get_data(as_text=True)
    option = re.search(rf'<option value="{person.id}" disabled>[^<]*', board)
    assert option and reason in option.group(0)  # shown, not pickable, with the reason
    crafted = client.post(
        f"/rounds/{visits[0].round_id}/assign", data=board_data(visits, ok, person), headers=HX
    )
    assert crafted.status_code == 422
    assert "Lena Lapsing cannot be assigned" in crafted.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(TeamMember)) == 0


def test_people_of_another_school_cannot_be_assigned(db, client, school, coordinator):
    ours = make_user(Role.VISITOR, school)
    theirs = make_user(Role.VISITOR, make_school())
    visits = unassigned(school)
    db.session.commit()
    response = client.post(
        f"/rounds/{visits[0].round_id}/assign", data=board_data(visits, ours, theirs)
    )
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(TeamMember)) == 0


def test_a_stale_board_gets_a_clear_message_not_a_silent_overwrite(db, client, school, coordinator):
    a, b, c, d = (make_user(Role.VISITOR, school) for _ in range(4))
    visits = unassigned(school)
    db.session.commit()
    stale = board_data(visits, a, b)  # the board as it was loaded
    # Another coordinator assigns the visit first.
    client.post(f"/rounds/{visits[0].round_id}/assign", data=board_data(visits, c, d))
    response = client.post(f"/rounds/{visits[0].round_id}/assign", data=stale, headers=HX)
    assert response.status_code == 409
    assert "Someone else changed" in response.get_data(as_text=True)
    db.session.expire_all()
    team = {m.user_id for m in db.session.get(Visit, visits[0].id).team}
    assert team == {c.id, d.id}


def test_the_suggestion_prefers_the_teacher_and_a_speaker_of_the_language(
    db, client, school, coordinator
):
    teacher = make_user(Role.VISITOR, school, name="Tara Teacher")
    speaker = make_user(Role.VISITOR, school, name="Sergio Speaker", languages="en es")
    make_user(Role.VISITOR, school, name="Olga Other")
    family = make_family(home_language="es")
    rnd = make_round(school)
    student = make_student(school, family, teacher=teacher)
    visit = make_visit(school, team=[], round=rnd, family=family)
    visit.students = [student]
    db.session.commit()
    board = client.get(f"/rounds/{rnd.id}").get_data(as_text=True)
    assert re.search(r"Suggested: Tara \(teacher[^)]*\) &amp; Sergio \(speaks the family", board)
    response = client.post(
        f"/rounds/{rnd.id}/assign",
        data={"suggested": str(visit.id), f"version-{visit.id}": str(visit.version)},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert {m.user_id for m in db.session.get(Visit, visit.id).team} == {teacher.id, speaker.id}


def test_board_filters_by_grade_and_language(db, client, school, coordinator):
    rnd = make_round(school)
    spanish = make_visit(school, team=[], round=rnd, family=make_family(home_language="es"))
    english = make_visit(school, team=[], round=rnd, family=make_family(home_language="en"))
    english.students[0].grade = "5"
    db.session.commit()
    html = client.get(f"/rounds/{rnd.id}?language=es", headers=HX).get_data(as_text=True)
    assert spanish.family.name in html and english.family.name not in html
    assert "<html" not in html  # the board fragment
    html = client.get(f"/rounds/{rnd.id}?grade=5").get_data(as_text=True)
    assert english.family.name in html and spanish.family.name not in html


# ---- the dashboard ---------------------------------------------------------------------------


def complete(visit, now):
    visit.status = VisitStatus.SCHEDULED
    visit.scheduled_start = now - timedelta(days=1)
    visit_services.submit_reflection(
        visit, by=visit.members[0], duration_minutes=40, shared={"hopes_and_dreams": "x"}, now=now
    )


def test_coverage_on_the_dashboard_matches_the_database(db, client, school, coordinator):
    rnd = make_round(school)
    now = datetime.now(UTC)
    for n in range(12):
        visit = make_visit(school, round=rnd)
        visit.students[0].grade = "1" if n < 8 else "2"
        if n in (0, 1, 9):
            complete(visit, now)
    db.session.commit()
    html = client.get(f"/schools/{school.id}/").get_data(as_text=True)
    for grade in ("1", "2"):
        total = db.session.scalar(
            select(func.count())
            .select_from(Student)
            .where(Student.school_id == school.id, Student.grade == grade)
        )
        seen = db.session.scalar(
            select(func.count(func.distinct(VisitStudent.student_id)))
            .join(Visit, Visit.id == VisitStudent.visit_id)
            .join(Student, Student.id == VisitStudent.student_id)
            .where(
                Visit.round_id == rnd.id,
                Visit.status == VisitStatus.COMPLETED,
                Student.grade == grade,
            )
        )
        share = round(100 * seen / total)
        assert re.search(
            rf"Grade {grade}</span>.*?{share}% <small>{seen}/{total}</small>", html, re.S
        ), grade
    assert "3</strong> of 12 students visited" in html


def test_a_round_of_chosen_students_is_flagged_as_looking_targeted(db, client, school, coordinator):
    for n in range(4):
        make_student(school, make_family(), grade="4", sis_id=f"S{n}")
    db.session.commit()
    new_round(client, school, scope="students", students="S0")
    html = client.get(f"/schools/{school.id}/").get_data(as_text=True)
    assert "picks individual students only" in html
    assert "leaves out most of grade 4 (1 of 4" in html


# ---- hours for pay ---------------------------------------------------------------------------


def test_the_hours_csv_matches_the_completed_visits_and_nothing_is_paid_twice(
    db, client, school, coordinator
):
    school.hours_mode = HoursMode.PER_VISIT
    school.hours_per_visit = Decimal("1.5")
    a, b, c = (make_user(Role.VISITOR, school) for _ in range(3))
    now = datetime.now(UTC)
    for team in ([a, b], [a, c], [a, b]):
        complete(make_visit(school, team=team), now)
    make_visit(school, team=[b, c])  # not completed: no hours
    db.session.commit()
    start, end = TODAY - timedelta(days=5), TODAY + timedelta(days=5)
    url = f"/schools/{school.id}/hours.csv?start={start}&end={end}"
    rows = {
        r["email"]: r
        for r in csv.DictReader(io.StringIO(client.get(url).get_data().decode("utf-8-sig")))
    }
    expected = {}
    for entry in db.session.scalars(select(HoursEntry)):
        count, hours = expected.get(entry.user_id, (0, Decimal(0)))
        expected[entry.user_id] = (count + 1, hours + entry.hours)
    assert {
        (r["email"], int(r["completed_visits"]), Decimal(r["visitor_hours"])) for r in rows.values()
    } == {(p.email, *expected[p.id]) for p in (a, b, c)}
    assert rows[a.email]["completed_visits"] == "3" and rows[a.email]["visitor_hours"] == "4.50"
    assert rows[a.email]["exported_hours"] == "0.00"

    marked = client.post(f"/schools/{school.id}/hours/export?start={start}&end={end}")
    assert marked.status_code == 303
    again = client.post(
        f"/schools/{school.id}/hours/export?start={start}&end={end}", follow_redirects=True
    )
    assert "Nothing new to export" in again.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(client.get(url).get_data().decode("utf-8-sig"))))
    assert {r["not_exported_hours"] for r in rows} == {"0.00"}
    assert rows[0]["exported_hours"] != "0.00"


def test_pay_can_follow_the_minutes_recorded(db, client, school, coordinator):
    response = client.post(
        f"/schools/{school.id}/hours/settings", data={"mode": "minutes", "hours_per_visit": "1"}
    )
    assert response.status_code == 303
    db.session.refresh(school)
    assert school.hours_mode == HoursMode.MINUTES
