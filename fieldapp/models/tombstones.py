"""Deletions the API's pulls report: what a school's system read once and must now forget."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.extensions import db
from fieldapp.models.base import UTCDateTime, str_enum, utcnow


class ApiResource(enum.Enum):
    """The API's lists, by the kind of record each returns."""

    VISIT = "visit"
    FOLLOW_UP = "follow_up"
    RELATIONSHIP_CARD = "relationship_card"


class ApiTombstone(db.Model):
    """A record a school's token could read and that is gone: written in the transaction that
    deletes it, one per school that could read it, and kept while a client may lag behind
    (``fieldapp.tombstones.KEEP_DAYS``). No personal data: a kind, an id, a school, a time."""

    __tablename__ = "api_tombstones"
    __table_args__ = (
        # The API's pulls: one school's deletions of one kind, in (deleted_at, id) order.
        Index("ix_api_tombstones_pull", "school_id", "resource", "deleted_at", "resource_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource: Mapped[ApiResource] = mapped_column(str_enum(ApiResource))
    resource_id: Mapped[int] = mapped_column(Integer)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
