"""The visitor's screens through HTTP: the rules hold through the forms, with clear messages,
for full pages and for HTMX fragments alike."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from fieldapp.models import (
    AuditEvent,
    ContactAttempt,
    ContactMethod,
    ContactOutcome,
    FollowUp,
    HoursEntry,
    PrivateNote,
    ReflectionDraft,
    Role,
    Visit,
    VisitMode,
    VisitStatus,
    VisitType,
)
from tests.factories import make_family, make_school, make_student, make_user, make_visit

HX = {"HX-Request": "true"}
TZ = ZoneInfo("America/Los_Angeles")


def tomorrow() -> date:
    return datetime.now(TZ).date() + timedelta(days=1)


@pytest.fixture
def visit(db):
    return make_visit(make_school())


@pytest.fixture
def visitor(visit, login):
    login(visit.members[0])
    return visit.members[0]


def contact(client, visit, outcome, method="call", note="", headers=None, **extra):
    return client.post(
        f"/visits/{visit.id}/contacts",
        data={"method": method, "outcome": outcome, "note": note, **extra},
        headers=headers or {},
    )


def schedule(client, visit, day=None, time="17:30", mode="home", place=""):
    return client.post(
        f"/visits/{visit.id}/schedule",
        data={
            "date": (day or tomorrow()).isoformat(),
            "start_time": time,
            "mode": mode,
            "place": place,
        },
    )


def scheduled_visit(db, **kw):
    """A visit that happened an hour ago, waiting for its reflection."""
    visit = make_visit(
        make_school(),
        status=VisitStatus.SCHEDULED,
        mode=VisitMode.HOME,
        scheduled_start=datetime.now(UTC) - timedelta(hours=1),
        family_agreed_at=datetime.now(UTC) - timedelta(days=2),
        **kw,
    )
    db.session.commit()
    return visit


# ---- the visit page and the contact log ------------------------------------------------------


def test_the_visit_page_offers_call_text_and_directions(visit, visitor, client):
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert 'href="tel:+15105550100"' in page and 'href="sms:+15105550100"' in page
    assert "(510) 555-0100" in page  # shown in one national format
    assert "maps/dir/?api=1&amp;destination=" in page
    assert "Log a contact" in page


def test_a_contact_is_added_in_place_with_htmx(db, visit, visitor, client):
    response = contact(client, visit, "no_answer", note="Rang twice", headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="visit-body">')  # the fragment, not the page
    assert "<html" not in html and "Call: No answer" in html and "Rang twice" in html
    assert "HX-Request" in response.headers["Vary"]
    db.session.refresh(visit)
    assert visit.status == VisitStatus.CONTACTING


def test_without_htmx_a_contact_redirects_back_to_the_log(visit, visitor, client):
    response = contact(client, visit, "left_message")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/visits/{visit.id}#contact-log")


def test_contacts_stay_in_order(db, visit, visitor, client):
    for outcome in ("no_answer", "left_message", "agreed"):
        contact(client, visit, outcome)
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    positions = [page.index(t) for t in ("No answer", "Left a message", "Agreed to a visit</")]
    assert positions == sorted(positions)


def test_a_long_contact_log_shows_the_latest_ten_and_links_to_all(db, visit, visitor, client):
    """A family called every day for a term: the page shows the last ten, in the order they
    happened, says how many there are and links to all of them (a plain link)."""
    start = datetime(2026, 9, 1, 16, 0, tzinfo=UTC)
    for n in range(13):
        db.session.add(
            ContactAttempt(
                visit_id=visit.id,
                by_id=visitor.id,
                method=ContactMethod.CALL,
                outcome=ContactOutcome.NO_ANSWER,
                note=f"Try number {n:02d}",
                at=start + timedelta(days=n),
            )
        )
    db.session.commit()
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    shown = re.findall(r"Try number (\d\d)", page)
    assert shown == [f"{n:02d}" for n in range(3, 13)]  # the last ten, oldest of them first
    assert "The last 10 of 13 contacts." in page
    assert 'start="4"' in page  # numbered as they happened: 4 to 13
    assert f'href="/visits/{visit.id}?contacts=all#contact-log"' in page
    fragment = contact(client, visit, "left_message", note="Fourteenth", headers=HX)
    html = fragment.get_data(as_text=True)
    assert "The last 10 of 14 contacts." in html and "Fourteenth" in html
    assert "Try number 03" not in html and "Try number 04" in html
    everything = client.get(f"/visits/{visit.id}?contacts=all").get_data(as_text=True)
    assert re.findall(r"Try number (\d\d)", everything) == [f"{n:02d}" for n in range(13)]
    assert "Fourteenth" in everything and "The last" not in everything
    spanish = client.get(f"/visits/{visit.id}", headers={"Accept-Language": "es"})
    assert "Los últimos 10 de 14 contactos." in spanish.get_data(as_text=True)
    assert "Verlos todos" in spanish.get_data(as_text=True)


def test_a_short_contact_log_is_shown_whole_without_a_link(db, visit, visitor, client):
    for outcome in ("no_answer", "left_message"):
        contact(client, visit, outcome)
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert "No answer" in page and "Left a message" in page
    assert "contacts=all" not in page


def test_a_contact_without_an_outcome_is_refused_next_to_the_field(db, visit, visitor, client):
    response = client.post(
        f"/visits/{visit.id}/contacts", data={"method": "call", "note": "kept text"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose what happened." in html and 'value="kept text"' in html
    assert db.session.scalar(select(func.count()).select_from(ContactAttempt)) == 0


def test_do_not_contact_asks_first_then_keeps_the_wish(db, visitor, client):
    family = make_family()
    school = make_school()
    first = make_visit(school, family=family, team=[visitor, make_user(Role.VISITOR, school)])
    second = make_visit(school, family=family)
    db.session.commit()
    asked = contact(client, first, "do_not_contact", note="Please stop")
    assert asked.status_code == 200
    assert "keep their wish" in asked.get_data(as_text=True)
    db.session.refresh(family)
    assert not family.do_not_contact  # nothing changed before the confirmation
    confirmed = contact(client, first, "do_not_contact", note="Please stop", confirm="yes")
    assert confirmed.status_code == 303
    db.session.expire_all()
    assert family.do_not_contact and family.do_not_contact_reason == "Please stop"
    assert {first.status, second.status} == {VisitStatus.DECLINED}
    page = client.get(f"/visits/{first.id}").get_data(as_text=True)
    assert "Do not contact." in page and "tel:" not in page and "Log a contact" not in page


def test_a_do_not_contact_family_cannot_be_contacted_by_a_crafted_post(db, visitor, client):
    visit = make_visit(
        make_school(),
        family=make_family(do_not_contact=True),
        team=[visitor, make_user(Role.VISITOR)],
    )
    db.session.commit()
    response = contact(client, visit, "agreed")
    assert response.status_code == 422
    assert "asked not to be contacted" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ContactAttempt)) == 0


# ---- scheduling ------------------------------------------------------------------------------


def test_scheduling_before_the_family_agreed_is_refused_with_a_message(db, visit, visitor, client):
    response = schedule(client, visit)
    assert response.status_code == 422
    assert "The family has not agreed to a visit yet" in response.get_data(as_text=True)
    db.session.refresh(visit)
    assert visit.scheduled_start is None


def test_the_agreed_visit_is_scheduled_in_the_school_s_time_zone(db, visit, visitor, client):
    contact(client, visit, "agreed")
    response = schedule(client, visit, time="17:30")
    assert response.status_code == 303
    db.session.refresh(visit)
    assert visit.status == VisitStatus.SCHEDULED and visit.mode == VisitMode.HOME
    local = visit.scheduled_start.astimezone(TZ)
    assert (local.date(), local.hour, local.minute) == (tomorrow(), 17, 30)
    assert visit.place == visit.family.address  # at home: the family's address


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"day": date(2020, 1, 1)}, "date", "not in the past"),
        ({"day": date.today() + timedelta(days=365)}, "date", "inside the round"),
        ({"day": date.today() + timedelta(days=900)}, "date", "within the next two years"),
        ({"day": date(9999, 12, 31)}, "date", "between 1900 and 2100"),
        ({"mode": "neutral", "place": ""}, "place", "Enter the address of the place."),
        ({"time": ""}, "start_time", "Choose a start time."),
    ],
)
def test_schedule_form_errors_are_next_to_the_field(
    db, visit, visitor, client, form, field, message
):
    contact(client, visit, "agreed")
    response = schedule(client, visit, **form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', html, re.S)
    assert error and message in error.group(1)
    assert f'aria-describedby="{field}-error"' in html or f"{field}-error" in html


def test_no_visitor_is_booked_twice_at_once(db, visitor, client):
    school = make_school()
    partner = make_user(Role.VISITOR, school)
    first = make_visit(school, team=[visitor, partner])
    second = make_visit(school, team=[visitor, make_user(Role.VISITOR, school)])
    db.session.commit()
    for v in (first, second):
        contact(client, v, "agreed")
    assert schedule(client, first, time="17:00").status_code == 303
    clash = schedule(client, second, time="17:20")
    assert clash.status_code == 422
    assert "already has a visit at that time" in clash.get_data(as_text=True)
    assert schedule(client, second, time="18:00").status_code == 303


def test_a_lapsed_partner_cannot_be_scheduled_through_the_form(db, client, login):
    school = make_school()
    me = make_user(Role.VISITOR, school)
    visit = make_visit(school, team=[me, make_user(Role.VISITOR, school, trained="lapsed")])
    login(me)
    contact(client, visit, "agreed")
    response = schedule(client, visit)
    assert response.status_code == 422
    assert "must be trained" in response.get_data(as_text=True)


def test_reschedule_and_cancel_need_a_reason(db, client, login):
    visit = make_visit(
        make_school(),
        status=VisitStatus.SCHEDULED,
        scheduled_start=datetime.now(UTC) + timedelta(days=2),
        family_agreed_at=datetime.now(UTC),
    )
    login(visit.members[0])
    assert client.post(f"/visits/{visit.id}/cancel", data={"reason": ""}).status_code == 422
    moved = client.post(f"/visits/{visit.id}/reschedule", data={"reason": "Shift changed"})
    assert moved.status_code == 303
    db.session.refresh(visit)
    assert visit.status == VisitStatus.RESCHEDULING and visit.status_reason == "Shift changed"
    cancelled = client.post(f"/visits/{visit.id}/cancel", data={"reason": "Moved away"})
    assert cancelled.status_code == 303
    db.session.refresh(visit)
    assert visit.status == VisitStatus.CANCELLED


def test_a_coordinator_can_cancel_a_visit_of_their_school(db, client, login):
    visit = make_visit(make_school())
    login(make_user(Role.COORDINATOR, visit.school))
    assert (
        client.post(f"/visits/{visit.id}/cancel", data={"reason": "Round closed"}).status_code
        == 303
    )


def test_the_calendar_file_holds_the_visit_and_no_notes(db, client, login):
    visit = scheduled_visit(db)
    visit.scheduled_start = datetime(2030, 3, 4, 1, 30, tzinfo=UTC)
    visit.place = "12 Elm St"
    db.session.add(
        ContactAttempt(
            visit=visit,
            method=ContactMethod.CALL,
            outcome=ContactOutcome.AGREED,
            note="Grandma is ill",
        )
    )
    db.session.commit()
    login(visit.members[0])
    response = client.get(f"/visits/{visit.id}/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    events = Calendar.from_ical(response.data).walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert event.decoded("dtstart") == visit.scheduled_start
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=40)
    assert str(event["location"]) == "12 Elm St"
    assert visit.family.name in str(event["summary"])
    assert b"Grandma is ill" not in response.data  # contact notes never leave the app


# ---- the reflection --------------------------------------------------------------------------


def reflection_data(visit, **overrides):
    data = {
        "hopes_and_dreams": "A scientist",
        "strengths": "Bilingual home",
        "duration_minutes": "40",
        "private_note": "Only for us",
        "follow_ups-0-text": "Send the library form",
        "follow_ups-0-owner_id": str(visit.members[1].id),
        "follow_ups-0-due_on": (date.today() + timedelta(days=7)).isoformat(),
    }
    return {**data, **overrides}


def test_the_reflection_completes_the_visit_with_hours_and_follow_ups(db, client, login):
    visit = scheduled_visit(db)
    login(visit.members[0])
    assert client.get(f"/visits/{visit.id}/reflection").status_code == 200
    response = client.post(f"/visits/{visit.id}/reflection", data=reflection_data(visit))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/visits/#done")
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    assert visit.status == VisitStatus.COMPLETED
    assert visit.reflections[0].hopes_and_dreams == "A scientist"
    assert db.session.scalar(select(PrivateNote.text)) == "Only for us"
    assert db.session.scalar(select(func.count()).select_from(HoursEntry)) == 2
    follow_up = db.session.scalar(select(FollowUp))
    assert follow_up.owner_id == visit.members[1].id
    # Recorded once: the partner cannot record a second one.
    login(visit.members[1])
    again = client.get(f"/visits/{visit.id}/reflection")
    assert again.status_code == 303


def test_a_reflection_before_the_visit_happened_is_refused(db, client, login):
    visit = make_visit(
        make_school(),
        status=VisitStatus.SCHEDULED,
        scheduled_start=datetime.now(UTC) + timedelta(days=1),
        family_agreed_at=datetime.now(UTC),
    )
    login(visit.members[0])
    response = client.post(f"/visits/{visit.id}/reflection", data=reflection_data(visit))
    assert response.status_code == 303
    db.session.refresh(visit)
    assert visit.status == VisitStatus.SCHEDULED


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"hopes_and_dreams": ""}, "Write what the family hopes for their child"),
        ({"duration_minutes": "0"}, "between 5 and 300"),
        ({"duration_minutes": "abc"}, "between 5 and 300"),
        ({"follow_ups-0-due_on": ""}, "Choose a date for this follow-up."),
    ],
)
def test_a_refused_reflection_keeps_everything_typed(db, client, login, overrides, message):
    visit = scheduled_visit(db)
    login(visit.members[0])
    response = client.post(
        f"/visits/{visit.id}/reflection", data=reflection_data(visit, **overrides)
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert "Only for us" in html and "Send the library form" in html
    db.session.refresh(visit)
    assert visit.status == VisitStatus.SCHEDULED


def test_a_second_visit_asks_about_academics(db, client, login):
    visit = scheduled_visit(db, visit_type=VisitType.SECOND)
    login(visit.members[0])
    html = client.get(f"/visits/{visit.id}/reflection").get_data(as_text=True)
    assert "academic focus" in html and "hopes and dreams" not in html


def test_another_follow_up_row_can_be_added_without_javascript(db, client, login):
    visit = scheduled_visit(db)
    login(visit.members[0])
    response = client.post(
        f"/visits/{visit.id}/reflection", data={**reflection_data(visit), "add_follow_up": "1"}
    )
    html = response.get_data(as_text=True)
    assert 'name="follow_ups-1-text"' in html and "Send the library form" in html
    db.session.refresh(visit)
    assert visit.status == VisitStatus.SCHEDULED


def test_drafts_are_saved_per_person_and_restored(db, client, login):
    visit = scheduled_visit(db)
    login(visit.members[0])
    saved = client.post(
        f"/visits/{visit.id}/reflection/draft",
        data={"hopes_and_dreams": "Half a thought"},
        headers=HX,
    )
    assert saved.status_code == 200 and "Draft saved" in saved.get_data(as_text=True)
    page = client.get(f"/visits/{visit.id}/reflection").get_data(as_text=True)
    assert "Half a thought" in page and "is restored" in page
    login(visit.members[1])
    assert "Half a thought" not in client.get(f"/visits/{visit.id}/reflection").get_data(
        as_text=True
    )
    # Submitting the reflection clears the drafts.
    client.post(f"/visits/{visit.id}/reflection", data=reflection_data(visit))
    assert db.session.scalar(select(func.count()).select_from(ReflectionDraft)) == 0


# ---- the relationship card -------------------------------------------------------------------


def test_the_card_is_for_the_team_the_teachers_and_the_coordinator(db, client, login):
    school = make_school()
    teacher = make_user(Role.VISITOR, school)
    other_teacher = make_user(Role.VISITOR, school)
    family = make_family()
    make_student(school, family, teacher=teacher)
    make_student(school, make_family(), teacher=other_teacher)
    visit = make_visit(school, family=family)
    url = f"/families/{family.id}"
    for person, status in (
        (teacher, 200),
        (visit.members[0], 200),
        (other_teacher, 404),
        (make_user(Role.COORDINATOR, school), 200),
        (make_user(Role.COORDINATOR, make_school()), 404),
        (make_user(Role.TRAINER), 403),
    ):
        login(person)
        assert client.get(url).status_code == status, person
    views = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "family.view")).all()
    assert len(views) == 3 and {e.object_id for e in views} == {family.id}


def test_the_card_never_shows_the_private_note(db, client, login):
    visit = scheduled_visit(db)
    login(visit.members[0])
    client.post(f"/visits/{visit.id}/reflection", data=reflection_data(visit))
    html = client.get(f"/families/{visit.family_id}").get_data(as_text=True)
    assert "A scientist" in html and "Send the library form" in html
    assert "Only for us" not in html


def test_the_owner_marks_a_follow_up_done_in_place(db, client, login):
    visit = scheduled_visit(db)
    login(visit.members[0])
    client.post(f"/visits/{visit.id}/reflection", data=reflection_data(visit))
    follow_up = db.session.scalar(select(FollowUp))
    login(visit.members[1])  # the owner
    response = client.post(f"/follow-ups/{follow_up.id}/done", headers=HX)
    assert response.status_code == 200
    assert response.get_data(as_text=True).lstrip().startswith("<li")
    assert "Done" in response.get_data(as_text=True)
    db.session.refresh(follow_up)
    assert follow_up.done_at is not None


def test_my_visits_groups_by_what_to_do_next(db, client, login):
    school = make_school()
    me, partner = make_user(Role.VISITOR, school), make_user(Role.VISITOR, school)
    now = datetime.now(UTC)
    make_visit(school, team=[me, partner])
    make_visit(
        school,
        team=[me, partner],
        status=VisitStatus.SCHEDULED,
        scheduled_start=now + timedelta(days=3),
        family_agreed_at=now,
    )
    make_visit(
        school,
        team=[me, partner],
        status=VisitStatus.SCHEDULED,
        scheduled_start=now - timedelta(days=1),
        family_agreed_at=now,
    )
    make_visit(
        school,
        team=[me, partner],
        status=VisitStatus.COMPLETED,
        scheduled_start=now - timedelta(days=5),
        family_agreed_at=now,
    )
    make_visit(school, team=[partner, make_user(Role.VISITOR, school)])  # not mine
    login(me)
    html = client.get("/visits/").get_data(as_text=True)
    for heading in ("To arrange", "Upcoming", "Waiting for reflection", "Done this round"):
        assert f'>{heading} <span class="count">1</span>' in html, heading
    assert html.count('class="card status-') == 4


def test_a_school_in_another_time_zone_is_scheduled_and_shown_in_its_own(db, client, login):
    """A New York school: 17:30 typed is 17:30 in New York, on the card and the page alike."""
    school = make_school(timezone="America/New_York")
    visit = make_visit(school)
    login(visit.members[0])
    contact(client, visit, "agreed")
    day = datetime.now(ZoneInfo("America/New_York")).date() + timedelta(days=2)
    assert schedule(client, visit, day=day, time="17:30").status_code == 303
    db.session.refresh(visit)
    assert visit.scheduled_start.astimezone(ZoneInfo("America/New_York")).hour == 17
    assert "5:30 pm" in client.get("/visits/").get_data(as_text=True)
    assert "5:30 pm" in client.get(f"/visits/{visit.id}").get_data(as_text=True)


def test_viewing_a_visit_page_is_audited(db, visit, visitor, client):
    client.get(f"/visits/{visit.id}")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "visit.view"))
    assert event.actor_id == visitor.id and event.object_id == visit.id


def test_the_follow_up_rows_have_a_limit_not_a_crash(db, client, login):
    visit = scheduled_visit(db)
    login(visit.members[0])
    rows = {f"follow_ups-{i}-text": f"thing {i}" for i in range(12)}
    response = client.post(f"/visits/{visit.id}/reflection", data={**rows, "add_follow_up": "1"})
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('name="follow_ups-') // 3 == 10


def test_two_partners_submitting_at_once_get_a_clear_answer_not_a_crash(db, client, login):
    visit = scheduled_visit(db)
    login(visit.members[0])
    assert (
        client.post(f"/visits/{visit.id}/reflection", data=reflection_data(visit)).status_code
        == 303
    )
    login(visit.members[1])
    second = client.post(f"/visits/{visit.id}/reflection", data=reflection_data(visit))
    assert second.status_code == 303  # told it is already recorded, sent back to the visit
    assert db.session.scalar(select(func.count()).select_from(HoursEntry)) == 2


def test_htmx_posts_carry_the_csrf_token_in_a_header(app_config, db):
    from fieldapp import create_app
    from tests.conftest import TEST_PASSWORD, FreshContextClient

    visit = make_visit(make_school())
    db.session.commit()
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    app.test_client_class = FreshContextClient
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/login",
        data={"email": visit.members[0].email, "password": TEST_PASSWORD, "csrf_token": token},
    )
    body = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    header_token = re.search(r'"X-CSRFToken": "([^"]+)"', body).group(1)
    data = {"method": "call", "outcome": "no_answer"}
    assert client.post(f"/visits/{visit.id}/contacts", data=data, headers=HX).status_code == 400
    ok = client.post(
        f"/visits/{visit.id}/contacts", data=data, headers={**HX, "X-CSRFToken": header_token}
    )
    assert ok.status_code == 200
