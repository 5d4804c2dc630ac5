"""Query builders for visits: they return ``select()`` objects that views run or paginate."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from fieldapp.i18n import gettext as _
from fieldapp.models import (
    AuditEvent,
    ContactAttempt,
    Round,
    TeamMember,
    User,
    Visit,
    VisitStatus,
)
from fieldapp.rules import OPEN_STATUSES


def shown_on_my_visits():
    """Not the declined or cancelled visits, nor those completed in a closed round."""
    return or_(
        Visit.status.not_in([VisitStatus.COMPLETED, VisitStatus.DECLINED, VisitStatus.CANCELLED]),
        and_(
            Visit.status == VisitStatus.COMPLETED,
            or_(Visit.round_id.is_(None), Visit.round.has(Round.closed_at.is_(None))),
        ),
    )


def my_visits(user: User) -> Select:
    """The visits My visits shows of every team the visitor is on — not the declined or
    cancelled ones, nor those completed in a closed round — with what a card shows loaded up
    front."""
    return (
        select(Visit)
        .join(TeamMember, TeamMember.visit_id == Visit.id)
        .where(TeamMember.user_id == user.id, shown_on_my_visits())
        .options(
            selectinload(Visit.students),
            selectinload(Visit.team).joinedload(TeamMember.user),
            joinedload(Visit.school),
        )
        .order_by(Visit.scheduled_start.is_(None), Visit.scheduled_start, Visit.id)
    )


def nearby_visits_of_team(visit: Visit, start: datetime) -> Select:
    """Scheduled visits of the team's members within a day of ``start`` (overlap candidates)."""
    members = [m.user_id for m in visit.team]
    return (
        select(Visit)
        .join(TeamMember, TeamMember.visit_id == Visit.id)
        .where(
            TeamMember.user_id.in_(members),
            Visit.id != visit.id,
            Visit.status == VisitStatus.SCHEDULED,
            Visit.scheduled_start.between(start - timedelta(days=1), start + timedelta(days=1)),
        )
        .options(selectinload(Visit.team).selectinload(TeamMember.user), selectinload(Visit.family))
    )


def feed_visits(user: User, since: datetime, school_ids: set[int]) -> Select:
    """A visitor's calendar feed: the scheduled visits of their teams at ``school_ids`` (where
    they are a visitor now) starting from ``since`` on, with the family and the team loaded up
    front — two statements however many visits there are."""
    return (
        select(Visit)
        .join(TeamMember, TeamMember.visit_id == Visit.id)
        .where(
            TeamMember.user_id == user.id,
            Visit.status == VisitStatus.SCHEDULED,
            Visit.scheduled_start >= since,
            Visit.school_id.in_(school_ids),
        )
        .options(selectinload(Visit.team).joinedload(TeamMember.user))
        .order_by(Visit.scheduled_start, Visit.id)
    )


@dataclass
class MyVisits:
    today: list[Visit] = field(default_factory=list)
    upcoming: list[Visit] = field(default_factory=list)
    to_arrange: list[Visit] = field(default_factory=list)
    to_reflect: list[Visit] = field(default_factory=list)
    done: list[Visit] = field(default_factory=list)

    def sections(self) -> list[tuple[str, str, list[Visit]]]:
        return [
            ("today", _("Today"), self.today),
            ("to-reflect", _("Waiting for reflection"), self.to_reflect),
            ("upcoming", _("Upcoming"), self.upcoming),
            ("to-arrange", _("To arrange"), self.to_arrange),
            ("done", _("Done this round"), self.done),
        ]


def group_my_visits(visits: list[Visit], now: datetime) -> MyVisits:
    """Sort a visitor's visits into what they need to do next, by each school's day (``Visit``
    objects, or the ``cards.VisitCard`` rows My visits reads: they carry the same names)."""
    groups = MyVisits()
    for v in visits:
        tz = ZoneInfo(v.school.timezone)
        today: date = now.astimezone(tz).date()
        start = v.scheduled_start.astimezone(tz) if v.scheduled_start else None
        if v.status == VisitStatus.COMPLETED:
            if v.round is None or v.round.is_open:
                groups.done.append(v)
        elif v.status in (VisitStatus.TO_ARRANGE, VisitStatus.CONTACTING, VisitStatus.RESCHEDULING):
            groups.to_arrange.append(v)
        elif v.status == VisitStatus.SCHEDULED and start is not None:
            ended = v.scheduled_start + timedelta(minutes=v.planned_minutes) <= now
            if start.date() == today and not ended:
                groups.today.append(v)
            elif start.date() <= today:
                groups.to_reflect.append(v)
            else:
                groups.upcoming.append(v)
    return groups


CONTACTS_SHOWN = 10  # the contact log on a visit's page: the latest, and a link to all


_ALL_CONTACTS = (  # built once: a visit's page runs it with the visit's id (and a limit)
    select(ContactAttempt, func.count().over())
    .where(ContactAttempt.visit_id == bindparam("visit_id"))
    .options(joinedload(ContactAttempt.by))
    .order_by(ContactAttempt.at.desc(), ContactAttempt.id.desc())
)
_LATEST_CONTACTS = _ALL_CONTACTS.limit(bindparam("limit"))


def latest_contacts(visit_id: int, limit: int | None = CONTACTS_SHOWN) -> tuple[Select, dict]:
    """(statement, parameters) for (contact, how many the visit has) of the ``limit`` latest
    contacts (None: all), newest first, with who logged each: the page shows what a person
    reads on a phone, not a log that grows with every call (a visit called every day for a
    term)."""
    if limit is None:
        return _ALL_CONTACTS, {"visit_id": visit_id}
    return _LATEST_CONTACTS, {"visit_id": visit_id, "limit": limit}


def last_private_note_correction(visit_id: int) -> Select:
    """The latest correction of the team's private note: (when, who), from the audit trail."""
    return (
        select(AuditEvent.at, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.object_type == "visit",
            AuditEvent.object_id == visit_id,
            AuditEvent.action == "visit.private_note",
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(1)
    )


def open_team_visits(*, school_id: int | None = None, member_id: int | None = None) -> Select:
    """Open visits that have a team, of a school or of one team member, with the team, family,
    students and school loaded: the ones whose team may need replacing."""
    query = (
        select(Visit)
        .where(Visit.status.in_(OPEN_STATUSES), Visit.team.any())
        .options(
            selectinload(Visit.students),
            selectinload(Visit.team).joinedload(TeamMember.user),
            joinedload(Visit.school),
        )
        .order_by(Visit.school_id, Visit.scheduled_start.is_(None), Visit.scheduled_start, Visit.id)
    )
    if school_id is not None:
        query = query.where(Visit.school_id == school_id)
    if member_id is not None:
        query = query.where(Visit.team.any(TeamMember.user_id == member_id))
    return query
