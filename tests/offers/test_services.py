"""Offering times to a family and taking their answer (fieldapp.offers.services)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from fieldapp import clock
from fieldapp.models import (
    AuditEvent,
    ContactOutcome,
    OfferAnswer,
    Role,
    SlotOffer,
    VisitMode,
    VisitStatus,
)
from fieldapp.offers import services
from fieldapp.rules import RuleViolation
from tests.factories import make_user, make_visit, tomorrow_at


def test_an_offer_keeps_only_the_hash_of_its_short_link(db, offered):
    visit, offer, token = offered
    assert 20 <= len(token) <= 24
    assert offer.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = db.session.execute(select(SlotOffer.__table__)).mappings().one()
    assert token not in str(dict(stored))
    assert services.find(token).id == offer.id
    assert [s.start for s in offer.slots] == sorted(s.start for s in offer.slots)
    assert offer.modes == ["home", "neutral"]


def test_the_link_expires_with_the_round_or_after_21_days(db, offered):
    visit, offer, _token = offered
    now = offer.created_at
    assert offer.expires_at <= now + timedelta(days=21)
    visit.round.ends_on = (now + timedelta(days=5)).date()
    assert services.expires_at(visit, now) < now + timedelta(days=7)


@pytest.mark.parametrize("count", [1, 6])
def test_two_to_five_times_are_offered(db, count):
    visit = make_visit()
    starts = [tomorrow_at(9) + timedelta(hours=3 * i) for i in range(count)]
    with pytest.raises(RuleViolation):
        services.offer_slots(visit, starts, [VisitMode.HOME], by=None, now=clock.now())


def test_a_time_the_team_cannot_do_is_not_offered(db):
    visit = make_visit()
    partner = visit.team[1].user
    make_visit(
        visit.school,
        team=[partner, make_user(Role.VISITOR, visit.school)],
        status=VisitStatus.SCHEDULED,
        scheduled_start=tomorrow_at(17),
        family_agreed_at=clock.now(),
    )
    with pytest.raises(RuleViolation):
        services.offer_slots(
            visit, [tomorrow_at(17), tomorrow_at(20)], [VisitMode.HOME], by=None, now=clock.now()
        )
    past = clock.now() - timedelta(hours=2)
    with pytest.raises(RuleViolation):
        services.offer_slots(
            visit, [past, tomorrow_at(20)], [VisitMode.HOME], by=None, now=clock.now()
        )


def test_a_team_member_untrained_on_the_day_refuses_the_time(db):
    visit = make_visit(team=[make_user(Role.VISITOR), make_user(Role.VISITOR, trained=False)])
    with pytest.raises(RuleViolation):
        services.offer_slots(
            visit, [tomorrow_at(17), tomorrow_at(20)], [VisitMode.HOME], by=None, now=clock.now()
        )


def test_no_offer_to_a_family_that_asked_not_to_be_contacted(db):
    visit = make_visit()
    visit.family.do_not_contact = True
    with pytest.raises(RuleViolation):
        services.offer_slots(
            visit, [tomorrow_at(17), tomorrow_at(20)], [VisitMode.HOME], by=None, now=clock.now()
        )


def test_a_new_offer_revokes_the_last_link(db, offered):
    visit, first, token = offered
    services.offer_slots(
        visit, [tomorrow_at(18), tomorrow_at(21)], [VisitMode.VIDEO], by=None, now=clock.now()
    )
    db.session.commit()
    assert services.find(token).revoked_at is not None
    assert services.live_offer(visit, clock.now()).id != first.id


def test_the_familys_choice_is_their_agreement_and_schedules_the_visit(db, offered):
    visit, offer, _token = offered
    slot = offer.slots[1]
    services.choose(offer, slot.id, VisitMode.NEUTRAL, "The library, please", now=clock.now())
    db.session.commit()
    assert visit.status == VisitStatus.SCHEDULED
    assert visit.scheduled_start == slot.start and visit.mode == VisitMode.NEUTRAL
    assert visit.family_agreed_at is not None
    assert visit.contacts[-1].outcome == ContactOutcome.AGREED
    assert visit.contacts[-1].note == "The library, please"
    assert offer.answer == OfferAnswer.CHOSE and not offer.is_live(clock.now())
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"visit.schedule", "offer.answer", "visit.contact"} <= actions


def test_home_means_the_familys_address(db, offered):
    visit, offer, _token = offered
    services.choose(offer, offer.slots[0].id, VisitMode.HOME, None, now=clock.now())
    assert visit.place == visit.family.address


def test_a_time_booked_meanwhile_is_refused_kindly_and_the_others_stay(db, offered):
    visit, offer, _token = offered
    partner = visit.team[1].user
    taken = offer.slots[0]
    make_visit(
        visit.school,
        team=[partner, make_user(Role.VISITOR, visit.school)],
        status=VisitStatus.SCHEDULED,
        scheduled_start=taken.start,
        family_agreed_at=clock.now(),
    )
    with pytest.raises(RuleViolation, match="no longer free"):
        services.choose(offer, taken.id, VisitMode.HOME, None, now=clock.now())
    assert [s.id for s in services.possible_slots(offer, clock.now())] == [
        s.id for s in offer.slots[1:]
    ]


def test_a_place_or_time_not_offered_is_refused(db, offered):
    _visit, offer, _token = offered
    with pytest.raises(RuleViolation):
        services.choose(offer, offer.slots[0].id, VisitMode.VIDEO, None, now=clock.now())
    with pytest.raises(RuleViolation):
        services.choose(offer, 999999, VisitMode.HOME, None, now=clock.now())


def test_declining_is_recorded_and_never_sets_do_not_contact(db, offered):
    visit, offer, _token = offered
    services.decline(offer, None, never=True, now=clock.now())
    db.session.commit()
    assert visit.family.do_not_contact
    assert visit.status == VisitStatus.DECLINED
    assert offer.answer == OfferAnswer.NEVER


def test_declining_once_keeps_the_family_contactable(db, offered):
    visit, offer, _token = offered
    services.decline(offer, "Not this year", never=False, now=clock.now())
    assert visit.status == VisitStatus.DECLINED and not visit.family.do_not_contact
    assert visit.contacts[-1].outcome == ContactOutcome.DECLINED


def test_call_me_goes_to_the_contact_log_as_a_request(db, offered):
    visit, offer, _token = offered
    services.call_me(offer, "After 6 pm", now=clock.now())
    assert visit.contacts[-1].outcome == ContactOutcome.CALL_ME
    assert visit.contacts[-1].note == "After 6 pm"
    assert visit.status == VisitStatus.CONTACTING


def test_an_answered_or_revoked_offer_takes_no_second_answer(db, offered):
    visit, offer, _token = offered
    services.call_me(offer, None, now=clock.now())
    with pytest.raises(RuleViolation):
        services.choose(offer, offer.slots[0].id, VisitMode.HOME, None, now=clock.now())


def test_the_team_is_told_by_email_each_in_their_language(db, offered):
    visit, offer, _token = offered
    services.choose(offer, offer.slots[0].id, VisitMode.NEUTRAL, None, now=clock.now())
    mails = {to: (subject, body) for to, subject, body in services.scheduled_mails(visit)}
    assert set(mails) == {"ana@test.example", "luis@test.example"}
    assert mails["ana@test.example"][0].startswith("Visit scheduled: ")
    assert "Reyes" not in mails["ana@test.example"][0]  # README: "What an email may carry"
    assert "Neutral place" in mails["ana@test.example"][1]
    assert mails["luis@test.example"][0].startswith("Visita programada")
