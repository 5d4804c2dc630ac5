"""Rule 5: always in pairs. Who may make up a visit's team, and who can no longer visit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from fieldapp.i18n import gettext as _
from fieldapp.models import TeamMember, TeamRole, TrainingCompletion, User
from fieldapp.rules.training import completions_by_user, training_status
from fieldapp.rules.violation import RuleViolation, message_day

MIN_TEAM = 2
MAX_TEAM = 3
MIN_TRAINED = 2


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
                day=message_day(on),
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
