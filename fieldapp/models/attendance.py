"""Students' attendance, month by month, as the school's information system counts it: days
enrolled and days absent (halves allowed). Imported from a CSV; the impact report aggregates it,
and only the student's own record shows it row by row."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.extensions import db
from fieldapp.models.base import UTCDateTime, utcnow
from fieldapp.models.families import Student
from fieldapp.models.people import School


class AttendanceMonth(db.Model):
    __tablename__ = "attendance_months"
    __table_args__ = (
        # One row per student, school and month: a re-import updates it in place. A student who
        # moved school mid-month has a row at each.
        UniqueConstraint("student_id", "school_id", "month"),
        # The impact report reads a school's months of one school year.
        Index("ix_attendance_months_school_month", "school_id", "month"),
        CheckConstraint("days_absent >= 0 AND days_absent <= days_enrolled", name="days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date)  # its first day
    days_enrolled: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    days_absent: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    student: Mapped[Student] = relationship()
    school: Mapped[School] = relationship()

    def __repr__(self) -> str:
        return f"<AttendanceMonth {self.student_id} {self.month:%Y-%m}>"
