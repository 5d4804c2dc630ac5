"""Rounds, visits and what happens around them: contacts, reflections, follow-ups, hours."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.extensions import db
from fieldapp.models.base import UTCDateTime, str_enum, utcnow
from fieldapp.models.families import ContactMethod, Family, Student
from fieldapp.models.people import School, User


class VisitType(enum.Enum):
    FIRST = "first"  # hopes and dreams, summer/fall
    SECOND = "second"  # academics, winter/spring
    FOLLOW_UP = "follow_up"


class VisitStatus(enum.Enum):
    TO_ARRANGE = "to_arrange"
    CONTACTING = "contacting"
    SCHEDULED = "scheduled"
    RESCHEDULING = "rescheduling"
    COMPLETED = "completed"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class VisitMode(enum.Enum):
    HOME = "home"
    NEUTRAL = "neutral"  # a place the family prefers: library, park, café — not the school
    VIDEO = "video"


class TeamRole(enum.Enum):
    VISITOR = "visitor"
    INTERPRETER = "interpreter"


class ContactOutcome(enum.Enum):
    NO_ANSWER = "no_answer"
    LEFT_MESSAGE = "left_message"
    AGREED = "agreed"
    DECLINED = "declined"
    DO_NOT_CONTACT = "do_not_contact"  # asked not to be contacted again
    CALL_ME = "call_me"  # asked to be called (from the link to choose a time)


class RoundScope(enum.Enum):
    SCHOOL = "school"
    GRADES = "grades"
    CLASSES = "classes"
    STUDENTS = "students"


class Round(db.Model):
    """A planned set of visits for one school and period."""

    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    visit_type: Mapped[VisitType] = mapped_column(str_enum(VisitType))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    scope: Mapped[RoundScope] = mapped_column(str_enum(RoundScope), default=RoundScope.SCHOOL)
    # The grades, class ids or student ids the scope names (empty for the whole school).
    scope_values: Mapped[list] = mapped_column(JSON, default=list)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped[School] = relationship()

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Visit(db.Model):
    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_round_status", "round_id", "status"),  # boards, coverage
        Index("ix_visits_school_status_start", "school_id", "status", "scheduled_start"),
        Index("ix_visits_school_updated", "school_id", "updated_at", "id"),  # the API's pulls
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"))
    family_id: Mapped[int | None] = mapped_column(ForeignKey("families.id"), index=True)
    visit_type: Mapped[VisitType] = mapped_column(str_enum(VisitType))
    status: Mapped[VisitStatus] = mapped_column(
        str_enum(VisitStatus), default=VisitStatus.TO_ARRANGE, index=True
    )
    mode: Mapped[VisitMode | None] = mapped_column(str_enum(VisitMode))
    place: Mapped[str | None] = mapped_column(String(300))  # address or video link
    family_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scheduled_start: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    planned_minutes: Mapped[int] = mapped_column(Integer, default=40)
    status_reason: Mapped[str | None] = mapped_column(String(500))  # why cancelled or declined
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Optimistic locking: a change made from a stale page fails instead of overwriting.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    school: Mapped[School] = relationship()
    # Joined: every page that shows a visit names its family and round (one query, not three).
    round: Mapped[Round | None] = relationship(lazy="joined")
    family: Mapped[Family | None] = relationship(lazy="joined")
    students: Mapped[list[Student]] = relationship(secondary="visit_students")
    team: Mapped[list[TeamMember]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="TeamMember.id"
    )
    contacts: Mapped[list[ContactAttempt]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="ContactAttempt.at"
    )
    reflections: Mapped[list[Reflection]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="Reflection.submitted_at"
    )

    @property
    def members(self) -> list[User]:
        return [m.user for m in self.team]

    def __repr__(self) -> str:
        return f"<Visit {self.id} {self.status.value}>"


class VisitStudent(db.Model):
    """The students a visit covers: siblings are visited together, and each counts as visited."""

    __tablename__ = "visit_students"

    visit_id: Mapped[int] = mapped_column(
        ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True
    )
    student_id: Mapped[int] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class TeamMember(db.Model):
    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("visit_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[TeamRole] = mapped_column(str_enum(TeamRole), default=TeamRole.VISITOR)

    visit: Mapped[Visit] = relationship(back_populates="team")
    user: Mapped[User] = relationship(lazy="joined")  # a team is shown with its people


class ContactAttempt(db.Model):
    __tablename__ = "contact_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    method: Mapped[ContactMethod] = mapped_column(str_enum(ContactMethod))
    outcome: Mapped[ContactOutcome] = mapped_column(str_enum(ContactOutcome))
    note: Mapped[str | None] = mapped_column(String(1000))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The id a phone gave the item when it was written offline: sending it twice stores it once.
    client_id: Mapped[str | None] = mapped_column(String(36), unique=True)

    visit: Mapped[Visit] = relationship(back_populates="contacts")
    by: Mapped[User | None] = relationship()


class Reflection(db.Model):
    """What the team learned, recorded once for the team. Only the shared part is in here:
    the team's private note lives in its own table so that nothing that reads reflections
    (cards, exports, the API) can pick it up by accident.

    Two team members writing offline may each send one: both are kept as versions of the
    visit's reflection until the team merges them into a new one, which supersedes both."""

    __tablename__ = "reflections"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    # First visit
    hopes_and_dreams: Mapped[str | None] = mapped_column(Text)
    strengths: Mapped[str | None] = mapped_column(Text)
    want_school_to_know: Mapped[str | None] = mapped_column(Text)
    best_way_to_reach: Mapped[str | None] = mapped_column(Text)
    # Second visit
    academic_focus: Mapped[str | None] = mapped_column(Text)
    family_support: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    client_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    # For the school's incremental pulls (the API): set again when the version is superseded.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Set when the team merged this version with another into the reflection it points to.
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("reflections.id", ondelete="SET NULL")
    )

    visit: Mapped[Visit] = relationship(back_populates="reflections")
    author: Mapped[User | None] = relationship()
    private_note: Mapped[PrivateNote | None] = relationship(
        back_populates="reflection", cascade="all, delete-orphan", uselist=False
    )


