"""Which round the coordinator's pages show first."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from fieldapp.models import Round


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
