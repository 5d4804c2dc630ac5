"""The model's rules (Parent Teacher Home Visits), in one place.

Pure functions over the schema's objects: no queries, no request. Services call them before
they change anything, and a refused change raises ``RuleViolation`` with a message that can be
shown to the person as it is.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask_babel import get_locale

from fieldapp import clock
from fieldapp.i18n import family_label, ngettext
from fieldapp.i18n import gettext as _
from fieldapp.i18n import lazy_gettext as _l
from fieldapp.models import (
    Family,
    HoursMode,
    Round,
    RoundScope,
    School,
    TeamMember,
    TeamRole,
    TrainingCompletion,
    TrainingKind,
    User,
    Visit,
    VisitStatus,
)

MIN_TEAM = 2
MAX_TEAM = 3
MIN_TRAINED = 2
LAPSING_SOON = timedelta(days=30)
MAX_AHEAD = timedelta(days=730)


class RuleViolation(Exception):
    """A change the model's rules refuse; ``str(exc)`` is a message for the person."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field  # the form field the message belongs next to, when there is one


def _day(value: date, pattern: str = "d MMM y") -> str:
    """A day in messages for people, in their language ("1 Dec 2026", "1 dic 2026"; English
    outside a request)."""
    return format_date(value, pattern, locale=str(get_locale() or "en")).replace(".", "")


# ---- Rule 2: trained (and not lapsed) ---------------------------------------------------------


class TrainingStatus(enum.Enum):
    TRAINED = "trained"
    LAPSING_SOON = "lapsing_soon"
    LAPSED = "lapsed"
    NOT_TRAINED = "not_trained"

    @property
    def can_visit(self) -> bool:
        return self in (TrainingStatus.TRAINED, TrainingStatus.LAPSING_SOON)

    @property
    def label(self) -> str:
        return {
            TrainingStatus.TRAINED: _("Trained"),
            TrainingStatus.LAPSING_SOON: _("Lapsing soon"),
            TrainingStatus.LAPSED: _("Training lapsed"),
            TrainingStatus.NOT_TRAINED: _("Not trained"),
        }[self]


def training_valid_until(completions: Iterable[TrainingCompletion], on: date) -> date | None:
    """The end of validity that holds on ``on`` (``date.max`` for one that never lapses), or None
    when the person had not completed foundational training by then."""
    done = [c for c in completions if c.completed_on <= on]
    if not any(c.kind == TrainingKind.FOUNDATIONAL for c in done):
        return None  # a refresher alone does not make anyone trained
    return max((c.valid_until or date.max) for c in done)


def training_status(completions: Iterable[TrainingCompletion], on: date) -> TrainingStatus:
    """A person's training status on a date, from their completions: the one place it is decided."""
    until = training_valid_until(completions, on)
    if until is None:
        return TrainingStatus.NOT_TRAINED
    if until < on:
        return TrainingStatus.LAPSED
    if until - on <= LAPSING_SOON:
        return TrainingStatus.LAPSING_SOON
    return TrainingStatus.TRAINED


def worth_joining(kind: TrainingKind, status: TrainingStatus) -> bool:
    """Whether "Sessions you can join" offers a session of ``kind`` to someone with ``status``:
    a foundational one to whoever is not trained now (never trained, or lapsed); a refresher to
    those it renews (lapsing soon or lapsed), not to someone never trained (a refresher alone
    trains nobody) nor to someone whose training holds for long yet."""
    if kind == TrainingKind.FOUNDATIONAL:
        return not status.can_visit
    return status in (TrainingStatus.LAPSING_SOON, TrainingStatus.LAPSED)


def why_not_assignable(
    completions: Iterable[TrainingCompletion], today: date, until: date
) -> str | None:
    """Why a person cannot be put on a team for visits from ``today`` to ``until`` (the round's
    end), or None when they can: trained now and still trained when the round ends."""
    completions = list(completions)
    now = training_status(completions, today)
    if not now.can_visit:
        return now.label
    if not training_status(completions, until).can_visit:
        ends = training_valid_until(completions, today)
        return _("Training lapses on %(day)s, before the round ends", day=_day(ends))
    return None


def completions_by_user(completions: Iterable[TrainingCompletion]) -> dict[int, list]:
    by_user: dict[int, list] = {}
    for c in completions:
        by_user.setdefault(c.user_id, []).append(c)
    return by_user


# ---- Rule 5: always in pairs ------------------------------------------------------------------


def check_team(
    members: Sequence[User],
    on: date,
    completions: Iterable[TrainingCompletion],
    interpreters: Sequence[User] = (),
) -> None:
    """A team has 2 or 3 distinct people. Every visitor on it is trained (not lapsed) on ``on``,
    and so are at least two of the team; an interpreter may be the third, untrained, person."""
    everyone = [*members, *interpreters]
    ids = [m.id for m in everyone]
    if len(set(ids)) != len(ids):
        raise RuleViolation(_("The same person is on the team twice."), field="team")
    if not MIN_TEAM <= len(ids) <= MAX_TEAM:
        raise RuleViolation(_("A visit needs a team of two or three people."), field="team")
    by_user = completions_by_user(completions)
    trained = {m.id for m in everyone if training_status(by_user.get(m.id, []), on).can_visit}
    untrained = [m.name for m in members if m.id not in trained]
    if untrained or len(trained) < MIN_TRAINED:
        names = ", ".join(untrained or [m.name for m in everyone if m.id not in trained])
        raise RuleViolation(
            _(
                "Visitors must be trained on %(day)s, and at least two people on the team "
                "(not trained or lapsed: %(names)s).",
                day=_day(on),
                names=names,
            ),
            field="team",
        )


