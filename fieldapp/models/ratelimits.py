"""Rate-limit counters kept in the app's own database, so every worker and server counts alike."""

from __future__ import annotations

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.extensions import db


class RateLimitCounter(db.Model):
    """One fixed window of one limit for one key (an address, an API token's hash). Written only
    by ``fieldapp.ratelimit_storage``: one upsert per hit, expired rows pruned now and then.
    ``expires_at`` is seconds since the epoch (the limiter's own clock, ``time.time()``)."""

    __tablename__ = "rate_limit_counters"

    bucket: Mapped[str] = mapped_column(String(255), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float, index=True)
