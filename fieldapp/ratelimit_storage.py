"""A ``limits`` storage in the app's own database: ``RATELIMIT_STORAGE_URI = "database://"``.

gunicorn's workers share no memory, so ``memory://`` counted every limit once per worker (with
``make run``'s two workers the family page's "20 per minute" let 39 requests through). The
embedded default needs no server of its own, so the counters live where the data does: one row
per window (``rate_limit_counters``), moved on by a single upsert per hit — atomic on SQLite
(one autocommit statement under WAL and a busy timeout) and on PostgreSQL (``ON CONFLICT DO
UPDATE`` locks the row). Redis stays the choice when ``FIELDAPP_REDIS_URL`` is set.

Fixed windows only (Flask-Limiter's default strategy), each starting at its first hit, as in
``limits``' own memory storage. The engine is the serving app's (``db.engine``), looked up at
each hit: the limiter is one object per process, and a process may hold several apps (tests).
"""

from __future__ import annotations

import hashlib
import threading
import time

from limits.storage import Storage
from sqlalchemy import case, delete, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from fieldapp.extensions import db
from fieldapp.models import RateLimitCounter

COUNTERS = RateLimitCounter.__table__
BUCKET_LENGTH = COUNTERS.c.bucket.type.length
# Expired windows are deleted by whichever hit comes first after this many seconds (per process).
PRUNE_EVERY = 300
# The count and end of the window a hit just moved, for the same request's X-RateLimit headers
# (which read both right after the hit): no second and third statement for them.
FRESH_FOR = 1.0


class DatabaseStorage(Storage):
    STORAGE_SCHEME = ["database"]

    def __init__(
        self, uri: str | None = None, wrap_exceptions: bool = False, engine: Engine | None = None
    ):
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self._engine = engine
        self._next_prune = 0.0
        self._recent = threading.local()

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    @property
    def engine(self) -> Engine:
        return self._engine if self._engine is not None else db.engine

    def _connect(self):
        return self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    @staticmethod
    def _bucket(key: str) -> str:
        if len(key) <= BUCKET_LENGTH:
            return key
        return "sha256:" + hashlib.sha256(key.encode()).hexdigest()

    def _upsert(self, dialect: str, bucket: str, expiry: float, amount: int, now: float):
        insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
        expired = COUNTERS.c.expires_at <= now
        statement = insert(COUNTERS).values(bucket=bucket, hits=amount, expires_at=now + expiry)
        return statement.on_conflict_do_update(
            index_elements=[COUNTERS.c.bucket],
            set_={
                "hits": case((expired, amount), else_=COUNTERS.c.hits + amount),
                "expires_at": case((expired, now + expiry), else_=COUNTERS.c.expires_at),
            },
        ).returning(COUNTERS.c.hits, COUNTERS.c.expires_at)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        bucket = self._bucket(key)
        with self._connect() as connection:
            statement = self._upsert(connection.dialect.name, bucket, expiry, amount, now)
            hits, expires_at = connection.execute(statement).one()
            if now >= self._next_prune:
                self._next_prune = now + PRUNE_EVERY
                connection.execute(delete(COUNTERS).where(COUNTERS.c.expires_at <= now))
        recent = self._recent_hits()
        if len(recent) > 16:
            recent.clear()
        recent[id(self.engine), bucket] = (now, hits, expires_at)
        return hits

    def _recent_hits(self) -> dict:
        if not hasattr(self._recent, "hits"):
            self._recent.hits = {}
        return self._recent.hits

    def _window(self, key: str) -> tuple[int, float]:
        now = time.time()
        bucket = self._bucket(key)
        recent = self._recent_hits().get((id(self.engine), bucket))
        if recent and now - recent[0] < FRESH_FOR:
            return recent[1], recent[2]
        with self._connect() as connection:
            row = connection.execute(
                select(COUNTERS.c.hits, COUNTERS.c.expires_at).where(
                    COUNTERS.c.bucket == bucket, COUNTERS.c.expires_at > now
                )
            ).one_or_none()
        return (row.hits, row.expires_at) if row else (0, now)

    def get(self, key: str) -> int:
        return self._window(key)[0]

    def get_expiry(self, key: str) -> float:
        return self._window(key)[1]

    def check(self) -> bool:
        try:
            with self._connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        self._recent_hits().clear()
        with self._connect() as connection:
            count = connection.execute(select(func.count()).select_from(COUNTERS)).scalar_one()
            connection.execute(delete(COUNTERS))
        return count

    def clear(self, key: str) -> None:
        self._recent_hits().clear()
        with self._connect() as connection:
            connection.execute(delete(COUNTERS).where(COUNTERS.c.bucket == self._bucket(key)))

    def prune(self) -> int:
        """Delete every expired window now; how many went."""
        with self._connect() as connection:
            return connection.execute(
                delete(COUNTERS).where(COUNTERS.c.expires_at <= time.time())
            ).rowcount
