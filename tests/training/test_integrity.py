"""Training integrity: a completion on the session's own day, only once it has started, and a
visible, audited way to take one back; attendance in one tap, completion pre-ticked."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from fieldapp import clock, rules
from fieldapp.extensions import db as _db
from fieldapp.models import (
    Attendance,
    AuditEvent,
    Role,
    TrainingCompletion,
    TrainingKind,
    TrainingSession,
)
from fieldapp.rules import TrainingStatus
from fieldapp.training import services
from tests.factories import add_completion, make_school, make_user

HX = {"HX-Request": "true"}


def session_at(school, start: datetime, kind=TrainingKind.FOUNDATIONAL, hours=2, **kw):
    session = TrainingSession(
        title=kw.pop("title", "Home visit training"),
        kind=kind,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        schools=[school],
        **kw,
    )
    _db.session.add(session)
    _db.session.flush()
    return session


def present(session, *people):
    for person in people:
        _db.session.add(Attendance(session_id=session.id, user_id=person.id))
    _db.session.flush()


def completion_of(session, person):
    return _db.session.scalar(
        select(TrainingCompletion).where(
            TrainingCompletion.session_id == session.id, TrainingCompletion.user_id == person.id
        )
    )


@pytest.fixture
def trainer(db, login):
    person = make_user(Role.TRAINER)
    login(person)
    return person


# ---- the day of completion, in the session's zone ------------------------------------------


@pytest.mark.parametrize(
    ("tz", "local", "day"),
    [
        ("America/Los_Angeles", (2026, 11, 19, 23, 30), date(2026, 11, 19)),  # UTC: the 20th
        ("America/Los_Angeles", (2026, 11, 19, 17, 30), date(2026, 11, 19)),  # UTC: the 20th
        ("Australia/Brisbane", (2026, 11, 19, 23, 30), date(2026, 11, 19)),
        ("Australia/Brisbane", (2026, 11, 19, 8, 0), date(2026, 11, 19)),  # UTC: the 18th
    ],
)
def test_a_session_completes_on_its_own_day_in_the_school_s_zone(db, tz, local, day):
    school = make_school(timezone=tz)
    trainer = make_user(Role.TRAINER)
    person = make_user(Role.VISITOR, school, trained=False)
    start = datetime(*local, tzinfo=ZoneInfo(tz)).astimezone(UTC)
    session = session_at(school, start)
    present(session, person)
    services.complete(session, [person], by=trainer, now=start + timedelta(hours=2))
    assert completion_of(session, person).completed_on == day
    # Trained on that evening, by the school's calendar: assignable from the next morning.
    assert rules.training_status([completion_of(session, person)], day).can_visit


def test_a_session_for_schools_in_two_zones_keeps_the_district_s_clock(app, db):
    here = make_school(timezone="Australia/Brisbane")
    there = make_school(timezone="America/Los_Angeles")
    assert services.session_zone([here]) == ZoneInfo("Australia/Brisbane")
    assert services.session_zone([here, there]) == ZoneInfo(app.config["DEFAULT_TIMEZONE"])
    assert services.session_zone([]) == ZoneInfo(app.config["DEFAULT_TIMEZONE"])


def test_a_new_session_s_times_are_read_in_its_school_s_zone(db, client, trainer):
    school = make_school(timezone="Australia/Brisbane")
    _db.session.commit()
    response = client.post(
        "/training/sessions/new",
        data={
            "title": "Evening foundations",
            "kind": "foundational",
            "date": "2030-09-01",
            "start_time": "23:30",
            "end_time": "23:55",
            "schools": [str(school.id)],
            "trainers": [str(trainer.id)],
        },
    )
    assert response.status_code == 303
    session = _db.session.scalar(select(TrainingSession))
    assert session.starts_at == datetime(2030, 9, 1, 13, 30, tzinfo=UTC)


# ---- completion only from the start ----------------------------------------------------------


def test_completion_before_the_session_starts_is_refused(db):
    school = make_school()
    trainer = make_user(Role.TRAINER)
    person = make_user(Role.VISITOR, school, trained=False)
    start = datetime(2026, 12, 25, 17, 30, tzinfo=UTC)
    session = session_at(school, start, kind=TrainingKind.REFRESHER)
    present(session, person)
    with pytest.raises(services.TrainingError, match="has not started yet"):
        services.complete(session, [person], by=trainer, now=start - timedelta(minutes=1))
    assert completion_of(session, person) is None
    assert services.complete(session, [person], by=trainer, now=start) == 1


def test_the_page_of_a_future_session_says_when_completion_opens(db, client, trainer):
    school = make_school()
    person = make_user(Role.VISITOR, school, trained=False)
    session = session_at(school, clock.now() + timedelta(days=21))
    present(session, person)
    _db.session.commit()
    html = client.get(f"/training/sessions/{session.id}").get_data(as_text=True)
    assert "The session has not started: completion can be recorded from" in html
    assert "Record completion" not in html
    response = client.post(
        f"/training/sessions/{session.id}/complete",
        data={"people": [str(person.id)]},
        follow_redirects=True,
    )
    assert "has not started yet" in response.get_data(as_text=True)
    assert completion_of(session, person) is None


# ---- one tap per person, completion pre-ticked -----------------------------------------------


def test_those_present_are_pre_ticked_for_completion_and_recorded_in_one_submit(
    db, client, trainer
):
    school = make_school()
    people = [make_user(Role.VISITOR, school, trained=False) for _ in range(3)]
    session = session_at(school, clock.now() - timedelta(hours=1))
    _db.session.commit()
    for person in people[:2]:  # one tap each
        response = client.post(
            f"/training/sessions/{session.id}/present/{person.id}",
            data={"present": "1"},
            headers=HX,
        )
        assert response.status_code == 200
    html = response.get_data(as_text=True)
    ticked = re.findall(r'name="people" value="(\d+)" checked', html)
    assert sorted(ticked) == sorted(str(p.id) for p in people[:2])  # the absent one is not
    assert (
        client.post(
            f"/training/sessions/{session.id}/complete", data={"people": ticked}
        ).status_code
        == 303
    )
    assert all(completion_of(session, p) for p in people[:2])
    assert completion_of(session, people[2]) is None


def test_the_trainer_s_session_page_links_each_certificate_and_take_back(db, client, trainer):
    school = make_school()
    person = make_user(Role.VISITOR, school, trained=False, name="Tess Taken")
    session = session_at(school, clock.now() - timedelta(hours=3))
    present(session, person)
    services.complete(session, [person], by=trainer)
    _db.session.commit()
    html = client.get(f"/training/sessions/{session.id}").get_data(as_text=True)
    completion = completion_of(session, person)
    assert f"/training/completions/{completion.id}/certificate" in html
    assert f"/training/sessions/{session.id}/completions/{person.id}/take-back" in html
    assert client.get(f"/training/completions/{completion.id}/certificate").status_code == 200


# ---- take a completion back ------------------------------------------------------------------


@pytest.fixture
def completed(db, trainer):
    school = make_school()
    person = make_user(Role.VISITOR, school, trained=False, name="Mia Mistap")
    session = session_at(school, clock.now() - timedelta(hours=3))
    present(session, person)
    services.complete(session, [person], by=trainer)
    _db.session.commit()
    return session, person


def take_back_url(session, person):
    return f"/training/sessions/{session.id}/completions/{person.id}/take-back"


def test_a_trainer_takes_a_completion_back_with_a_reason_and_it_is_audited(
    db, client, trainer, completed
):
    session, person = completed
    page = client.get(take_back_url(session, person))
    assert page.status_code == 200
    assert "Mia Mistap" in page.get_data(as_text=True)
    response = client.post(take_back_url(session, person), data={"reason": "Ticked by mistake"})
    assert response.status_code == 303
    assert completion_of(session, person) is None
    event = _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "training.revoke"))
    assert event.actor_id == trainer.id and event.object_id == session.id
    assert event.detail["person"] == person.id and event.detail["reason"] == "Ticked by mistake"
    # Un-ticking attendance works now.
    response = client.post(
        f"/training/sessions/{session.id}/present/{person.id}", data={"present": "0"}
    )
    assert response.status_code == 303
    assert _db.session.scalar(select(Attendance).where(Attendance.user_id == person.id)) is None


def test_un_ticking_a_completed_person_points_to_the_take_back(db, client, trainer, completed):
    session, person = completed
    response = client.post(
        f"/training/sessions/{session.id}/present/{person.id}",
        data={"present": "0"},
        follow_redirects=True,
    )
    assert "take the completion back first" in response.get_data(as_text=True)
    assert completion_of(session, person) is not None


@pytest.mark.parametrize(
    ("reason", "message"),
    [("", "Say why the completion is taken back."), ("x" * 501, "under 500 characters")],
)
def test_a_take_back_without_a_good_reason_is_refused_beside_the_field(
    db, client, trainer, completed, reason, message
):
    session, person = completed
    for headers in ({}, HX):
        response = client.post(
            take_back_url(session, person), data={"reason": reason}, headers=headers
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert re.search(r'<p class="error" id="reason-error">[^<]*' + re.escape(message), html)
    assert "<html" not in html  # the HTMX answer is the form block alone
    assert completion_of(session, person) is not None


def test_nothing_to_take_back_is_a_404(db, client, trainer, completed):
    session, person = completed
    stranger = make_user(Role.VISITOR, trained=False)
    _db.session.commit()
    assert client.get(take_back_url(session, stranger)).status_code == 404
    assert (
        client.get(f"/training/sessions/{session.id}/completions/999999/take-back").status_code
        == 404
    )
    assert (
        client.post(
            f"/training/sessions/999999/completions/{person.id}/take-back", data={"reason": "x"}
        ).status_code
        == 404
    )


@pytest.mark.parametrize("role", [Role.VISITOR, Role.COORDINATOR, Role.ADMIN])
def test_only_a_trainer_takes_a_completion_back(db, client, login, completed, role):
    session, person = completed
    login(make_user(role, trained=False))
    assert client.get(take_back_url(session, person)).status_code == 403
    assert client.post(take_back_url(session, person), data={"reason": "no"}).status_code == 403
    assert completion_of(session, person) is not None


# ---- what people read about their own training -----------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "shown"),
    [
        (TrainingKind.FOUNDATIONAL, TrainingStatus.NOT_TRAINED, True),
        (TrainingKind.FOUNDATIONAL, TrainingStatus.LAPSED, True),
        (TrainingKind.FOUNDATIONAL, TrainingStatus.TRAINED, False),
        (TrainingKind.FOUNDATIONAL, TrainingStatus.LAPSING_SOON, False),
        (TrainingKind.REFRESHER, TrainingStatus.LAPSING_SOON, True),
        (TrainingKind.REFRESHER, TrainingStatus.LAPSED, True),
        (TrainingKind.REFRESHER, TrainingStatus.TRAINED, False),
        (TrainingKind.REFRESHER, TrainingStatus.NOT_TRAINED, False),
    ],
)
def test_which_sessions_are_worth_joining(kind, status, shown):
    assert rules.worth_joining(kind, status) is shown


def test_sessions_you_can_join_hides_what_you_completed(db, client, login):
    school = make_school()
    person = make_user(Role.VISITOR, school)  # trained, valid for ever
    soon = clock.now() + timedelta(days=10)
    session_at(school, soon, title="Fall foundations")
    session_at(school, soon + timedelta(days=1), kind=TrainingKind.REFRESHER, title="Refresh")
    login(person)
    html = client.get("/training/me").get_data(as_text=True)
    assert "Fall foundations" not in html and "Refresh" not in html
    assert "No session is planned yet for your school." in html
    newcomer = make_user(Role.VISITOR, school, trained=False)
    login(newcomer)
    assert "Fall foundations" in client.get("/training/me").get_data(as_text=True)


def test_a_past_lapse_date_reads_lapsed_on(db, client, login):
    school = make_school()
    person = make_user(Role.VISITOR, school, trained=False)
    completion = add_completion(person, date(2023, 9, 1), date(2025, 9, 1))
    login(person)
    html = client.get("/training/me").get_data(as_text=True)
    assert "lapsed on 1 Sept 2025" in html or "lapsed on 1 Sep 2025" in html
    assert "valid until 1 Sep" not in html
    html = client.get(f"/training/completions/{completion.id}/certificate").get_data(as_text=True)
    assert re.search(r"Lapsed on <strong>1 Sept? 2025</strong>", html)
    assert "Valid until" not in html


def test_the_trained_staff_roster_links_each_person_s_certificate(db, client, trainer):
    school = make_school()
    person = make_user(Role.VISITOR, school, trained=False, name="Rae Roster")
    completion = add_completion(person, date(2026, 9, 1), None)
    make_user(Role.VISITOR, school, trained=False, name="Nell None")
    _db.session.commit()
    html = client.get(f"/training/roster?school={school.id}").get_data(as_text=True)
    assert html.count("/certificate") == 1
    assert f"/training/completions/{completion.id}/certificate" in html
    assert 'aria-label="Certificate of Rae Roster"' in html


def test_a_session_s_time_reads_in_its_own_zone_on_every_page(db, client, trainer):
    school = make_school(timezone="Australia/Brisbane")
    start = clock.now().replace(hour=13, minute=30, second=0, microsecond=0) + timedelta(days=3)
    session = session_at(school, start, title="Brisbane evening")
    _db.session.commit()
    for url in ("/training/", f"/training/sessions/{session.id}"):
        html = client.get(url).get_data(as_text=True)
        assert "11:30 pm" in html, url  # 13:30 UTC is 23:30 in Brisbane


def test_the_trainer_s_list_names_each_session_s_schools_and_reads_it_in_their_zone(
    db, client, trainer
):
    zeta = make_school(name="Zeta Elementary", timezone="Australia/Brisbane")
    alpha = make_school(name="Alpha Middle", timezone="Australia/Brisbane")
    far = make_school(name="Mesa High", timezone="America/Chicago")
    start = clock.now().replace(hour=13, minute=30, second=0, microsecond=0) + timedelta(days=3)
    shared = session_at(zeta, start, title="Shared zone")
    shared.schools.append(alpha)
    mixed = session_at(far, start + timedelta(days=1), title="Two zones")
    mixed.schools.append(alpha)
    session_at(zeta, start - timedelta(days=30), title="Long ago")
    _db.session.commit()
    html = client.get("/training/").get_data(as_text=True)
    cards = {
        title: card
        for card in html.split('<li class="card">')[1:]
        for title in ("Shared zone", "Two zones", "Long ago")
        if title in card
    }
    assert "<p>Alpha Middle, Zeta Elementary</p>" in cards["Shared zone"]  # by name
    assert "11:30 pm" in cards["Shared zone"]  # both in Brisbane: 13:30 UTC is 23:30 there
    assert "<p>Alpha Middle, Mesa High</p>" in cards["Two zones"]
    assert "5:30 am" in cards["Two zones"]  # zones differ: the district's (Los Angeles)
    assert "<p>Zeta Elementary</p>" in cards["Long ago"]  # past sessions too


def test_my_training_offers_only_sessions_to_come_at_my_school(db, client, login):
    school = make_school(timezone="Australia/Brisbane")
    other = make_school()
    person = make_user(Role.VISITOR, school, trained=False)
    start = clock.now().replace(hour=13, minute=30, second=0, microsecond=0) + timedelta(days=3)
    session_at(school, start, title="Coming up here")
    session_at(school, start - timedelta(days=10), title="Already held here")
    session_at(other, start, title="Elsewhere")
    _db.session.commit()
    login(person)
    html = client.get("/training/me").get_data(as_text=True)
    assert "Coming up here" in html and "11:30 pm" in html
    assert "Already held here" not in html
    assert "Elsewhere" not in html
