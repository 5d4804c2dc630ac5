"""Visit services apply the model's rules and leave the data consistent."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from fieldapp.models import (
    AuditEvent,
    ContactMethod,
    ContactOutcome,
    FollowUp,
    HoursEntry,
    HoursMode,
    Role,
    TrainingCompletion,
    VisitMode,
    VisitStatus,
    VisitType,
)
from fieldapp.rules import RuleViolation
from fieldapp.visits import services
from tests.factories import (
    make_family,
    make_school,
    make_student,
    make_user,
    make_visit,
    tomorrow_at,
)

TODAY = date.today()
NOW = datetime.now(UTC)


def agree(visit, by):
    services.log_contact(
        visit, method=ContactMethod.CALL, outcome=ContactOutcome.AGREED, note=None, by=by
    )


def test_the_whole_path_of_a_visit_produces_hours_for_each_member(db):
    school = make_school(hours_mode=HoursMode.MINUTES)
    visit = make_visit(school)
    lead, partner = visit.members
    services.log_contact(
        visit, method=ContactMethod.CALL, outcome=ContactOutcome.NO_ANSWER, note=None, by=lead
    )
    assert visit.status == VisitStatus.CONTACTING
    agree(visit, lead)
    services.schedule_visit(
        visit, start=tomorrow_at(), mode=VisitMode.HOME, place="1 Main St", by=lead, now=NOW
    )
    assert visit.status == VisitStatus.SCHEDULED
    services.submit_reflection(
        visit,
        by=lead,
        duration_minutes=45,
        shared={"hopes_and_dreams": "A doctor"},
        private_note="only for us",
        now=tomorrow_at() + timedelta(hours=1),
        follow_ups=[("Call about the library", partner, TODAY)],
    )
    assert visit.status == VisitStatus.COMPLETED
    hours = db.session.scalars(select(HoursEntry).where(HoursEntry.visit_id == visit.id)).all()
    assert {h.user_id for h in hours} == {lead.id, partner.id}
    assert all(h.hours == Decimal("0.75") for h in hours)
    follow_up = db.session.scalar(select(FollowUp))
    assert follow_up.owner == partner and follow_up.family_id == visit.family_id
    assert visit.reflections[0].private_note.text == "only for us"
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert {"visit.contact", "visit.schedule", "visit.reflect"} <= set(actions)


def test_scheduling_before_the_family_agreed_is_refused(db):
    visit = make_visit()
    with pytest.raises(RuleViolation, match="not agreed"):
        services.schedule_visit(
            visit,
            start=tomorrow_at(),
            mode=VisitMode.HOME,
            place=None,
            by=visit.members[0],
            now=NOW,
        )
    assert visit.status == VisitStatus.TO_ARRANGE and visit.scheduled_start is None


def test_a_lapsed_partner_blocks_scheduling(db):
    school = make_school()
    visit = make_visit(
        school,
        team=[make_user(Role.VISITOR, school), make_user(Role.VISITOR, school, trained="lapsed")],
    )
    agree(visit, visit.members[0])
    with pytest.raises(RuleViolation, match="trained"):
        services.schedule_visit(
            visit,
            start=tomorrow_at(),
            mode=VisitMode.HOME,
            place=None,
            by=visit.members[0],
            now=NOW,
        )


def test_assigning_an_untrained_person_is_refused(db):
    school = make_school()
    visit = make_visit(school, team=[])
    with pytest.raises(RuleViolation, match="trained"):
        services.assign_team(
            visit,
            [make_user(Role.VISITOR, school), make_user(Role.VISITOR, school, trained=False)],
            on=TODAY,
        )
    assert visit.team == []


def test_a_wish_not_to_be_contacted_without_a_note_stores_no_words(db):
    """The flag and its date are the wish; no English sentence is stored as its reason."""
    school = make_school()
    family = make_family()
    visit = make_visit(school, family=family)
    services.log_contact(
        visit,
        method=ContactMethod.CALL,
        outcome=ContactOutcome.DO_NOT_CONTACT,
        note="",
        by=visit.members[0],
    )
    assert family.do_not_contact and family.do_not_contact_at is not None
    assert family.do_not_contact_reason is None


def test_asked_not_to_be_contacted_closes_every_open_visit_of_the_family(db):
    school = make_school()
    family = make_family()
    first = make_visit(school, family=family)
    second = make_visit(school, family=family)
    services.log_contact(
        first,
        method=ContactMethod.CALL,
        outcome=ContactOutcome.DO_NOT_CONTACT,
        note="Please stop calling",
        by=first.members[0],
    )
    assert family.do_not_contact and family.do_not_contact_reason == "Please stop calling"
    assert first.status == second.status == VisitStatus.DECLINED
    with pytest.raises(RuleViolation, match="not to be contacted"):
        services.create_visit(
            family=family,
            students=[make_student(school, family)],
            visit_type=VisitType.FIRST,
            school_id=school.id,
        )


def test_a_reflection_before_the_visit_is_refused_and_no_hours_appear(db):
    visit = make_visit()
    agree(visit, visit.members[0])
    services.schedule_visit(
        visit, start=tomorrow_at(), mode=VisitMode.HOME, place=None, by=visit.members[0], now=NOW
    )
    with pytest.raises(RuleViolation, match="not happened yet"):
        services.submit_reflection(
            visit,
            by=visit.members[0],
            duration_minutes=40,
            shared={"hopes_and_dreams": "x"},
            now=NOW,
        )
    assert visit.status == VisitStatus.SCHEDULED
    assert db.session.scalars(select(HoursEntry)).all() == []


def test_hours_are_earned_on_the_school_s_date_and_only_by_trained_members(db):
    """An evening visit in New York is already the next day in UTC; a partner whose training
    lapsed since the visit was scheduled is not paid for it."""
    school = make_school(timezone="America/New_York")
    lead = make_user(Role.VISITOR, school)
    partner = make_user(Role.VISITOR, school)
    visit = make_visit(school, team=[lead, partner])
    agree(visit, lead)
    day = date.today() + timedelta(days=10)
    evening = datetime.combine(day, time(19, 30), ZoneInfo("America/New_York"))
    services.schedule_visit(visit, start=evening, mode=VisitMode.HOME, place=None, by=lead, now=NOW)
    assert evening.astimezone(UTC).date() == day + timedelta(days=1)
    # The partner's training ends before the visit happens.
    for completion in db.session.scalars(
        select(TrainingCompletion).where(TrainingCompletion.user_id == partner.id)
    ):
        completion.valid_until = day - timedelta(days=1)
    services.submit_reflection(
        visit,
        by=lead,
        duration_minutes=40,
        shared={"hopes_and_dreams": "x"},
        now=evening + timedelta(hours=1),
    )
    hours = db.session.scalars(select(HoursEntry)).all()
    assert [(h.user_id, h.earned_on) for h in hours] == [(lead.id, day)]


def test_a_stale_change_to_a_visit_is_refused_not_overwritten(app, db):
    """Optimistic locking: two people changing one visit from the same version."""
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    visit = make_visit()
    db.session.commit()
    with Session(db.engine) as other:
        theirs = other.get(type(visit), visit.id)
        theirs.status_reason = "changed by another coordinator"
        other.commit()
    visit.status_reason = "changed here from a stale page"
    with pytest.raises(StaleDataError):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(type(visit), visit.id).status_reason == "changed by another coordinator"


def test_a_reschedule_goes_back_through_scheduling(db):
    visit = make_visit()
    agree(visit, visit.members[0])
    services.schedule_visit(
        visit,
        start=tomorrow_at(),
        mode=VisitMode.HOME,
        place=None,
        by=visit.members[0],
        now=NOW,
    )
    services.request_reschedule(visit, reason="Shift changed", by=visit.members[0])
    assert visit.status == VisitStatus.RESCHEDULING
    assert visit.family_agreed_at is None  # the new time is agreed with the family anew
    with pytest.raises(RuleViolation, match="not agreed"):
        services.schedule_visit(
            visit,
            start=tomorrow_at() + timedelta(days=2),
            mode=VisitMode.VIDEO,
            place="link",
            by=visit.members[0],
            now=NOW,
        )
    agree(visit, visit.members[0])
    services.schedule_visit(
        visit,
        start=tomorrow_at() + timedelta(days=2),
        mode=VisitMode.VIDEO,
        place="link",
        by=visit.members[0],
        now=NOW,
    )
    assert visit.status == VisitStatus.SCHEDULED and visit.mode == VisitMode.VIDEO
