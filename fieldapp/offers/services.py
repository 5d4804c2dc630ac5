"""Offering times to a family and taking their answer.

The team offers 2–5 times, each checked as scheduling checks a time (``rules.check_time`` and
no overlap with the team's other visits). The family's answer goes through the same services
as the team's own work: their choice is their agreement (a contact with the outcome "agreed")
and then ``schedule_visit``, so every rule of scheduling by hand holds here too.

Like every service, these only flush: the view commits.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from fieldapp import audit, rules
from fieldapp.extensions import db
from fieldapp.formatting import MODES
from fieldapp.i18n import current_locale, family_label, in_language
from fieldapp.i18n import fgettext as _f
from fieldapp.i18n import gettext as _
from fieldapp.messages.services import day_and_time
from fieldapp.models import (
    ContactMethod,
    ContactOutcome,
    OfferAnswer,
    OfferedSlot,
    SlotOffer,
    User,
    Visit,
    VisitMode,
)
from fieldapp.training.queries import completions_of
from fieldapp.visits import queries as visit_queries
from fieldapp.visits import services as visit_services

MIN_SLOTS, MAX_SLOTS = 2, 5
# A link lives until the round ends, and three weeks at most.
MAX_LIFE = timedelta(days=21)
# 16 random bytes: a short link (22 characters) that nobody guesses.
TOKEN_BYTES = 16
NOTE_MAX = 1000
OFFERABLE = rules.TO_AGREE_STATUSES


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _zone(visit: Visit) -> ZoneInfo:
    return ZoneInfo(visit.school.timezone)


def check_slot(visit: Visit, start: datetime, now: datetime) -> None:
    """A time the team can still do: scheduling's rules for the time, and nobody on the team
    booked elsewhere then. Raises ``RuleViolation``."""
    completions = list(db.session.scalars(completions_of(m.user_id for m in visit.team)))
    rules.check_time(visit, start, _zone(visit), completions, now)
    rules.check_no_overlap(
        visit, start, db.session.scalars(visit_queries.nearby_visits_of_team(visit, start))
    )


def expires_at(visit: Visit, now: datetime) -> datetime:
    """The end of the round's last day at the school, or three weeks from now if sooner."""
    latest = now + MAX_LIFE
    if visit.round is not None:
        round_end = datetime.combine(visit.round.ends_on + timedelta(days=1), time(), _zone(visit))
        latest = min(latest, round_end)
    return latest


def _live(visit: Visit, now: datetime):
    return (
        (SlotOffer.visit_id == visit.id)
        & SlotOffer.revoked_at.is_(None)
        & SlotOffer.answered_at.is_(None)
        & (SlotOffer.expires_at > now)
    )


def live_offer(visit: Visit, now: datetime) -> SlotOffer | None:
    return db.session.scalars(
        select(SlotOffer).where(_live(visit, now)).order_by(SlotOffer.created_at.desc())
    ).first()


def offer_slots(
    visit: Visit,
    starts: Sequence[datetime],
    modes: Sequence[VisitMode],
    *,
    by: User | None,
    now: datetime,
) -> tuple[SlotOffer, str]:
    """Offer the family these times and kinds of place, behind a new link (the visit's last
    link stops working). Returns the offer and the link's token: shown once, never stored."""
    rules.check_contact(visit)
    if visit.status not in OFFERABLE:
        raise rules.RuleViolation(_("Times are offered for a visit still to arrange."))
    starts = sorted(set(starts))
    if not MIN_SLOTS <= len(starts) <= MAX_SLOTS:
        raise rules.RuleViolation(
            _("Offer between %(low)d and %(high)d different times.", low=MIN_SLOTS, high=MAX_SLOTS),
            field="slots",
        )
    modes = [m for m in VisitMode if m in set(modes)]
    if not modes:
        raise rules.RuleViolation(_("Choose at least one kind of place."), field="modes")
    for start in starts:
        try:
            check_slot(visit, start, now)
        except rules.RuleViolation as exc:
            when = day_and_time(start, visit.school.timezone, current_locale())
            raise rules.RuleViolation(
                _("%(when)s: %(reason)s", when=when, reason=exc.message), field="slots"
            ) from exc
    revoked = revoke(visit, by=by, now=now, quiet=True)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    offer = SlotOffer(
        visit=visit,
        token_hash=_hash(token),
        modes=[m.value for m in modes],
        created_by_id=by.id if by is not None else None,
        created_at=now,
        expires_at=expires_at(visit, now),
        slots=[OfferedSlot(start=s) for s in starts],
    )
    db.session.add(offer)
    db.session.flush()
    audit.record(
        "offer.create",
        actor=by,
        obj=visit,
        school_id=visit.school_id,
        offer=offer.id,
        slots=len(starts),
        replaced=revoked,
    )
    return offer, token


def revoke(visit: Visit, *, by: User | None, now: datetime, quiet: bool = False) -> int:
    """The visit's open link stops working. Returns how many were revoked."""
    count = db.session.execute(
        update(SlotOffer).where(_live(visit, now)).values(revoked_at=now)
    ).rowcount
    if count and not quiet:
        audit.record("offer.revoke", actor=by, obj=visit, school_id=visit.school_id)
    return count


