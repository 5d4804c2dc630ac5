"""Training sessions, who attended, and who completed training (and until when)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.extensions import db
from fieldapp.models.base import UTCDateTime, str_enum, utcnow
from fieldapp.models.people import School, User


class TrainingKind(enum.Enum):
    FOUNDATIONAL = "foundational"
    REFRESHER = "refresher"


class TrainingSession(db.Model):
    __tablename__ = "training_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[TrainingKind] = mapped_column(str_enum(TrainingKind))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    schools: Mapped[list[School]] = relationship(secondary="training_session_schools")
    trainers: Mapped[list[User]] = relationship(secondary="training_session_trainers")


class TrainingSessionSchool(db.Model):
    __tablename__ = "training_session_schools"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), primary_key=True, index=True)


class TrainingSessionTrainer(db.Model):
    __tablename__ = "training_session_trainers"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)


class Attendance(db.Model):
    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class TrainingCompletion(db.Model):
    """A person completed training on a date, valid until ``valid_until`` (None: always)."""

    __tablename__ = "training_completions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("training_sessions.id"))
    kind: Mapped[TrainingKind] = mapped_column(str_enum(TrainingKind))
    completed_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    session: Mapped[TrainingSession | None] = relationship()


class Setting(db.Model):
    """District-wide settings (e.g. how many months a foundational training stays valid)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str | None] = mapped_column(String(1000))
