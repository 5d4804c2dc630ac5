"""Rule 2: trained (and not lapsed). A visitor's training, and whether it lets them visit."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, timedelta

from fieldapp.i18n import gettext as _
from fieldapp.i18n import lazy_gettext as _l
from fieldapp.models import TrainingCompletion, TrainingKind
from fieldapp.rules.violation import message_day

LAPSING_SOON = timedelta(days=30)


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
        return str(_LABELS[self])  # the one label asked for (a staff table asks per person)


_LABELS = {
    TrainingStatus.TRAINED: _l("Trained"),
    TrainingStatus.LAPSING_SOON: _l("Lapsing soon"),
    TrainingStatus.LAPSED: _l("Training lapsed"),
    TrainingStatus.NOT_TRAINED: _l("Not trained"),
}


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
        return _("Training lapses on %(day)s, before the round ends", day=message_day(ends))
    return None


def completions_by_user(completions: Iterable[TrainingCompletion]) -> dict[int, list]:
    by_user: dict[int, list] = {}
    for c in completions:
        by_user.setdefault(c.user_id, []).append(c)
    return by_user
