"""The coordinator's roster: finding students and families, and keeping them right — phone
numbers, do-not-contact, siblings at two schools — through HTTP, for pages and HTMX fragments."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from fieldapp.extensions import db as _db
from fieldapp.models import (
    AuditEvent,
    Family,
    Guardian,
    Role,
    SchoolClass,
    Student,
    Visit,
    VisitStatus,
)
from tests.factories import (
    make_family,
    make_round,
    make_school,
    make_student,
    make_user,
    make_visit,
)

HX = {"HX-Request": "true"}


@pytest.fixture
def school(db):
    return make_school(name="Lincoln Elementary")


@pytest.fixture
def coordinator(school, login):
    user = make_user(Role.COORDINATOR, school)
    login(user)
    return user


def add_student(school, family=None, *, grade="3", classes=(), **attrs) -> Student:
    """A student at ``school``; ``attrs`` override the factory's (names, active)."""
    student = make_student(school, family, grade=grade)
    for name, value in attrs.items():
        setattr(student, name, value)
    student.classes.extend(classes)
    _db.session.flush()
    return student


def rows(response) -> list[str]:
    """The student names in the roster's rows, in order."""
    return re.findall(r'<th scope="row"[^>]*><a [^>]*>([^<]+)</a>', response.get_data(as_text=True))


def roster(client, school, **args):
    return client.get(f"/schools/{school.id}/roster", query_string=args)


def audit_count(action: str) -> int:
    return _db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


# ---- the roster page ------------------------------------------------------------------------


def test_roster_lists_the_schools_active_students_with_their_family(db, client, school, login):
    coordinator = make_user(Role.COORDINATOR, school)
    family = make_family(
        name="Nguyen", home_language="vi", interpreter_needed=True, do_not_contact=True
    )
    cls = SchoolClass(school=school, name="Room 12", grade="3")
    add_student(school, family, first_name="Ana", last_name="Nguyen", classes=[cls])
    add_student(school, first_name="Left", last_name="Already", active=False)
    add_student(make_school(), first_name="Other", last_name="School")
    login(coordinator)

    response = roster(client, school)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert rows(response) == ["Nguyen, Ana"]
    assert f'href="/families/{family.id}"' in html and "Nguyen family" in html
    assert "Room 12" in html and "Vietnamese" in html
    assert "<strong>Needed</strong>" in html
    assert "Do not contact" in html  # in words, not only a colour
    assert audit_count("roster.view") == 1


def test_search_finds_students_by_their_name_or_their_familys(db, client, school, coordinator):
    add_student(school, make_family(name="Garcia"), first_name="Luz", last_name="Garcia")
    add_student(school, make_family(name="Okafor"), first_name="Ada", last_name="Okafor")
    add_student(school, make_family(name="Reyes household"), first_name="Tom", last_name="Lee")
    db.session.commit()

    assert rows(roster(client, school, q="luz")) == ["Garcia, Luz"]
    assert rows(roster(client, school, q="reyes")) == ["Lee, Tom"]
    assert rows(roster(client, school, q="ada okafor")) == ["Okafor, Ada"]
    assert rows(roster(client, school, q="100%")) == []


def test_filters_by_grade_class_and_home_language(db, client, school, coordinator):
    room = SchoolClass(school=school, name="Room 4", grade="K")
    elsewhere = SchoolClass(school=make_school(), name="Not ours")
    db.session.add(elsewhere)
    add_student(school, make_family(home_language="so"), grade="K", last_name="A", classes=[room])
    add_student(school, make_family(home_language="es"), grade="2", last_name="B")
    add_student(school, make_family(home_language="so"), grade="2", last_name="C")
    db.session.commit()

    def names(**args):
        return [r.split(",")[0] for r in rows(roster(client, school, **args))]

    assert names(grade="2") == ["B", "C"]
    assert names(class_id=room.id) == ["A"]
    assert names(language="so") == ["A", "C"]
    assert names(language="so", grade="2") == ["C"]
    # A class of another school is not a choice: the filter is dropped, and said so.
    response = roster(client, school, class_id=elsewhere.id)
    assert response.status_code == 200
    assert names(class_id=elsewhere.id) == ["A", "B", "C"]
    assert "no longer available" in response.get_data(as_text=True)


