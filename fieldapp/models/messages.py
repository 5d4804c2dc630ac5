"""Texts sent to families (an invitation to a visit), as each school words them per language."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.extensions import db
from fieldapp.models.base import UTCDateTime, str_enum, utcnow
from fieldapp.models.people import School, User


class MessageKind(enum.Enum):
    """What a text is for. A new kind (a reminder, an offer of time slots) is a new member, a
    default text in ``fieldapp.messages.services`` and a migration of the column's CHECK."""

    INVITATION = "invitation"
    SLOT_OFFER = "slot_offer"  # the link to choose a time, sent from the visitor's phone
    REMINDER = "reminder"  # the day before the visit


class MessageTemplate(db.Model):
    """A school's own wording of one kind of text in one language (absent: the default)."""

    __tablename__ = "message_templates"
    __table_args__ = (
        UniqueConstraint("school_id", "kind", "language", name="uq_message_templates_text"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    kind: Mapped[MessageKind] = mapped_column(str_enum(MessageKind))
    language: Mapped[str] = mapped_column(String(10))  # ISO 639-1, as Family.home_language
    body: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    school: Mapped[School] = relationship()
    updated_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<MessageTemplate {self.school_id} {self.kind.value} {self.language}>"
