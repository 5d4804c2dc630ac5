"""The roster tells same-name families apart (a guardian, the siblings), shows the student id
"Chosen students" asks for, sorts, exports a CSV, and shows "visited" for the round in progress
(not next term's round) unless the coordinator picks another."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from fieldapp.extensions import db as _db
from fieldapp.models import Role, VisitStatus, VisitType
from tests.factories import (
    make_family,
    make_round,
    make_school,
    make_student,
    make_user,
    make_visit,
)
from tests.families.test_roster import rows


def _setup(login):
    school = make_school()
    le_one = make_family(name="Le")
    le_one.guardians[0].name = "Mai Le"
    le_two = make_family(name="Le")
    le_two.guardians[0].name = "Tuan Le"
    anh = make_student(school, le_one, grade="2", first_name="Anh", last_name="Le", sis_id="S-300")
    bao = make_student(school, le_one, grade="K", first_name="Bao", last_name="Le", sis_id="S-100")
    cam = make_student(school, le_two, grade="10", first_name="Cam", last_name="Le", sis_id="S-200")
    zed = make_student(
        school, make_family(name="=cmd|calc"), grade="9", first_name="Zed", last_name="Ames"
    )
    _db.session.flush()
    login(make_user(Role.COORDINATOR, school))
    return school, (anh, bao, cam, zed)


def test_same_name_families_are_told_apart(db, client, login):
    school, (anh, bao, cam, zed) = _setup(login)
    page = client.get(f"/schools/{school.id}/roster").get_data(as_text=True)
    assert "Guardian: Mai Le" in page and "Guardian: Tuan Le" in page
    assert page.count("1 sibling") == 2  # Anh and Bao, each other's; Cam has none
    assert "S-300" in page and "S-100" in page


def test_the_roster_sorts(db, client, login):
    school, _ = _setup(login)
    url = f"/schools/{school.id}/roster"
    assert rows(client.get(url)) == ["Ames, Zed", "Le, Anh", "Le, Bao", "Le, Cam"]
    assert rows(client.get(url + "?sort=grade")) == ["Le, Bao", "Le, Anh", "Ames, Zed", "Le, Cam"]
    assert rows(client.get(url + "?sort=student_id")) == [
        "Le, Bao",
        "Le, Cam",
        "Le, Anh",
        "Ames, Zed",
    ]
    fragment = client.get(url + "?sort=family", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True)
    assert rows(fragment)[0] == "Ames, Zed"
    stale = client.get(url + "?sort=nonsense")
    assert stale.status_code == 200
    assert 'id="sort-error"' in stale.get_data(as_text=True)
    assert client.get(url + "?q=S-200").get_data(as_text=True).count('scope="row"') == 1


def test_the_roster_csv(db, client, login):
    school, (anh, bao, cam, zed) = _setup(login)
    response = client.get(f"/schools/{school.id}/roster.csv?sort=student_id")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert table[0] == [
        "student_id",
        "last_name",
        "first_name",
        "grade",
        "classes",
        "family_name",
        "guardian",
        "guardian_phone",
        "home_language",
        "interpreter_needed",
        "do_not_contact",
        "siblings_here",
        "round",
        "visited_in_round",
    ]
    assert [r[0] for r in table[1:]] == ["S-100", "S-200", "S-300", ""]
    bao_row = table[1]
    assert bao_row[5] == "Le"  # the name alone: no English word for a script to strip
    assert bao_row[6] == "Mai Le" and bao_row[8] == "es" and bao_row[11] == "1"
    assert bao_row[9] in ("0", "1") and bao_row[10] == "0"
    assert table[-1][5] == "'=cmd|calc"  # never a formula in a spreadsheet
    # The filters apply to the file as to the page.
    only = list(
        csv.reader(
            io.StringIO(
                client.get(f"/schools/{school.id}/roster.csv?grade=K")
                .get_data(as_text=True)
                .lstrip("\ufeff")
            )
        )
    )
    assert [r[0] for r in only[1:]] == ["S-100"]


def test_visited_is_about_the_round_in_progress_not_next_terms(db, client, login):
    school = make_school()
    coordinator = make_user(Role.COORDINATOR, school)
    today = date.today()
    fall = make_round(school, name="Fall")
    visit = make_visit(school, round=fall, status=VisitStatus.COMPLETED)
    spring = make_round(
        school,
        name="Spring",
        visit_type=VisitType.SECOND,
        starts_on=today + timedelta(days=90),
        ends_on=today + timedelta(days=150),
    )
    login(coordinator)
    url = f"/schools/{school.id}/roster"
    page = client.get(url).get_data(as_text=True)
    assert "“visited” is about Fall" in page
    assert '<strong class="visited">Visited</strong>' in page
    page = client.get(f"{url}?round={spring.id}").get_data(as_text=True)
    assert "“visited” is about Spring" in page
    assert '<strong class="visited">' not in page
    assert visit.students[0].last_name in page
    # A round of another school is not a choice: said beside the field, the default kept.
    other = make_round(make_school(), name="Elsewhere")
    login(coordinator)
    page = client.get(f"{url}?round={other.id}")
    assert page.status_code == 200
    assert "“visited” is about Fall" in page.get_data(as_text=True)
    assert 'id="round-error"' in page.get_data(as_text=True)


def test_the_roster_csv_is_for_the_schools_coordinators(db, client, login):
    school = make_school()
    login(make_user(Role.COORDINATOR, make_school()))
    assert client.get(f"/schools/{school.id}/roster.csv").status_code == 404
    login(make_user(Role.VISITOR, school))
    assert client.get(f"/schools/{school.id}/roster.csv").status_code == 403
    login(make_user(Role.COORDINATOR, school))
    assert client.get("/schools/999999/roster.csv").status_code == 404