class PrivateNote(db.Model):
    """The team's own note from a reflection: seen by the team alone, never shared or exported."""

    __tablename__ = "private_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    reflection_id: Mapped[int] = mapped_column(
        ForeignKey("reflections.id", ondelete="CASCADE"), unique=True
    )
    text: Mapped[str] = mapped_column(Text)

    reflection: Mapped[Reflection] = relationship(back_populates="private_note")


class ReflectionDraft(db.Model):
    """A reflection being written, saved as the visitor types so nothing is lost."""

    __tablename__ = "reflection_drafts"
    __table_args__ = (UniqueConstraint("visit_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class FollowUp(db.Model):
    """A commitment made at a visit, with an owner and a due date."""

    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_updated", "updated_at", "id"),)  # the API's pulls

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(
        ForeignKey("families.id", ondelete="CASCADE"), index=True
    )
    visit_id: Mapped[int | None] = mapped_column(
        ForeignKey("visits.id", ondelete="SET NULL"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    description: Mapped[str] = mapped_column(String(500))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    family: Mapped[Family] = relationship()
    visit: Mapped[Visit | None] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])

    @property
    def is_open(self) -> bool:
        return self.done_at is None


class HoursEntry(db.Model):
    """Hours a team member earned for a completed visit (rule 2: visits are paid)."""

    __tablename__ = "hours_entries"
    __table_args__ = (
        UniqueConstraint("visit_id", "user_id"),
        Index("ix_hours_entries_school_earned", "school_id", "earned_on"),  # a school's month
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    role: Mapped[TeamRole] = mapped_column(str_enum(TeamRole))
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    earned_on: Mapped[date] = mapped_column(Date, index=True)
    export_id: Mapped[int | None] = mapped_column(ForeignKey("hours_exports.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    visit: Mapped[Visit] = relationship()


class HoursExport(db.Model):
    """A pay period a coordinator marked as exported, so that nothing is paid twice."""

    __tablename__ = "hours_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    exported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    exported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