def paid_members(
    team: Sequence[TeamMember], on: date, completions: Iterable[TrainingCompletion]
) -> list[TeamMember]:
    """Who is paid for a completed visit: visitors trained on the visit's day, and interpreters."""
    by_user = completions_by_user(completions)
    return [
        m
        for m in team
        if m.role == TeamRole.INTERPRETER
        or training_status(by_user.get(m.user_id, []), on).can_visit
    ]


def stranded_members(
    team: Sequence[TeamMember], on: date, completions: Iterable[TrainingCompletion]
) -> list[User]:
    """The visitors of a team who can no longer visit on ``on``: a disabled account or a
    training that lapsed. A visit with any of them needs a new team (interpreters are not
    required to be trained, so only a disabled interpreter counts)."""
    by_user = completions_by_user(completions)
    return [
        m.user
        for m in team
        if not m.user.active
        or (
            m.role == TeamRole.VISITOR
            and not training_status(by_user.get(m.user_id, []), on).can_visit
        )
    ]


# ---- Rule 1: voluntary, arranged in advance ---------------------------------------------------


def check_may_contact(family: Family | None) -> None:
    if family is not None and family.do_not_contact:
        raise RuleViolation(_("This family asked not to be contacted. Their wish is kept."))


def check_new_visit(family: Family) -> None:
    """A family that asked not to be contacted gets no new visits."""
    check_may_contact(family)


# ---- Rule 3: the first visit builds the relationship, once a school year ----------------------

# The school year starts on 1 July: first visits run in late summer and fall, second visits in
# winter and spring, and a round in June still belongs to the year that is ending.
SCHOOL_YEAR_STARTS = (7, 1)


def school_year(day: date) -> tuple[date, date]:
    """The first and last day of the school year ``day`` belongs to."""
    year = day.year if (day.month, day.day) >= SCHOOL_YEAR_STARTS else day.year - 1
    start = date(year, *SCHOOL_YEAR_STARTS)
    return start, date(year + 1, *SCHOOL_YEAR_STARTS) - timedelta(days=1)


def school_year_label(day: date) -> str:
    """ "2026–27" for any day from 1 July 2026 to 30 June 2027."""
    start, end = school_year(day)
    return f"{start.year}–{end.year % 100:02d}"


# ---- Attendance (the impact report, the student's record) -------------------------------------

# Chronically absent: missed 10 % or more of the days enrolled. Compared exactly, as
# ``absent × CHRONIC_DIVISOR ≥ enrolled`` (no rounding at the line), in Python and in SQL alike.
CHRONIC_DIVISOR = 10


def chronically_absent(days_enrolled, days_absent) -> bool:
    return days_enrolled > 0 and days_absent * CHRONIC_DIVISOR >= days_enrolled


# ---- The visit's state machine ----------------------------------------------------------------

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
                start=_day(r.starts_on, "d MMM"),
                end=_day(r.ends_on),
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


# ---- Rule 4: no targeting ---------------------------------------------------------------------

COVERAGE_MARK = 0.10  # research found effects where a school visited at least 10% of families


def targeting_warnings(
    scope: RoundScope, in_scope_by_grade: dict[str, int], students_by_grade: dict[str, int]
) -> list[str]:
    """Gentle warnings when a round looks targeted: individual students only, or most of a
    grade left out. A school visits all students of a group, or a cross-section."""
    warnings = []
    if scope == RoundScope.STUDENTS:
        warnings.append(
            _(
                "This round picks individual students only. Visit all students of a group, or "
                "a cross-section, so that no family feels singled out."
            )
        )
    for grade, chosen in sorted(in_scope_by_grade.items()):
        total = students_by_grade.get(grade, 0)
        if chosen and total and chosen / total < 0.5:
            warnings.append(
                ngettext(
                    "It leaves out most of grade %(grade)s (%(chosen)d of %(num)d student is in "
                    "the round).",
                    "It leaves out most of grade %(grade)s (%(chosen)d of %(num)d students are in "
                    "the round).",
                    total,
                    grade=grade,
                    chosen=chosen,
                )
            )
    return warnings


def visit_hours(school: School, minutes: int) -> Decimal:
    """Hours each team member earns for a completed visit, by the school's pay setting."""
    if school.hours_mode == HoursMode.MINUTES:
        hours = Decimal(minutes) / Decimal(60)
    else:
        hours = Decimal(school.hours_per_visit)
    return hours.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# ---- which round the coordinator's pages show first --------------------------------------------


def default_round(rounds: Iterable[Round], today: date) -> Round | None:
    """The round in progress on ``today`` (the school's date), else the most recent past one,
    else the next to come: planning next term's round does not switch the pages to it."""
    rounds = list(rounds)
    running = [r for r in rounds if r.starts_on <= today <= r.ends_on]
    if running:
        return max(running, key=lambda r: (r.is_open, r.starts_on, r.id))
    past = [r for r in rounds if r.ends_on < today]
    if past:
        return max(past, key=lambda r: (r.ends_on, r.id))
    return min(rounds, key=lambda r: (r.starts_on, r.id), default=None)
