"""Times offered to a family: the team proposes a few, the family picks one from a link.

The link holds a random token; the database keeps only its sha256 (as for calendar feeds), so a
leaked database gives no working link."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.extensions import db
from fieldapp.models.base import UTCDateTime, str_enum, utcnow
from fieldapp.models.people import User
from fieldapp.models.visits import Visit


class OfferAnswer(enum.Enum):
    CHOSE = "chose"  # picked a time and a place: the visit is scheduled
    DECLINED = "declined"  # would rather not have a visit
    NEVER = "never"  # declined, and asked never to be contacted again
    CALL_ME = "call_me"  # asked to be called instead


class SlotOffer(db.Model):
    """One round of times offered for a visit, behind one link. A new offer revokes the last."""

    __tablename__ = "slot_offers"
    __table_args__ = (Index("ix_slot_offers_visit_created", "visit_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The kinds of place the team can do (VisitMode values), in the order offered.
    modes: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer: Mapped[OfferAnswer | None] = mapped_column(str_enum(OfferAnswer))
    note: Mapped[str | None] = mapped_column(String(1000))  # the family's own words

    visit: Mapped[Visit] = relationship()
    created_by: Mapped[User | None] = relationship()
    slots: Mapped[list[OfferedSlot]] = relationship(
        back_populates="offer", cascade="all, delete-orphan", order_by="OfferedSlot.start"
    )

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and self.answered_at is None and now < self.expires_at


class OfferedSlot(db.Model):
    __tablename__ = "offered_slots"
    __table_args__ = (UniqueConstraint("offer_id", "start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("slot_offers.id", ondelete="CASCADE"))
    start: Mapped[datetime] = mapped_column(UTCDateTime)

    offer: Mapped[SlotOffer] = relationship(back_populates="slots")


class ReminderSent(db.Model):
    """A day-before reminder sent for a visit at one time: the unique key makes a rerun of the
    reminder task a no-op (a visit moved to a new time gets a new reminder)."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("visit_id", "scheduled_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    scheduled_start: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
