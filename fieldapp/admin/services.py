"""A person's account as the district admin keeps it: name, staff id and roles, and what
disabling them leaves behind (their open visits, offered to trained people of the school)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from fieldapp import audit, rules
from fieldapp.auth import services as auth_services
from fieldapp.extensions import db
from fieldapp.i18n import gettext as _
from fieldapp.models import Role, RoleAssignment, School, User, Visit
from fieldapp.rounds import services as rounds
from fieldapp.rounds import suggestions
from fieldapp.visits import services as visits


@dataclass
class Replacements:
    """For each open visit of a person: who can take their place, and who is suggested."""

    candidates: dict[int, list[User]] = field(default_factory=dict)
    reasons: dict[int, dict[int, str | None]] = field(default_factory=dict)
    suggested: dict[int, int | None] = field(default_factory=dict)


def _school_day(visit: Visit, now: datetime) -> date:
    return now.astimezone(ZoneInfo(visit.school.timezone)).date()


def replacements_for(person: User, visits_: Sequence[Visit], now: datetime) -> Replacements:
    """Trained people of each visit's school (trained until its round ends) who are not on the
    team already; the round board's own staff list and suggestion, reused."""
    result = Replacements()
    by_round: dict[int, rounds.Staff] = {}
    for visit in visits_:
        if visit.round is None:
            result.candidates[visit.id] = []
            result.suggested[visit.id] = None
            continue
        if visit.round_id not in by_round:
            by_round[visit.round_id] = suggestions.staff_for(visit.round, _school_day(visit, now))
        staff = by_round[visit.round_id]
        on_team = {m.user_id for m in visit.team} | {person.id}
        people = [p for p in staff.assignable if p.id not in on_team]
        result.candidates[visit.id] = people
        result.reasons[visit.id] = staff.reasons
        pick = suggestions.suggest(visit, people, staff.open_counts).people
        result.suggested[visit.id] = pick[0].id if pick else None
    return result


def disable(
    person: User,
    replacements: dict[Visit, User],
    *,
    by: User | None,
    now: datetime,
) -> None:
    """Give each chosen visit its replacement, then disable the account. The visits left
    without one keep the team and show as needing a new team."""
    for visit, replacement in replacements.items():
        today = _school_day(visit, now)
        try:
            if visit.round is not None:
                rounds.check_assignable([replacement], visit.round, today)
            visits.replace_member(visit, person, replacement, on=today, by=by)
        except rules.RuleViolation as exc:  # said beside that visit's choice
            raise rules.RuleViolation(exc.message, field=f"replace-{visit.id}") from exc
    auth_services.set_active(person, False, by=by, now=now)


def _add_role(person: User, role: Role, school: School | None) -> None:
    """Give ``person`` the role (at the school, for a school's role) unless they hold it."""
    if role.is_school_role and school is None:
        raise rules.RuleViolation(_("Choose the school for this role."), field="school_id")
    school_id = school.id if school is not None and role.is_school_role else None
    if not any(a.role == role and a.school_id == school_id for a in person.roles):
        person.roles.append(RoleAssignment(role=role, school_id=school_id))


def update_person(
    person: User,
    *,
    name: str,
    staff_id: str | None,
    add: tuple[Role, School | None] | None,
    remove: Sequence[RoleAssignment],
    by: User,
) -> None:
    """Rename, set the payroll staff id, add a role, take roles away. Everyone keeps at least
    one role, and nobody takes their own admin role away (the district would lose its admin)."""
    if staff_id:
        taken = db.session.scalar(
            select(User.id).where(User.staff_id == staff_id, User.id != person.id)
        )
        if taken is not None:
            raise rules.RuleViolation(_("Another person has this staff id."), field="staff_id")
    if person.id == by.id and any(a.role == Role.ADMIN for a in remove):
        raise rules.RuleViolation(_("You cannot take your own admin role away."), field="remove")
    if add is not None:
        _add_role(person, *add)
    kept = [a for a in person.roles if a not in remove]
    if not kept:
        raise rules.RuleViolation(_("Everyone keeps at least one role."), field="remove")
    person.roles = kept
    person.name = name
    person.staff_id = staff_id or None
    db.session.flush()
    audit.record(
        "user.update",
        actor=by,
        obj=person,
        roles=sorted(f"{a.role.value}:{a.school_id or ''}" for a in person.roles),
    )
