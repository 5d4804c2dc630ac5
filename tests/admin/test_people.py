"""The admin's people pages: search, a person's name, staff id and roles, and disabling with
the person's open visits listed and offered to trained people first."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from fieldapp.models import AuditEvent, Role, RoleAssignment, TeamRole, VisitStatus
from tests.factories import make_round, make_school, make_user, make_visit


def test_the_people_list_finds_by_name_or_email(db, client, login):
    admin = make_user(Role.ADMIN)
    make_user(Role.VISITOR, name="Grace Kim", email="grace@school.example")
    make_user(Role.VISITOR, name="Omar Said", email="omar@school.example")
    login(admin)
    page = client.get("/admin/?q=grace").get_data(as_text=True)
    assert "Grace Kim" in page and "Omar Said" not in page
    page = client.get("/admin/?q=omar%40school").get_data(as_text=True)
    assert "Omar Said" in page and "Grace Kim" not in page
    # A wildcard typed by the person is a character, not a pattern.
    assert "Grace Kim" not in client.get("/admin/?q=%25").get_data(as_text=True)
    fragment = client.get("/admin/?q=grace", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.get_data(as_text=True)
    assert "Grace Kim" in fragment.get_data(as_text=True)
    assert client.get("/admin/?q=" + "x" * 101).status_code == 422


def test_the_people_list_comes_a_page_at_a_time_in_name_order(db, client, login):
    """A district's 10,000 staff are never one page: 50 a page, by name, the search kept."""
    admin = make_user(Role.ADMIN, name="Aaron Admin")
    for n in range(60):
        make_user(Role.VISITOR, name=f"Teacher {n:02d}", email=f"t{n:02d}@school.example")
    login(admin)
    first = client.get("/admin/").get_data(as_text=True)
    assert "Aaron Admin" in first and "Teacher 48" in first and "Teacher 49" not in first
    assert "61 people · page 1 of 2" in first
    assert 'href="/admin/?page=2"' in first
    second = client.get("/admin/?page=2").get_data(as_text=True)
    assert "Teacher 49" in second and "Teacher 59" in second and "Teacher 48" not in second
    searched = client.get("/admin/?q=teacher&page=2").get_data(as_text=True)
    assert "60 people · page 2 of 2" in searched and "Teacher 50" in searched
    assert "q=teacher" in searched and "Aaron Admin" not in searched
    # A page past the last shows the last; junk is the first.
    past = client.get("/admin/?page=99").get_data(as_text=True)
    assert "Teacher 59" in past and "page 2 of 2" in past
    assert "Aaron Admin" in client.get("/admin/?page=abc").get_data(as_text=True)


def test_the_admin_renames_sets_the_staff_id_and_changes_roles(db, client, login):
    admin = make_user(Role.ADMIN)
    school = make_school()
    person = make_user(Role.VISITOR, school, name="Grace Kmi")
    visitor_role = person.roles[0]
    login(admin)
    assert client.get(f"/admin/users/{person.id}").status_code == 200
    response = client.post(
        f"/admin/users/{person.id}",
        data={
            "name": "Grace Kim",
            "staff_id": "E-1042",
            "role": "coordinator",
            "school_id": school.id,
            "remove": [visitor_role.id],
        },
    )
    assert response.status_code == 303
    db.session.refresh(person)
    assert person.name == "Grace Kim" and person.staff_id == "E-1042"
    assert [(a.role, a.school_id) for a in person.roles] == [(Role.COORDINATOR, school.id)]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.update"))


def test_bad_person_input_is_refused_beside_the_field(db, client, login):
    admin = make_user(Role.ADMIN)
    person = make_user(Role.VISITOR)
    make_user(Role.VISITOR, staff_id="E-1")
    login(admin)
    url = f"/admin/users/{person.id}"
    cases = [
        ({"name": "", "staff_id": "", "role": "", "school_id": 0}, "name-error"),
        ({"name": "P", "staff_id": "E-1", "role": "", "school_id": 0}, "staff_id-error"),
        ({"name": "P", "staff_id": "a b", "role": "", "school_id": 0}, "staff_id-error"),
        ({"name": "P", "staff_id": "", "role": "visitor", "school_id": 0}, "school_id-error"),
        ({"name": "P", "staff_id": "", "role": "pope", "school_id": 0}, "role-error"),
        ({"name": "P", "staff_id": "", "role": "", "school_id": 999999}, "school_id-error"),
        (
            {"name": "P", "staff_id": "", "role": "", "school_id": 0, "remove": person.roles[0].id},
            "remove-error",
        ),
    ]
    for data, error in cases:
        response = client.post(url, data=data)
        assert response.status_code == 422, data
        assert f'id="{error}"' in response.get_data(as_text=True), data
    db.session.refresh(person)
    assert person.roles and person.staff_id is None and person.name != "P"


def test_an_admin_cannot_take_their_own_admin_role_away(db, client, login):
    admin = make_user(Role.ADMIN)
    login(admin)
    role = admin.roles[0]
    response = client.post(
        f"/admin/users/{admin.id}",
        data={"name": admin.name, "role": "trainer", "school_id": 0, "remove": role.id},
    )
    assert response.status_code == 422
    assert db.session.get(RoleAssignment, role.id) is not None