def find(token: str) -> SlotOffer | None:
    """The offer behind a link, live or not (the page says which), or None."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(SlotOffer).where(SlotOffer.token_hash == _hash(token)))


def possible_slots(offer: SlotOffer, now: datetime) -> list[OfferedSlot]:
    """The offered times still open: not past, and the team still free then."""
    possible = []
    for slot in offer.slots:
        try:
            check_slot(offer.visit, slot.start, now)
        except rules.RuleViolation:
            continue
        possible.append(slot)
    return possible


def _answerable(offer: SlotOffer, now: datetime) -> None:
    if not offer.is_live(now) or offer.visit.status not in OFFERABLE:
        raise rules.RuleViolation(_f("This link no longer takes answers."))


def _answered(offer: SlotOffer, answer: OfferAnswer, note: str | None, now: datetime) -> None:
    offer.answer = answer
    offer.answered_at = now
    offer.note = note
    db.session.flush()
    audit.record(
        "offer.answer",
        obj=offer.visit,
        school_id=offer.visit.school_id,
        offer=offer.id,
        answer=answer.value,
    )


def _contact(offer: SlotOffer, outcome: ContactOutcome, note: str | None, now: datetime) -> None:
    """The answer in the team's contact log, in the family's own words. The link went out as
    a text or an email from a visitor's phone: it is logged as a text."""
    visit_services.log_contact(
        offer.visit, method=ContactMethod.TEXT, outcome=outcome, note=note, by=None, at=now
    )


def choose(
    offer: SlotOffer, slot_id: int, mode: VisitMode, note: str | None, *, now: datetime
) -> Visit:
    """The family picked a time and a place: this is their agreement, and the visit is
    scheduled by the rules of scheduling by hand. A time that became impossible meanwhile
    raises ``RuleViolation`` (the caller rolls back and offers the others)."""
    _answerable(offer, now)
    slot = next((s for s in offer.slots if s.id == slot_id), None)
    if slot is None:
        raise rules.RuleViolation(_f("Please choose one of the times."), field="slot")
    if mode.value not in offer.modes:
        raise rules.RuleViolation(_f("Please choose one of the places."), field="mode")
    visit = offer.visit
    try:
        check_slot(visit, slot.start, now)
    except rules.RuleViolation as exc:
        raise rules.RuleViolation(
            _f("Sorry, this time is no longer free. Please choose another one."), field="slot"
        ) from exc
    _contact(offer, ContactOutcome.AGREED, note, now)
    place = visit.family.address if mode == VisitMode.HOME and visit.family else None
    visit_services.schedule_visit(visit, start=slot.start, mode=mode, place=place, by=None, now=now)
    _answered(offer, OfferAnswer.CHOSE, note, now)
    return visit


def decline(offer: SlotOffer, note: str | None, *, never: bool, now: datetime) -> None:
    """The family would rather not have a visit; ``never``: nor be contacted again (the
    do-not-contact flag, which closes their open visits)."""
    _answerable(offer, now)
    outcome = ContactOutcome.DO_NOT_CONTACT if never else ContactOutcome.DECLINED
    _contact(offer, outcome, note, now)
    _answered(offer, OfferAnswer.NEVER if never else OfferAnswer.DECLINED, note, now)


def call_me(offer: SlotOffer, note: str | None, *, now: datetime) -> None:
    """The family asks to be called instead: a request in the team's contact log."""
    _answerable(offer, now)
    _contact(offer, ContactOutcome.CALL_ME, note, now)
    _answered(offer, OfferAnswer.CALL_ME, note, now)


def record_open(offer: SlotOffer, *, live: bool) -> None:
    """Each opening of the link leaves an audit event (no person: the family has no account)."""
    audit.record(
        "offer.open",
        obj=offer.visit,
        school_id=offer.visit.school_id,
        success=live,
        offer=offer.id,
    )


def team_mails(
    visit: Visit, write: Callable[[str, str], tuple[str, str]]
) -> list[tuple[str, str, str]]:
    """(to, subject, body) for each active team member with an email, each in their own
    interface language: ``write(family, when)`` gives the subject and the body."""
    mails = []
    for member in visit.team:
        person = member.user
        if not person.email or not person.active:
            continue
        with in_language(person.locale) as code:
            family = family_label(visit.family.name if visit.family else None)
            when = day_and_time(visit.scheduled_start, visit.school.timezone, code)
            subject, body = write(family, when)
        mails.append((person.email, subject, body))
    return mails


def scheduled_mails(visit: Visit, visit_url: str | None = None) -> list[tuple[str, str, str]]:
    """The family chose a time: the team is told. The subject names no family and no body
    quotes an address or the family's note: those stay in the app, behind ``visit_url`` (None
    when the app does not know its own address). README: "What an email may carry"."""

    def write(family: str, when: str) -> tuple[str, str]:
        subject = _("Visit scheduled: %(when)s", when=when)
        body = _(
            "%(family)s chose a time for their visit: %(when)s (%(place)s).\n\n"
            "It is on My visits and in your calendar feed. Any note from the family is in "
            "the visit's contact log.",
            family=family,
            when=when,
            place=MODES[visit.mode],
        )
        if visit_url:
            body += "\n\n" + _("The visit: %(url)s", url=visit_url)
        return subject, body

    return team_mails(visit, write)