def test_visited_this_round_filter_and_column(db, client, school, coordinator):
    rnd = make_round(school, name="Fall round")
    visited = make_visit(school, round=rnd, status=VisitStatus.COMPLETED).students[0]
    open_visit = make_visit(school, round=rnd).students[0]  # not completed: not visited
    old = make_round(school, name="Last year", closed_at=datetime.now(UTC) - timedelta(days=200))
    earlier = make_visit(school, round=old, status=VisitStatus.COMPLETED).students[0]
    db.session.commit()

    everyone = roster(client, school)
    assert "Visited this round" in everyone.get_data(as_text=True)
    yes = rows(roster(client, school, visited="yes"))
    no = rows(roster(client, school, visited="no"))
    assert yes == [f"{visited.last_name}, {visited.first_name}"]
    assert f"{open_visit.last_name}, {open_visit.first_name}" in no
    assert f"{earlier.last_name}, {earlier.first_name}" in no  # a closed round does not count
    assert len(yes) + len(no) == 3


def test_without_an_open_round_the_visited_filter_is_hidden(db, client, school, coordinator):
    add_student(school)
    db.session.commit()
    html = roster(client, school, visited="yes").get_data(as_text=True)
    assert 'name="visited"' not in html and "Visited this round" not in html
    assert len(rows(roster(client, school, visited="yes"))) == 1


def test_pages_of_25_with_links_that_keep_the_filters(db, client, school, coordinator):
    for n in range(30):
        add_student(school, grade="4", last_name=f"Student{n:02d}")
    add_student(school, grade="5", last_name="Fifth")
    db.session.commit()

    first = roster(client, school, grade="4")
    second = roster(client, school, grade="4", page=2)

    assert len(rows(first)) == 25 and len(rows(second)) == 5
    assert set(rows(first)).isdisjoint(rows(second))
    html = first.get_data(as_text=True)
    assert "30 students match" in html and "page 1 of 2" in html
    link = re.search(r'href="([^"]*page=2[^"]*)"', html).group(1)
    assert "grade=4" in link
    assert rows(roster(client, school, grade="4", page=9)) == []


def test_htmx_search_returns_only_the_results_block(db, client, school, coordinator):
    add_student(school, first_name="Luz", last_name="Garcia")
    add_student(school, first_name="Ada", last_name="Okafor")
    db.session.commit()

    response = client.get(f"/schools/{school.id}/roster?q=luz", headers=HX)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and 'id="results"' in html
    assert "<form" not in html  # the filters stay as they are on the page
    assert rows(response) == ["Garcia, Luz"]
    assert "HX-Request" in response.headers["Vary"]
    page = roster(client, school).get_data(as_text=True)
    assert 'hx-trigger="input changed delay:300ms, search"' in page
    assert 'hx-push-url="true"' in page and '<button type="submit">' in page


