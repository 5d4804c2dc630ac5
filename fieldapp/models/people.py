"""Schools, staff accounts and their roles, classes and teachers of record."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.extensions import db
from fieldapp.models.base import UTCDateTime, str_enum, utcnow


def first_name_of(name: str | None) -> str:
    """How a person is called on cards and in texts: the first word of their name."""
    return name.split()[0] if name else ""


class Role(enum.Enum):
    VISITOR = "visitor"  # school roles: held at one or more schools
    COORDINATOR = "coordinator"
    TRAINER = "trainer"  # district roles: no school
    ADMIN = "admin"

    @property
    def is_school_role(self) -> bool:
        return self in (Role.VISITOR, Role.COORDINATOR)


class HoursMode(enum.Enum):
    PER_VISIT = "per_visit"  # a fixed number of hours for each completed visit
    MINUTES = "minutes"  # the minutes the team recorded


class School(db.Model):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    sourced_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="America/Los_Angeles")
    hours_mode: Mapped[HoursMode] = mapped_column(str_enum(HoursMode), default=HoursMode.PER_VISIT)
    hours_per_visit: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("1.00"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<School {self.code}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"
    # The admin's people list, a page at a time in name order (a district has ~10,000 staff).
    __table_args__ = (Index("ix_users_name", "name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # None: the account cannot sign in until it is invited (e.g. teachers from a roster import).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    staff_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    sourced_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    # Languages the person speaks, as space-separated codes ("en es"): used to suggest teams.
    languages: Mapped[str] = mapped_column(String(100), default="en")
    locale: Mapped[str | None] = mapped_column(String(10))  # interface language; None: browser
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped to end every session of this user (password change, disabling the account).
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        # The session holds the version too: bumping it ends every session of this user.
        return f"{self.id}:{self.session_version}"

    @property
    def first_name(self) -> str:
        return first_name_of(self.name)

    @property
    def spoken_languages(self) -> set[str]:
        return set(self.languages.split())

    def has_role(self, role: Role, school_id: int | None = None) -> bool:
        return any(
            a.role == role and (school_id is None or a.school_id == school_id) for a in self.roles
        )

    def school_ids(self, role: Role) -> set[int]:
        return {a.school_id for a in self.roles if a.role == role and a.school_id is not None}

    @property
    def role_set(self) -> set[Role]:
        return {a.role for a in self.roles}

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class RoleAssignment(db.Model):
    """A role a person holds: visitor or coordinator at a school; trainer or admin district-wide."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "school_id"),
        Index("ix_role_assignments_school_role", "school_id", "role"),  # a school's staff
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))

    user: Mapped[User] = relationship(back_populates="roles")
    school: Mapped[School | None] = relationship(lazy="joined")


class SchoolClass(db.Model):
    """A class (section) at a school; its teachers are the students' teachers of record."""

    __tablename__ = "classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    grade: Mapped[str | None] = mapped_column(String(10))
    sourced_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    school: Mapped[School] = relationship()
    teachers: Mapped[list[User]] = relationship(secondary="class_teachers")


class ClassTeacher(db.Model):
    __tablename__ = "class_teachers"

    class_id: Mapped[int] = mapped_column(
        ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
