"""The family's page behind the link: no sign-in, their language, nothing but what they need."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from fieldapp import clock
from fieldapp.models import AuditEvent, ContactOutcome, Role, Visit, VisitStatus
from fieldapp.offers import services
from tests.factories import make_user, make_visit


def page(client, token, **params):
    return client.get(f"/o/{token}", query_string=params)


def answer(client, token, **form):
    return client.post(f"/o/{token}", data=form)


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_the_page_is_in_the_familys_language_and_shows_what_they_need(client, offered):
    visit, offer, token = offered
    response = page(client, token)
    assert response.status_code == 200
    html = text_of(response)
    assert '<html lang="es" dir="ltr">' in html
    assert "Ana" in html and "Luis" in html and "Garfield Elementary" in html
    assert "Por favor, llámeme" in html
    for slot in offer.slots:
        assert f'value="{slot.id}"' in html
    assert "<script" not in html and 'href="/visits' not in html


def test_the_language_switch(client, offered):
    _visit, _offer, token = offered
    html = text_of(page(client, token, lang="en"))
    assert '<html lang="en" dir="ltr">' in html and "Please call me instead" in html
    assert f'href="/o/{token}?lang=es"' in html


def test_the_page_reveals_nothing_else_about_the_family_or_the_school(client, offered):
    visit, _offer, token = offered
    html = text_of(page(client, token))
    secrets_of_the_family = [
        "Reyes",
        "Marta",
        "Sofia",
        "77 Secret Lane",
        "Oakland",
        "+15105550100",
        "555",
        "marta@family.example",
        "Lopez",
        "Park",
        "ana@test.example",
        visit.students[0].first_name,
    ]
    for secret in secrets_of_the_family:
        assert secret not in html, secret
    assert response_headers_keep_it_private(page(client, token))


def response_headers_keep_it_private(response) -> bool:
    return (
        response.headers["Cache-Control"] == "no-store"
        and response.headers["Referrer-Policy"] == "no-referrer"
        and "noindex" in response.headers["X-Robots-Tag"]
    )


def test_each_open_is_audited_without_a_person(db, client, offered):
    _visit, offer, token = offered
    page(client, token)
    page(client, token)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "offer.open")).all()
    assert len(events) == 2 and all(e.actor_id is None and e.success for e in events)


def gone_text(html: str) -> str:
    return re.sub(r'<nav class="language-switch".*?</nav>', "", html, flags=re.S)


def test_a_guessed_expired_or_revoked_link_gets_the_same_kind_page(db, client, offered):
    visit, offer, token = offered
    guessed = page(client, secrets.token_urlsafe(16))
    assert guessed.status_code == 404
    offer.expires_at = clock.now() - timedelta(minutes=1)
    db.session.commit()
    expired = page(client, token)
    offer.expires_at = clock.now() + timedelta(days=3)
    services.revoke(visit, by=None, now=clock.now())
    db.session.commit()
    revoked = page(client, token)
    for response in (guessed, expired, revoked):
        html = text_of(response)
        assert response.status_code == 404
        assert "Garfield" not in html and "Ana" not in html and "Reyes" not in html
        assert "<form" not in html
    assert gone_text(text_of(expired)) == gone_text(text_of(revoked))


def test_a_link_of_absurd_length_is_just_not_found(client):
    assert page(client, "x" * 500).status_code == 404


def test_choosing_a_time_schedules_the_visit_and_tells_the_team(db, app, client, login, offered):
    visit, offer, token = offered
    slot = offer.slots[2]
    response = answer(
        client, token, slot=slot.id, mode="neutral", note="Biblioteca", answer="choose"
    )
    assert response.status_code == 303
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    assert visit.status == VisitStatus.SCHEDULED and visit.scheduled_start == slot.start
    thanks = text_of(page(client, token))
    assert "¡Gracias!" in thanks
    outbox = Path(app.instance_path) / "outbox"
    sent = [p.read_text() for p in outbox.glob("*.eml")]
    assert len(sent) == 2
    assert any("ana@test.example" in m for m in sent) and any(
        "luis@test.example" in m for m in sent
    )
    for member in visit.team:
        login(member.user)
        assert f"/visits/{visit.id}" in text_of(client.get("/visits/"))


def test_a_time_booked_meanwhile_is_refused_kindly_with_the_others_offered(db, client, offered):
    visit, offer, token = offered
    taken, others = offer.slots[0], offer.slots[1:]
    make_visit(
        visit.school,
        team=[visit.team[0].user, make_user(Role.VISITOR, visit.school)],
        status=VisitStatus.SCHEDULED,
        scheduled_start=taken.start,
        family_agreed_at=clock.now(),
    )
    db.session.commit()
    response = answer(client, token, slot=taken.id, mode="home", answer="choose")
    assert response.status_code == 422
    html = text_of(response)
    assert "ya no está libre" in html
    assert f'value="{taken.id}"' not in html
    assert all(f'value="{s.id}"' in html for s in others)
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).status == VisitStatus.TO_ARRANGE


def test_choosing_needs_a_time_and_a_place(client, offered):
    _visit, _offer, token = offered
    response = answer(client, token, answer="choose")
    assert response.status_code == 422


def test_never_contact_again_sets_the_flag(db, client, offered):
    visit, _offer, token = offered
    assert answer(client, token, answer="decline", never="y").status_code == 303
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    assert visit.family.do_not_contact and visit.status == VisitStatus.DECLINED


def test_call_me_instead_reaches_the_contact_log(db, client, offered):
    visit, _offer, token = offered
    assert answer(client, token, answer="call_me", note="Después de las 6").status_code == 303
    db.session.expire_all()
    contact = db.session.get(Visit, visit.id).contacts[-1]
    assert contact.outcome == ContactOutcome.CALL_ME and contact.note == "Después de las 6"
    assert "Le llamaremos pronto" in text_of(page(client, token))


def test_the_page_is_rate_limited(app, client, offered):
    _visit, _offer, token = offered
    app.config["OFFER_RATE_LIMIT"] = "3 per minute"
    responses = [page(client, token, lang="es") for _ in range(4)]
    assert responses[-1].status_code == 429
    assert "Un momento, por favor" in text_of(responses[-1])
    assert "Garfield" not in text_of(responses[-1])


@pytest.mark.parametrize("mode", ["video", "nonsense"])
def test_a_place_not_offered_is_refused(client, offered, mode):
    _visit, offer, token = offered
    response = answer(client, token, slot=offer.slots[0].id, mode=mode, answer="choose")
    assert response.status_code == 422


def test_the_team_is_emailed_through_smtp(db, client, offered, smtp_sink):
    visit, offer, token = offered
    answer(client, token, slot=offer.slots[0].id, mode="home", answer="choose")
    ana, luis = smtp_sink.to("ana@test.example"), smtp_sink.to("luis@test.example")
    assert len(ana) == 1 and len(luis) == 1
    assert ana[0]["Subject"].startswith("Visit scheduled: ")
    assert luis[0]["Subject"].startswith("Visita programada: ")
    assert "Reyes" not in ana[0]["Subject"] + luis[0]["Subject"]
    assert "Secret Lane" not in ana[0].get_content() + luis[0].get_content()
    assert "Mis visitas" in luis[0].get_content()


def test_the_partners_calendar_feeds_hold_the_visit_at_once(db, app, client, offered):
    from fieldapp.visits import feeds

    visit, offer, token = offered
    links = [feeds.open_feed(m.user, now=clock.now()) for m in visit.team]
    db.session.commit()
    answer(client, token, slot=offer.slots[1].id, mode="neutral", answer="choose")
    for link in links:
        body = app.test_client().get(f"/calendar/{link}.ics").get_data(as_text=True)
        assert f"UID:visit-{visit.id}@" in body


def test_the_family_answers_with_csrf_on_and_no_cookie(app, offered):
    """The link's token guards the form: a phone that keeps no cookie can still answer."""
    visit, offer, token = offered
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client(use_cookies=False)
    response = client.post(f"/o/{token}", data={"answer": "call_me"})
    assert response.status_code == 303