def test_the_number_of_queries_does_not_grow_with_the_students_shown(db, client, school, login):
    coordinator = make_user(Role.COORDINATOR, school)
    rnd = make_round(school)

    def add(n: int) -> None:
        for i in range(n):
            cls = SchoolClass(school=school, name=f"Room {i}")
            student = add_student(school, make_family(), classes=[cls])
            if i % 2:
                make_visit(school, family=student.family, round=rnd, status=VisitStatus.COMPLETED)

    add(5)
    login(coordinator)
    url = f"/schools/{school.id}/roster"  # read now: the test's own session must not query below

    def count_queries() -> int:
        statements = []

        def listener(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            response = client.get(url)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert response.status_code == 200
        return len(statements)

    few = count_queries()
    add(35)
    db.session.commit()
    many = count_queries()
    assert many == few
    assert few <= 16


# ---- families -------------------------------------------------------------------------------


def family_data(**overrides) -> dict:
    return {
        "name": "Tran family",
        "address_line1": "12 Elm St",
        "city": "Oakland",
        "postal_code": "94601",
        "home_language": "vi",
        "interpreter_needed": "y",
        "preferred_contact_method": "text",
        "preferred_contact_times": "after 6 pm",
        "guardians-0-name": "Mai Tran",
        "guardians-0-relationship_to_student": "mother",
        "guardians-0-phone": "(510) 555-0123",
        "guardians-0-email": "Mai.Tran@Example.org",
        "guardians-1-name": "",
        "guardians-1-phone": "",
        **overrides,
    }


def new_family_data(**overrides) -> dict:
    return family_data(
        **{
            "student-first_name": "Linh",
            "student-last_name": "Tran",
            "student-grade": "2",
            **overrides,
        }
    )


def test_adding_a_family_with_its_student(db, client, school, coordinator):
    cls = SchoolClass(school=school, name="Room 7")
    db.session.add(cls)
    db.session.commit()
    page = client.get(f"/schools/{school.id}/families/new")
    assert page.status_code == 200 and 'name="guardians-1-name"' in page.get_data(as_text=True)

    response = client.post(
        f"/schools/{school.id}/families/new", data=new_family_data(**{"student-class_id": cls.id})
    )

    assert response.status_code == 303
    family = db.session.scalar(select(Family).where(Family.name == "Tran"))
    assert response.headers["Location"] == f"/families/{family.id}"
    assert family.interpreter_needed and family.home_language == "vi"
    assert family.preferred_contact_method.value == "text"
    [guardian] = family.guardians
    assert guardian.phone == "+15105550123"  # stored in E.164
    assert guardian.email == "mai.tran@example.org"
    [student] = family.students
    assert (student.full_name, student.grade, student.school_id) == ("Linh Tran", "2", school.id)
    assert [c.name for c in student.classes] == ["Room 7"]
    assert audit_count("family.create") == 1 and audit_count("student.create") == 1
    card = client.get(f"/families/{family.id}").get_data(as_text=True)
    assert "Edit family" in card


def test_a_phone_is_shown_formatted_on_the_form(db, client, school, coordinator):
    family = add_student(school).family
    db.session.commit()
    html = client.get(f"/families/{family.id}/edit").get_data(as_text=True)
    assert 'value="(510) 555-0100"' in html  # the factory's +15105550100


def test_an_invalid_phone_is_refused_next_to_the_field_and_nothing_is_stored(
    db, client, school, coordinator
):
    family = add_student(school).family
    family_id = family.id
    db.session.commit()

    response = client.post(
        f"/families/{family_id}/edit",
        data=family_data(**{"guardians-0-phone": "555-12", "name": "Renamed family"}),
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a phone number like (510) 555-0123" in html
    assert 'value="555-12"' in html and 'value="Renamed family"' in html  # nothing typed is lost
    db.session.expire_all()
    family = db.session.get(Family, family_id)
    assert family.name != "Renamed family"
    assert [g.phone for g in family.guardians] == ["+15105550100"]


def test_an_invalid_email_is_refused(db, client, school, coordinator):
    family = add_student(school).family
    db.session.commit()
    response = client.post(
        f"/families/{family.id}/edit", data=family_data(**{"guardians-0-email": "mai@"})
    )
    assert response.status_code == 422
    assert "Enter an email address like name@example.com." in response.get_data(as_text=True)


def test_a_family_needs_a_guardian_who_can_be_reached(db, client, school, coordinator):
    family = add_student(school).family
    db.session.commit()
    no_contact = family_data(**{"guardians-0-phone": "", "guardians-0-email": ""})
    response = client.post(f"/families/{family.id}/edit", data=no_contact)
    assert response.status_code == 422
    assert "Enter a phone number or email for a guardian." in response.get_data(as_text=True)
    nobody = family_data(
        **{f"guardians-0-{k}": "" for k in ("name", "relationship_to_student", "phone", "email")}
    )
    response = client.post(f"/families/{family.id}/edit", data=nobody)
    assert response.status_code == 422
    assert "Enter at least one guardian" in response.get_data(as_text=True)


def test_guardians_are_updated_added_and_removed(db, client, school, coordinator):
    family = add_student(school).family
    first = family.guardians[0]
    db.session.commit()
    response = client.post(
        f"/families/{family.id}/edit",
        data=family_data(
            **{
                "guardians-0-id": first.id,
                "guardians-0-name": "Renamed Guardian",
                "guardians-1-name": "Second Guardian",
                "guardians-1-phone": "+44 20 7946 0958",
            }
        ),
    )
    assert response.status_code == 303
    db.session.expire_all()
    guardians = db.session.get(Family, family.id).guardians
    assert [(g.id == first.id, g.name, g.phone) for g in guardians] == [
        (True, "Renamed Guardian", "+15105550123"),
        (False, "Second Guardian", "+442079460958"),
    ]
    # Emptying a row removes that guardian.
    response = client.post(
        f"/families/{family.id}/edit",
        data=family_data(**{"guardians-0-id": first.id}),
    )
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Guardian)) == 1


