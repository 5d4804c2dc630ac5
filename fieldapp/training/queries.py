from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, select

from fieldapp.models import TrainingCompletion, TrainingSession


def completions_of(user_ids: Iterable[int]) -> Select:
    return select(TrainingCompletion).where(TrainingCompletion.user_id.in_(list(user_ids)))


def sessions() -> Select:
    return select(TrainingSession).order_by(TrainingSession.starts_at.desc())