def test_people_pages_are_for_admins(db, client, login):
    person = make_user(Role.VISITOR)
    login(make_user(Role.COORDINATOR))
    assert client.get(f"/admin/users/{person.id}").status_code == 403
    assert client.get(f"/admin/users/{person.id}/disable").status_code == 403
    assert client.post(f"/admin/users/{person.id}/disable").status_code == 403
    login(make_user(Role.ADMIN))
    assert client.get("/admin/users/999999").status_code == 404
    assert client.get("/admin/users/999999/disable").status_code == 404


def _team_with_grace():
    school = make_school()
    grace = make_user(Role.VISITOR, school, name="Grace Kim")
    partner = make_user(Role.VISITOR, school, name="Ana Diaz")
    ready = make_user(Role.VISITOR, school, name="Ben Ortiz")
    make_user(Role.VISITOR, school, name="Lapsed Lee", trained="lapsed")
    visit = make_visit(school, team=[grace, partner])
    return school, grace, partner, ready, visit


def test_disabling_lists_the_open_visits_and_offers_trained_people(db, client, login):
    school, grace, partner, ready, visit = _team_with_grace()
    make_visit(school, team=[grace, partner], status=VisitStatus.COMPLETED)  # not open
    login(make_user(Role.ADMIN))
    # The list's Disable goes to the prompt; a post straight to "active" is sent there too.
    assert (
        client.post(f"/admin/users/{grace.id}/active", data={"active": "0"})
        .headers["Location"]
        .endswith(f"/admin/users/{grace.id}/disable")
    )
    db.session.refresh(grace)
    assert grace.active
    page = client.get(f"/admin/users/{grace.id}/disable").get_data(as_text=True)
    assert "1 open visit needs someone in their place" in page
    assert visit.family.name in page
    assert f'<option value="{ready.id}" selected>Ben Ortiz</option>' in page
    assert "Lapsed Lee" not in page  # not trained: not offered
    assert f'value="{partner.id}"' not in page  # already on the team


def test_disabling_with_a_replacement_reassigns_then_disables(db, client, login):
    school, grace, partner, ready, visit = _team_with_grace()
    login(make_user(Role.ADMIN))
    response = client.post(
        f"/admin/users/{grace.id}/disable", data={f"replace-{visit.id}": ready.id}
    )
    assert response.status_code == 303
    db.session.refresh(grace)
    db.session.refresh(visit)
    assert not grace.active
    assert sorted(m.user.name for m in visit.team) == ["Ana Diaz", "Ben Ortiz"]
    assert all(m.role == TeamRole.VISITOR for m in visit.team)


def test_disabling_without_a_replacement_leaves_the_visit_flagged(db, client, login):
    school, grace, partner, ready, visit = _team_with_grace()
    login(make_user(Role.ADMIN))
    response = client.post(f"/admin/users/{grace.id}/disable", data={f"replace-{visit.id}": ""})
    assert response.status_code == 303
    db.session.refresh(grace)
    assert not grace.active and grace in visit.members
    dashboard_coordinator = make_user(Role.COORDINATOR, school)
    login(dashboard_coordinator)
    page = client.get(f"/schools/{school.id}/").get_data(as_text=True)
    assert "Needs a new team (1)" in page and "Grace Kim" in page


def test_a_replacement_not_offered_is_refused_beside_the_visit(db, client, login):
    school, grace, partner, ready, visit = _team_with_grace()
    lapsed = make_user(Role.VISITOR, school, trained="lapsed")
    elsewhere = make_user(Role.VISITOR, make_school())
    login(make_user(Role.ADMIN))
    for bad in (lapsed.id, elsewhere.id, partner.id, 999999):
        response = client.post(
            f"/admin/users/{grace.id}/disable", data={f"replace-{visit.id}": bad}
        )
        assert response.status_code == 422
        assert f'id="replace-{visit.id}-error"' in response.get_data(as_text=True)
    db.session.refresh(grace)
    assert grace.active


def test_someone_whose_training_ends_before_the_round_is_not_offered(db, client, login):
    school = make_school()
    grace = make_user(Role.VISITOR, school)
    partner = make_user(Role.VISITOR, school)
    short = make_user(Role.VISITOR, school, trained=False, name="Short Term")
    from tests.factories import add_completion

    add_completion(short, date.today() - timedelta(days=10), date.today() + timedelta(days=5))
    rnd = make_round(school, ends_on=date.today() + timedelta(days=60))
    make_visit(school, team=[grace, partner], round=rnd)
    login(make_user(Role.ADMIN))
    assert "Short Term" not in client.get(f"/admin/users/{grace.id}/disable").get_data(as_text=True)


def test_an_admin_cannot_disable_themselves_from_the_prompt(db, client, login):
    admin = make_user(Role.ADMIN)
    login(admin)
    assert client.post(f"/admin/users/{admin.id}/disable").status_code == 303
    db.session.refresh(admin)
    assert admin.active