def test_do_not_contact_needs_a_reason_then_closes_the_open_visits(db, client, school, coordinator):
    visit = make_visit(school)
    done = make_visit(school, family=visit.family, status=VisitStatus.COMPLETED)
    family_id, visit_id, done_id = visit.family_id, visit.id, done.id
    db.session.commit()

    refused = client.post(f"/families/{family_id}/edit", data=family_data(do_not_contact="y"))
    assert refused.status_code == 422
    assert "Write what the family asked" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(Family, family_id).do_not_contact

    response = client.post(
        f"/families/{family_id}/edit",
        data=family_data(do_not_contact="y", do_not_contact_reason="Asked by phone, 3 March"),
    )

    assert response.status_code == 303
    db.session.expire_all()
    family = db.session.get(Family, family_id)
    assert family.do_not_contact and family.do_not_contact_reason == "Asked by phone, 3 March"
    assert datetime.now(UTC) - family.do_not_contact_at < timedelta(minutes=1)
    assert db.session.get(Visit, visit_id).status == VisitStatus.DECLINED
    assert db.session.get(Visit, done_id).status == VisitStatus.COMPLETED
    assert audit_count("family.do_not_contact") == 1 and audit_count("family.update") == 1

    # Taken off when the family asks to be contacted again.
    response = client.post(f"/families/{family_id}/edit", data=family_data())
    assert response.status_code == 303
    db.session.expire_all()
    family = db.session.get(Family, family_id)
    assert not family.do_not_contact
    assert family.do_not_contact_at is None and family.do_not_contact_reason is None


# ---- students -------------------------------------------------------------------------------


def student_data(**overrides) -> dict:
    return {"first_name": "Sam", "last_name": "Tran", "grade": "K", **overrides}


def test_adding_a_student_to_a_family_of_the_school(db, client, school, coordinator):
    family = add_student(school).family
    cls = SchoolClass(school=school, name="Kinder A")
    db.session.add(cls)
    db.session.commit()
    assert client.get(f"/schools/{school.id}/students/new").status_code == 200

    response = client.post(
        f"/schools/{school.id}/students/new",
        data=student_data(family_id=family.id, class_id=cls.id, sis_id="S-991"),
    )

    assert response.status_code == 303
    assert response.headers["Location"] == f"/families/{family.id}"
    student = db.session.scalar(select(Student).where(Student.sis_id == "S-991"))
    assert student.family_id == family.id and [c.name for c in student.classes] == ["Kinder A"]
    assert audit_count("student.create") == 1


