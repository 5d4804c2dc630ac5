"""Roster imports: an uploaded OneRoster set (or the plain CSV template), its progress and
what it would change or changed."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from fieldapp.extensions import db
from fieldapp.models.base import UTCDateTime, str_enum, utcnow
from fieldapp.models.people import School, User


class ImportStatus(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    PLANNED = "planned"  # a dry run finished: nothing changed yet, it can be applied
    APPLIED = "applied"
    FAILED = "failed"  # errors in the files: nothing was changed

    @property
    def finished(self) -> bool:
        return self in (ImportStatus.PLANNED, ImportStatus.APPLIED, ImportStatus.FAILED)


class RosterImport(db.Model):
    __tablename__ = "roster_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The one school a coordinator (or `--school`) imports into; None: any school (admins).
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    # The uploaded bytes (a zip or one CSV), kept until the import is applied: the Huey consumer
    # may run on another machine than the web server, so the database carries them, not a disk.
    upload: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[ImportStatus] = mapped_column(
        str_enum(ImportStatus), default=ImportStatus.QUEUED
    )
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    stage: Mapped[str] = mapped_column(String(100), default="Waiting to start")
    # {"format", "counts": {kind: {created, updated, deactivated, refused}}, "items": …,
    #  "refused": […], "errors": [{"file", "line", "message"}]}
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship()
    school: Mapped[School | None] = relationship()

    def __repr__(self) -> str:
        return f"<RosterImport {self.id} {self.status.value}>"
