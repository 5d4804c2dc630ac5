"""The team's page to offer times: the link once, the text in the family's language."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from sqlalchemy import select

from fieldapp import clock
from fieldapp.models import Role, SlotOffer, VisitStatus
from fieldapp.offers import services
from tests.factories import make_family, make_user, make_visit, tomorrow_at


def slot_form(*starts, modes=("home", "neutral")) -> dict:
    data = {"modes": list(modes)}
    for i, start in enumerate(starts):
        data[f"slots-{i}-day"] = start.strftime("%Y-%m-%d")
        data[f"slots-{i}-start_time"] = start.strftime("%H:%M")
    return data


def la(start):
    """A time as the school's people type it (the factories' schools are in Los Angeles)."""
    return start.astimezone(ZoneInfo("America/Los_Angeles"))


def test_the_team_offers_three_times_and_gets_a_link_and_the_text(db, client, login):
    family = make_family(home_language="es")
    visit = make_visit(family=family)
    login(visit.team[0].user)
    detail = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert f"/visits/{visit.id}/offer" in detail
    starts = [la(tomorrow_at(18) + timedelta(days=i)) for i in range(3)]
    response = client.post(f"/visits/{visit.id}/offer", data=slot_form(*starts))
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    token = re.search(r"/o/([A-Za-z0-9_-]{20,})", html).group(1)
    assert "sms:+15105550100?body=" in html
    sms = unquote(re.search(r'href="(sms:[^"]+)"', html).group(1))
    assert "elija aquí el horario" in sms and f"/o/{token}" in sms
    offer = db.session.scalar(select(SlotOffer))
    assert len(offer.slots) == 3 and services.find(token).id == offer.id
    assert client.get(f"/o/{token}").status_code == 200


def test_a_time_a_partner_is_booked_at_is_refused_with_the_reason(db, client, login):
    visit = make_visit()
    partner = visit.team[1].user
    booked = tomorrow_at(18)
    make_visit(
        visit.school,
        team=[partner, make_user(Role.VISITOR, visit.school)],
        status=VisitStatus.SCHEDULED,
        scheduled_start=booked,
        family_agreed_at=clock.now(),
    )
    login(visit.team[0].user)
    data = slot_form(la(booked), la(booked + timedelta(days=1)))
    response = client.post(f"/visits/{visit.id}/offer", data=data)
    assert response.status_code == 422
    assert "already has a visit at that time" in response.get_data(as_text=True)
    assert db.session.scalar(select(SlotOffer)) is None


def test_one_time_is_not_enough(db, client, login):
    visit = make_visit()
    login(visit.team[0].user)
    response = client.post(f"/visits/{visit.id}/offer", data=slot_form(la(tomorrow_at(18))))
    assert response.status_code == 422


def test_the_team_can_stop_the_link(db, client, login, offered):
    visit, _offer, token = offered
    login(visit.team[0].user)
    page = client.get(f"/visits/{visit.id}/offer").get_data(as_text=True)
    assert "Stop this link" in page
    assert client.post(f"/visits/{visit.id}/offer/revoke").status_code == 303
    assert client.get(f"/o/{token}").status_code == 404