def test_a_student_needs_a_name_a_grade_and_a_family(db, client, school, coordinator):
    response = client.post(f"/schools/{school.id}/students/new", data={"grade": "13"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the student&#39;s first name." in html
    assert "Not a valid choice" in html
    assert "Choose the student&#39;s family" in html


def test_a_brother_at_another_school_is_linked_by_a_guardians_phone(
    db, client, school, coordinator
):
    other_school = make_school()
    family = make_family(name="Diallo")
    family.guardians[0].phone = "+15105550142"
    add_student(other_school, family, first_name="Awa")
    db.session.commit()

    response = client.post(
        f"/schools/{school.id}/students/new",
        data=student_data(first_name="Moussa", family_contact="510.555.0142"),
    )

    assert response.status_code == 303
    moussa = db.session.scalar(select(Student).where(Student.first_name == "Moussa"))
    assert moussa.family_id == family.id and moussa.school_id == school.id
    # Now the family is this coordinator's too: its card and its form.
    assert client.get(f"/families/{family.id}").status_code == 200
    assert client.get(f"/families/{family.id}/edit").status_code == 200


def test_linking_by_email_and_the_misses_said_next_to_the_field(db, client, school, coordinator):
    family = make_family()
    family.guardians[0].email = "papa@example.org"
    add_student(make_school(), family)
    for _ in range(2):
        make_family().guardians[0].phone = "+15105550177"
    db.session.commit()
    url = f"/schools/{school.id}/students/new"

    by_email = client.post(url, data=student_data(family_contact="PAPA@example.org"))
    assert by_email.status_code == 303
    none = client.post(url, data=student_data(family_contact="(510) 555-0199"))
    assert none.status_code == 422
    assert "No family has a guardian with this phone number." in none.get_data(as_text=True)
    several = client.post(url, data=student_data(family_contact="5105550177"))
    assert several.status_code == 422
    assert "2 families have a guardian" in several.get_data(as_text=True)
    bad = client.post(url, data=student_data(family_contact="12"))
    assert bad.status_code == 422
    assert "Enter a phone number like (510) 555-0123" in bad.get_data(as_text=True)


def test_editing_a_student_class_and_leaving_the_school(db, client, school, coordinator):
    old, new = SchoolClass(school=school, name="Room 1"), SchoolClass(school=school, name="Room 2")
    past = SchoolClass(school=school, name="Last year", active=False)
    student = add_student(school, classes=[old, past])
    db.session.add(new)
    db.session.commit()
    html = client.get(f"/students/{student.id}/edit").get_data(as_text=True)
    assert re.search(rf'<option selected value="{old.id}">|<option value="{old.id}" selected', html)

    data = student_data(family_id=student.family_id, class_id=new.id, active="y")
    assert client.post(f"/students/{student.id}/edit", data=data).status_code == 303
    db.session.expire_all()
    student = db.session.get(Student, student.id)
    assert sorted(c.name for c in student.classes) == ["Last year", "Room 2"]

    data = student_data(family_id=student.family_id, class_id=new.id)  # "active" unchecked
    response = client.post(f"/students/{student.id}/edit", data=data)
    assert response.headers["Location"] == f"/schools/{school.id}/roster"
    db.session.expire_all()
    assert not db.session.get(Student, student.id).active
    assert audit_count("student.update") == 2


# ---- who may ------------------------------------------------------------------------------


def test_another_schools_coordinator_gets_404(db, client, school, login):
    student = add_student(school)
    other = make_user(Role.COORDINATOR, make_school())
    login(other)
    for url in (
        f"/schools/{school.id}/roster",
        f"/schools/{school.id}/families/new",
        f"/schools/{school.id}/students/new",
        f"/families/{student.family_id}/edit",
        f"/students/{student.id}/edit",
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, data={}).status_code in (404, 405), url


@pytest.mark.parametrize("role", [Role.VISITOR, Role.TRAINER, Role.ADMIN])
def test_other_roles_get_403(db, client, school, login, role):
    student = add_student(school)
    login(make_user(role, school if role.is_school_role else None))
    for url in (
        f"/schools/{school.id}/roster",
        f"/schools/{school.id}/families/new",
        f"/schools/{school.id}/students/new",
        f"/families/{student.family_id}/edit",
        f"/students/{student.id}/edit",
    ):
        assert client.get(url).status_code == 403, url


def test_the_card_offers_editing_to_the_coordinator_only(db, client, school, login):
    visit = make_visit(school)
    login(visit.members[0])
    assert "Edit family" not in client.get(f"/families/{visit.family_id}").get_data(as_text=True)
