"""What phones sent: one receipt per item id, so an item sent twice changes things once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.extensions import db
from fieldapp.models.base import UTCDateTime, utcnow


class SyncReceipt(db.Model):
    """An item a phone made (its id) that changed something kept elsewhere: a visit's time, a
    follow-up done, a draft. Written in the same transaction as the change; the unique id ends
    a race between the same item sent twice at once. Contacts and reflections keep their id on
    their own rows instead."""

    __tablename__ = "sync_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
