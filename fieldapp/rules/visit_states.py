"""The visit's state machine: its statuses, the changes between them, and what each change
needs (an agreed time, a trained pair, a reflection; no one booked twice at once)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fieldapp import clock
from fieldapp.i18n import family_label
from fieldapp.i18n import gettext as _
from fieldapp.i18n import lazy_gettext as _l
from fieldapp.models import TeamRole, TrainingCompletion, Visit, VisitStatus
from fieldapp.rules.contact import check_may_contact
from fieldapp.rules.pairs import MIN_TEAM, check_team
from fieldapp.rules.violation import RuleViolation, message_day

MAX_AHEAD = timedelta(days=730)

S = VisitStatus
TRANSITIONS: dict[VisitStatus, frozenset[VisitStatus]] = {
    S.TO_ARRANGE: frozenset({S.CONTACTING, S.SCHEDULED, S.DECLINED, S.CANCELLED}),
    S.CONTACTING: frozenset({S.SCHEDULED, S.DECLINED, S.CANCELLED}),
    S.SCHEDULED: frozenset({S.COMPLETED, S.RESCHEDULING, S.DECLINED, S.CANCELLED}),
    S.RESCHEDULING: frozenset({S.SCHEDULED, S.DECLINED, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.DECLINED: frozenset(),
    S.CANCELLED: frozenset(),
}
OPEN_STATUSES = frozenset({S.TO_ARRANGE, S.CONTACTING, S.SCHEDULED, S.RESCHEDULING})
# A time is still to be agreed with the family (an offer of times, the contact prompts).
TO_AGREE_STATUSES = frozenset({S.TO_ARRANGE, S.CONTACTING, S.RESCHEDULING})
# The visit has its time, shown with it.
TIMED_STATUSES = frozenset({S.SCHEDULED, S.COMPLETED})
# A status that comes with its reason, shown on the visit's page.
WITH_REASON_STATUSES = frozenset({S.CANCELLED, S.DECLINED, S.RESCHEDULING})

STATUS_LABELS = {
    S.TO_ARRANGE: _l("To arrange"),
    S.CONTACTING: _l("Contacting"),
    S.SCHEDULED: _l("Scheduled"),
    S.RESCHEDULING: _l("Rescheduling"),
    S.COMPLETED: _l("Completed"),
    S.DECLINED: _l("Declined"),
    S.CANCELLED: _l("Cancelled"),
}


def check_transition(visit: Visit, new: VisitStatus) -> None:
    if new not in TRANSITIONS[visit.status]:
        raise RuleViolation(
            _(
                "A visit in the state “%(old)s” cannot become “%(new)s”.",
                old=STATUS_LABELS[visit.status],
                new=STATUS_LABELS[new],
            )
        )


# A team can be taken off a visit until a time is agreed with the family: from then on the
# family expects these people, so a change of team goes through rescheduling with them.
UNASSIGNABLE_STATUSES = frozenset({S.TO_ARRANGE, S.CONTACTING})


def check_unassign(visit: Visit) -> None:
    """Taking the team off a visit (back to no team): only while nothing is scheduled."""
    if not visit.team:
        raise RuleViolation(_("This visit has no team."))
    if visit.status not in UNASSIGNABLE_STATUSES:
        raise RuleViolation(
            _(
                "This visit is “%(status)s”: the family expects this team. Reschedule with them "
                "before changing it.",
                status=STATUS_LABELS[visit.status],
            )
        )


def check_contact(visit: Visit) -> None:
    """Contacting the family: only for an open visit with a team, never a do-not-contact family."""
    check_may_contact(visit.family)
    if visit.status not in OPEN_STATUSES:
        raise RuleViolation(_("This visit is closed; contacts can no longer be added."))
    if len(visit.team) < MIN_TEAM:
        raise RuleViolation(_("This visit has no team yet."))


def check_schedule(
    visit: Visit,
    start: datetime,
    tz: ZoneInfo,
    completions: Iterable[TrainingCompletion],
    now: datetime,
) -> None:
    """A visit is scheduled only after the family agreed, by a trained team, never in the past,
    inside its round (dates in the school's time zone)."""
    if visit.status != S.SCHEDULED:
        check_transition(visit, S.SCHEDULED)
    check_may_contact(visit.family)
    if visit.family_agreed_at is None:
        raise RuleViolation(
            _(
                "The family has not agreed to a visit yet. Record their agreement in the contact "
                "log first: visits are arranged with the family, never drop-ins."
            )
        )
    check_time(visit, start, tz, completions, now)


def check_time(
    visit: Visit,
    start: datetime,
    tz: ZoneInfo,
    completions: Iterable[TrainingCompletion],
    now: datetime,
) -> None:
    """A time the team can do the visit at: not in the past, within two years, inside the
    round, with the team trained on that day. Checked when a time is offered to the family
    and again when it is scheduled."""
    if start <= now:
        raise RuleViolation(_("Choose a time that is not in the past."), field="date")
    on = clock.local_date(start, tz)
    if on > clock.local_date(now, tz) + MAX_AHEAD:
        raise RuleViolation(_("Choose a date within the next two years."), field="date")
    if visit.round is not None and not visit.round.starts_on <= on <= visit.round.ends_on:
        r = visit.round
        raise RuleViolation(
            _(
                "Choose a date inside the round (%(start)s – %(end)s).",
                start=message_day(r.starts_on, "d MMM"),
                end=message_day(r.ends_on),
            ),
            field="date",
        )
    check_team(
        [m.user for m in visit.team if m.role != TeamRole.INTERPRETER],
        on,
        completions,
        interpreters=[m.user for m in visit.team if m.role == TeamRole.INTERPRETER],
    )


def check_may_reflect(visit: Visit, now: datetime) -> None:
    """The team reflects after the visit happened: a scheduled visit whose time has come."""
    if visit.status == S.COMPLETED:
        raise RuleViolation(_("This visit is already completed; its reflection is recorded."))
    if visit.status != S.SCHEDULED or visit.scheduled_start is None:
        raise RuleViolation(_("A reflection is written after a scheduled visit."))
    if visit.scheduled_start > now:
        raise RuleViolation(_("This visit has not happened yet. Write the reflection after it."))


def check_may_add_version(visit: Visit) -> None:
    """A reflection written offline that arrives after a teammate's completed the visit is kept
    as a second version for the team to merge; any other visit follows ``check_may_reflect``."""
    if visit.status != S.COMPLETED:
        raise RuleViolation(_("Only a completed visit takes another version of its reflection."))


# The team may correct its private note for this long after the visit was completed (its
# reflection saved): long enough to add what comes back to mind, short enough that the note
# stays a record of the visit rather than a running file on the family.
PRIVATE_NOTE_CORRECTION = timedelta(days=14)


def private_note_editable_until(visit: Visit) -> datetime | None:
    """Until when the team may correct its private note (None: no reflection, no note yet)."""
    if visit.completed_at is None:
        return None
    return visit.completed_at + PRIVATE_NOTE_CORRECTION


def check_may_correct_private_note(visit: Visit, now: datetime) -> None:
    until = private_note_editable_until(visit)
    if until is None:
        raise RuleViolation(_("There is no reflection yet: write the private note with it."))
    if now > until:
        raise RuleViolation(
            _(
                "The time to correct this note is over: the team could correct it for %(days)d "
                "days after the reflection was saved.",
                days=PRIVATE_NOTE_CORRECTION.days,
            ),
            "text",
        )


def check_complete(visit: Visit) -> None:
    """Completing a visit needs the team's reflection."""
    check_transition(visit, S.COMPLETED)
    if not visit.reflections:
        raise RuleViolation(_("A visit is completed by recording the team's reflection."))


def overlaps(start: datetime, minutes: int, other_start: datetime, other_minutes: int) -> bool:
    return start < other_start + timedelta(minutes=other_minutes) and other_start < start + (
        timedelta(minutes=minutes)
    )


def check_no_overlap(visit: Visit, start: datetime, others: Iterable[Visit]) -> None:
    """No team member is booked on two visits at once."""
    for other in others:
        if other.id == visit.id or other.status != S.SCHEDULED or other.scheduled_start is None:
            continue
        if overlaps(start, visit.planned_minutes, other.scheduled_start, other.planned_minutes):
            who = {m.user_id for m in other.team} & {m.user_id for m in visit.team}
            names = ", ".join(m.user.name for m in visit.team if m.user_id in who)
            family = family_label(other.family.name) if other.family else None
            raise RuleViolation(
                _(
                    "%(names)s already has a visit at that time (the %(family)s).",
                    names=names or _("Someone on the team"),
                    family=family,
                )
                if family
                else _(
                    "%(names)s already has a visit at that time (with another family).",
                    names=names or _("Someone on the team"),
                ),
                field="start_time",
            )
