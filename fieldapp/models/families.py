"""Households, their guardians and students. A family can have students at several schools."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.extensions import db
from fieldapp.models.base import UTCDateTime, str_enum, utcnow
from fieldapp.models.people import School, SchoolClass


class ContactMethod(enum.Enum):
    CALL = "call"
    TEXT = "text"
    EMAIL = "email"
    IN_PERSON = "in_person"
    NOTE_HOME = "note_home"


class Family(db.Model):
    __tablename__ = "families"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The household's own name as people write it ("Nguyen", "Martínez García"), never the word
    # "family": that comes from the catalogue in the reader's language (i18n.family_label).
    name: Mapped[str] = mapped_column(String(200))
    address_line1: Mapped[str | None] = mapped_column(String(200))
    address_line2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    # ISO 639-1 code; None: unknown (a roster rarely says), so nobody is messaged in a guess
    home_language: Mapped[str | None] = mapped_column(String(10))
    interpreter_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    preferred_contact_method: Mapped[ContactMethod | None] = mapped_column(str_enum(ContactMethod))
    preferred_contact_times: Mapped[str | None] = mapped_column(String(200))
    # Rule 1: a family that asked not to be contacted gets no new visits, and that wish is kept.
    do_not_contact: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    do_not_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    do_not_contact_reason: Mapped[str | None] = mapped_column(String(500))
    placeholder: Mapped[bool] = mapped_column(Boolean, default=False)  # made by an import
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    guardians: Mapped[list[Guardian]] = relationship(
        back_populates="family", cascade="all, delete-orphan", order_by="Guardian.position"
    )
    students: Mapped[list[Student]] = relationship(back_populates="family")

    @property
    def address(self) -> str:
        parts = [self.address_line1, self.address_line2, self.city, self.postal_code]
        return ", ".join(p for p in parts if p)

    def __repr__(self) -> str:
        return f"<Family {self.id} {self.name}>"


class Guardian(db.Model):
    __tablename__ = "guardians"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(
        ForeignKey("families.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    relationship_to_student: Mapped[str | None] = mapped_column(String(50))  # "mother", "uncle"
    phone: Mapped[str | None] = mapped_column(String(32), index=True)  # E.164: searched by
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str | None] = mapped_column(String(10))
    sourced_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    family: Mapped[Family] = relationship(back_populates="guardians")


class Student(db.Model):
    __tablename__ = "students"
    # A school's active students by grade: coverage, rosters, scopes. (An index on `active`
    # alone misled SQLite into scanning every active student of the district per class.)
    __table_args__ = (
        Index("ix_students_school_active_grade", "school_id", "active", "grade"),
        Index("ix_students_school_updated", "school_id", "updated_at", "id"),  # the API's pulls
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    family_id: Mapped[int | None] = mapped_column(ForeignKey("families.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    grade: Mapped[str] = mapped_column(String(10), index=True)  # "K", "1" … "12"
    sis_id: Mapped[str | None] = mapped_column(String(64))  # the school system's student id
    sourced_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    school: Mapped[School] = relationship()
    family: Mapped[Family | None] = relationship(back_populates="students")
    classes: Mapped[list[SchoolClass]] = relationship(secondary="enrollments")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def __repr__(self) -> str:
        return f"<Student {self.id} {self.full_name}>"


class Enrollment(db.Model):
    """A student in a class; the class's teachers are the student's teachers of record."""

    __tablename__ = "enrollments"

    student_id: Mapped[int] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), primary_key=True
    )
    class_id: Mapped[int] = mapped_column(
        ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True, index=True
    )
