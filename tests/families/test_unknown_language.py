"""Families whose home language is not known: listed for the coordinator, set in one step, and
never messaged in a guessed English."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from fieldapp.models import AuditEvent, Role
from tests.factories import make_family, make_school, make_student, make_user, make_visit


def _world(db):
    school = make_school(name="Chavez Elementary")
    coordinator = make_user(Role.COORDINATOR, school)
    visitor = make_user(Role.VISITOR, school, name="Ana Morales")
    partner = make_user(Role.VISITOR, school, name="Luis Kim")
    unknown = make_family(name="Okafor family", home_language=None)
    known = make_family(name="Lopez family", home_language="es")
    visit = make_visit(
        school,
        team=[visitor, partner],
        family=unknown,
        scheduled_start=datetime(2026, 12, 1, 0, 30, tzinfo=UTC),
    )
    make_student(school, known)
    db.session.commit()
    return school, coordinator, visitor, unknown, known, visit


def test_the_roster_lists_the_families_whose_language_is_not_known(db, client, login):
    school, coordinator, _, unknown, known, _ = _world(db)
    login(coordinator)
    response = client.get(f"/schools/{school.id}/roster?language=unknown")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Okafor family" in html and "Lopez family" not in html
    assert f'action="/families/{unknown.id}/language"' in html  # the quick way to set it
    # The HTMX fragment filters the same way.
    fragment = client.get(
        f"/schools/{school.id}/roster?language=unknown", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "Okafor family" in fragment and "Lopez family" not in fragment
    everyone = client.get(f"/schools/{school.id}/roster").get_data(as_text=True)
    assert "Lopez family" in everyone and "Spanish" in everyone and "Not known" in everyone


def test_the_dashboard_counts_them_with_a_link(db, client, login):
    school, coordinator, *_ = _world(db)
    login(coordinator)
    html = client.get(f"/schools/{school.id}/").get_data(as_text=True)
    assert "1 family whose home language is not known" in html
    assert f'href="/schools/{school.id}/roster?language=unknown"' in html


def test_the_dashboard_counts_each_family_of_the_schools_active_students_once(db, client, login):
    school, coordinator, *_ = _world(db)  # one: the Okafors (their visit's student)
    other = make_school(name="Parks Middle")
    twice = make_family(name="Diallo", home_language=None)
    make_student(school, twice)
    make_student(school, twice)  # two children at the school: one family
    make_student(school, make_family(name="Gone", home_language=None), active=False)
    make_student(other, make_family(name="Elsewhere", home_language=None))
    make_student(school, make_family(name="Tran", home_language="vi"))
    db.session.commit()
    login(coordinator)
    html = client.get(f"/schools/{school.id}/").get_data(as_text=True)
    assert "2 families whose home language is not known" in html


def test_the_coordinator_sets_the_language_in_one_step(db, client, login):
    school, coordinator, _, unknown, _, _ = _world(db)
    login(coordinator)
    assert client.get(f"/families/{unknown.id}/language").status_code == 200
    response = client.post(f"/families/{unknown.id}/language", data={"home_language": "so"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/schools/{school.id}/roster?language=unknown")
    db.session.expire_all()
    assert unknown.home_language == "so"
    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == "family.update")
        .order_by(AuditEvent.id.desc())
    )
    assert event is not None and event.actor_id == coordinator.id


def test_a_bad_language_is_said_beside_the_field(db, client, login):
    _, coordinator, _, unknown, _, _ = _world(db)
    login(coordinator)
    for value in ("", "xx"):
        response = client.post(f"/families/{unknown.id}/language", data={"home_language": value})
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert 'class="error"' in html
    db.session.expire_all()
    assert unknown.home_language is None


def test_visitors_may_not_set_it_and_other_families_are_not_found(db, client, login):
    _, _, visitor, unknown, _, _ = _world(db)
    login(visitor)
    assert (
        client.post(f"/families/{unknown.id}/language", data={"home_language": "es"}).status_code
        == 403
    )
    coordinator = make_user(Role.COORDINATOR, make_school())
    login(coordinator)
    assert client.get("/families/999999/language").status_code == 404


def test_the_send_screen_asks_for_the_language_instead_of_english(db, client, login):
    _, coordinator, visitor, unknown, _, visit = _world(db)
    login(visitor)
    html = client.get(f"/visits/{visit.id}/invitation").get_data(as_text=True)
    assert "This family's home language is not known." in html
    assert "sms:" not in html and "Send as a text message" not in html
    assert "Ask your coordinator to set it." in html
    assert f'href="/visits/{visit.id}/invitation?language=es"' in html
    chosen = client.get(f"/visits/{visit.id}/invitation?language=es").get_data(as_text=True)
    assert "is not known" not in chosen and 'href="sms:' in chosen
    login(coordinator)
    html = client.get(f"/visits/{visit.id}/invitation").get_data(as_text=True)
    assert f'href="/families/{unknown.id}/language"' in html


def test_the_family_form_keeps_not_known(db, client, login):
    _, coordinator, _, unknown, _, _ = _world(db)
    login(coordinator)
    html = client.get(f"/families/{unknown.id}/edit").get_data(as_text=True)
    select_ = html[html.find('<select aria-describedby="home_language-help"') :]
    select_ = select_[: select_.find("</select>")]
    # "Not known" comes first and nothing else is chosen: the browser shows "Not known".
    assert '><option value="">Not known</option><option value="en">' in select_
    assert "selected" not in select_
