"""The work behind the privacy pages and commands. Services take explicit arguments and only
flush; the caller commits once, so that an erasure or a purge happens whole or not at all."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask_babel.speaklater import LazyString
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.engine import URL, make_url

from fieldapp import audit, clock, tombstones
from fieldapp.extensions import db
from fieldapp.formatting import CONTACT_METHODS, LANGUAGES, MODES, OUTCOMES, VISIT_TYPES, zone
from fieldapp.i18n import gettext as _
from fieldapp.i18n import lazy_gettext as _l
from fieldapp.models import (
    AttendanceMonth,
    AuditEvent,
    ContactAttempt,
    Family,
    FollowUp,
    Guardian,
    PrivateNote,
    Reflection,
    ReflectionDraft,
    Setting,
    Student,
    User,
    Visit,
    VisitStatus,
)
from fieldapp.privacy import queries
from fieldapp.rules import OPEN_STATUSES, STATUS_LABELS, school_year, school_year_label

AUDIT_RETENTION_KEY = "audit_retention_days"
REFLECTION_RETENTION_KEY = "reflection_retention_years"
ATTENDANCE_RETENTION_KEY = "attendance_retention_years"

# The shared part of a reflection, as the form names it.
REFLECTION_FIELDS = {
    "hopes_and_dreams": _l("Hopes and dreams"),
    "strengths": _l("Strengths and knowledge"),
    "want_school_to_know": _l("What they want the school to know"),
    "best_way_to_reach": _l("Best way to reach them"),
    "academic_focus": _l("Academic focus"),
    "family_support": _l("How the family supports it"),
}
PRIVATE_NOTE_LABEL = _l("Private to the visit team (not shared with the school)")
PRIVATE_NOTE_WITHHELD = _l(
    "Withheld: the visit team's own note, read by the team alone. It is deleted with the "
    "family's data."
)


# ---- retention settings -----------------------------------------------------------------------


@dataclass(frozen=True)
class Retention:
    reflection_years: int | None  # None: kept for ever
    audit_days: int | None
    # Whole school years kept before the current one (by the day in the district's zone).
    attendance_years: int | None


def _int_setting(key: str) -> int | None:
    setting = db.session.get(Setting, key)
    return int(setting.value) if setting is not None and setting.value else None


def retention() -> Retention:
    return Retention(
        reflection_years=_int_setting(REFLECTION_RETENTION_KEY),
        audit_days=_int_setting(AUDIT_RETENTION_KEY),
        attendance_years=_int_setting(ATTENDANCE_RETENTION_KEY),
    )


def set_retention(
    *,
    reflection_years: int | None,
    audit_days: int | None,
    attendance_years: int | None = None,
    by: User | None,
) -> Retention:
    """The district's retention, each None for "kept for ever". Attendance not given is kept for
    ever too (the settings page always gives it)."""
    wanted = {
        REFLECTION_RETENTION_KEY: reflection_years,
        AUDIT_RETENTION_KEY: audit_days,
        ATTENDANCE_RETENTION_KEY: attendance_years,
    }
    for key, value in wanted.items():
        setting = db.session.get(Setting, key) or Setting(key=key)
        setting.value = str(value) if value else None
        db.session.add(setting)
    audit.record(
        "privacy.retention",
        actor=by,
        reflection_years=reflection_years,
        audit_days=audit_days,
        attendance_years=attendance_years,
    )
    db.session.flush()
    return retention()


def years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February, in a year that has none
        return moment.replace(year=moment.year - years, day=28)


def attendance_kept_from(today: date, years: int) -> date:
    """The first day of the oldest school year whose attendance is kept on ``today``: the
    current school year, and ``years`` whole school years before it."""
    first, _ = school_year(today)
    return first.replace(year=first.year - years)


# ---- purge ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeReport:
    reflections_before: datetime | None  # None: reflections are kept for ever
    reflections: int
    private_notes: int
    attendance_before: date | None  # the first day of the oldest school year kept; None: all
    attendance_months: int
    audit_before: datetime | None
    audit_events: int
    api_tombstones_before: datetime  # the API lists a deletion tombstones.KEEP_DAYS days
    api_tombstones: int
    dry_run: bool


def purge(*, now: datetime, dry_run: bool = False) -> PurgeReport:
    """Delete what is older than the district keeps: reflections (with their private notes) by
    the day they were submitted, students' attendance by the school year of its month (the
    current school year by the district's clock, ``DEFAULT_TIMEZONE``), and audit events; and
    the API's record of deletions older than a client may lag. The cards that held a purged
    reflection change (the API sends them again, without it). ``dry_run`` only counts."""
    keep = retention()
    reflections_before = years_before(now, keep.reflection_years) if keep.reflection_years else None
    audit_before = now - timedelta(days=keep.audit_days) if keep.audit_days else None
    attendance_before = (
        attendance_kept_from(clock.local_date(now, zone()), keep.attendance_years)
        if keep.attendance_years
        else None
    )
    counts = {"reflections": 0, "private_notes": 0, "attendance_months": 0, "audit_events": 0}
    if reflections_before is not None:
        old = select(Reflection.id).where(Reflection.submitted_at < reflections_before)
        if not dry_run:  # the cards that showed these reflections are sent again, without them
            tombstones.cards_changed(
                select(Reflection.visit_id).where(Reflection.submitted_at < reflections_before),
                at=now,
            )
        targets = {
            "private_notes": (PrivateNote, PrivateNote.reflection_id.in_(old)),
            "reflections": (Reflection, Reflection.submitted_at < reflections_before),
        }
        for name, (model, where) in targets.items():
            counts[name] = _remove(model, where, dry_run)
    if attendance_before is not None:
        counts["attendance_months"] = _remove(
            AttendanceMonth, AttendanceMonth.month < attendance_before, dry_run
        )
    if audit_before is not None:
        counts["audit_events"] = _remove(AuditEvent, AuditEvent.at < audit_before, dry_run)
    tombstones_before, counts["api_tombstones"] = tombstones.prune(now=now, dry_run=dry_run)
    if not dry_run:
        audit.record("privacy.purge", **counts)
        db.session.flush()
    return PurgeReport(
        reflections_before=reflections_before,
        attendance_before=attendance_before,
        audit_before=audit_before,
        api_tombstones_before=tombstones_before,
        dry_run=dry_run,
        **counts,
    )


def _count(model: type, where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(where)) or 0


def _remove(model: type, where, dry_run: bool) -> int:
    if dry_run:
        return _count(model, where)
    result = db.session.execute(
        delete(model).where(where).execution_options(synchronize_session=False)
    )
    return result.rowcount


# ---- a family's record ------------------------------------------------------------------------


def family_record(family: Family, *, now: datetime) -> dict[str, Any]:
    """Everything the app holds about one family, readable: what the family has a right to see
    (the teams' private notes without their words, ``_private_note_entry``). The page and the
    JSON export are both this, so they cannot disagree."""
    students: dict[int, Student] = {}
    attendance: dict[int, list[AttendanceMonth]] = {}
    for student, month in db.session.execute(queries.family_students(family.id)):
        students.setdefault(student.id, student)
        if month is not None:
            attendance.setdefault(student.id, []).append(month)
    visits = db.session.scalars(queries.family_visits(family.id)).all()
    visit_ids = [v.id for v in visits]
    drafts: dict[int, list] = {}
    for draft, writer in db.session.execute(queries.drafts_for(visit_ids)) if visit_ids else []:
        drafts.setdefault(draft.visit_id, []).append(
            {
                "written_by": writer.name,
                "saved_at": draft.updated_at,
                "fields": _draft_fields(draft.data or {}),
            }
        )
    return {
        "about": _(
            "Everything fieldapp holds about this family, except the words of the visit "
            "teams' private notes: those are the team's own, listed here without their text, "
            "and deleted with the family's data. Nothing marked private was shared with the "
            "school."
        ),
        "generated_at": now,
        "family": {
            "id": family.id,
            "name": family.name,
            "address": family.address or None,
            "home_language": LANGUAGES.get(family.home_language, family.home_language)
            if family.home_language
            else _("Not known"),
            "interpreter_needed": family.interpreter_needed,
            "preferred_contact_method": CONTACT_METHODS.get(family.preferred_contact_method),
            "preferred_contact_times": family.preferred_contact_times,
            "do_not_contact": family.do_not_contact,
            "do_not_contact_since": family.do_not_contact_at,
            "do_not_contact_reason": family.do_not_contact_reason,
            "created_at": family.created_at,
            "updated_at": family.updated_at,
        },
        "guardians": [
            {
                "name": g.name,
                "relationship": g.relationship_to_student,
                "phone": g.phone,
                "email": g.email,
                "language": LANGUAGES.get(g.language or "", g.language),
            }
            for g in family.guardians
        ],
        "students": [
            {
                "id": s.id,
                "name": s.full_name,
                "grade": s.grade,
                "school": s.school.name,
                "classes": [c.name for c in s.classes],
                "school_student_id": s.sis_id,
                "enrolled": s.active,
                "attendance": [_attendance_entry(m) for m in attendance.get(s.id, [])],
            }
            for s in students.values()
        ],
        "visits": [_visit_record(v, drafts.get(v.id, [])) for v in visits],
        "follow_ups": [
            {
                "description": f.description,
                "owner": f.owner.name if f.owner else None,
                "due_on": f.due_on,
                "done_at": f.done_at,
                "visit_id": f.visit_id,
            }
            for f in db.session.scalars(queries.family_follow_ups(family.id))
        ],
        "record_access": [
            {
                "at": event.at,
                "action": event.action,
                "by": actor.name if actor else None,
                "succeeded": event.success,
            }
            for event, actor in db.session.execute(queries.record_access(family.id, visit_ids))
        ],
    }


def _attendance_entry(month: AttendanceMonth) -> dict[str, Any]:
    """A month of a student's attendance, as the school's system counted it."""
    return {
        "school_year": school_year_label(month.month),
        "month": month.month,
        "school": month.school.name,
        "days_enrolled": month.days_enrolled,
        "days_absent": month.days_absent,
    }


def _visit_record(visit: Visit, drafts: list) -> dict[str, Any]:
    return {
        "id": visit.id,
        "type": VISIT_TYPES[visit.visit_type],
        "status": STATUS_LABELS[visit.status],
        "status_reason": visit.status_reason,
        "school": visit.school.name,
        "time_zone": visit.school.timezone,
        "round": visit.round.name if visit.round else None,
        "students": [s.full_name for s in visit.students],
        "team": [{"name": m.user.name, "role": m.role.value} for m in visit.team],
        "mode": MODES.get(visit.mode),
        "place": visit.place,
        "family_agreed_at": visit.family_agreed_at,
        "scheduled_start": visit.scheduled_start,
        "completed_at": visit.completed_at,
        "contacts": [
            {
                "at": c.at,
                "by": c.by.name if c.by else None,
                "method": CONTACT_METHODS[c.method],
                "outcome": OUTCOMES[c.outcome],
                "note": c.note,
            }
            for c in visit.contacts
        ],
        "reflections": [
            {
                "submitted_at": r.submitted_at,
                "recorded_by": r.author.name if r.author else None,
                "duration_minutes": r.duration_minutes,
                "shared_with_school": {
                    str(label): getattr(r, name)
                    for name, label in REFLECTION_FIELDS.items()
                    if getattr(r, name)
                },
                "private_note_of_visit_team": _private_note_entry(r),
            }
            for r in visit.reflections
        ],
        "unsent_drafts": drafts,
    }


def _draft_fields(data: dict[str, Any]) -> dict[str, str]:
    """What a draft holds, by label; a private note in it is withheld like a saved one's."""
    fields = {
        str(REFLECTION_FIELDS.get(k, k)): v
        for k, v in data.items()
        if k != "private_note" and isinstance(v, str) and v.strip()
    }
    note = data.get("private_note")
    if isinstance(note, str) and note.strip():
        fields[str(PRIVATE_NOTE_LABEL)] = str(PRIVATE_NOTE_WITHHELD)
    return fields


def _private_note_entry(reflection: Reflection) -> dict[str, Any] | None:
    """The team's private note, in the family's record: that it exists, when and by whom —
    never its words.

    The decision (issue 17): a note the pair keeps only for themselves is their working
    memory, not part of the shared record of the student (domain.md: "private to them"; what
    the school and the family may read is the relationship card). The form promises the team
    that no one else reads it, the district's admin included. So the family-rights page and
    its JSON export say a note exists without its text, and erasing the family's data on its
    request deletes the note with its reflection (``_erased``), as the purge does too."""
    if reflection.private_note is None:
        return None
    return {
        "exists": True,
        "written_at": reflection.submitted_at,
        "written_by": reflection.author.name if reflection.author else None,
        "text": str(PRIVATE_NOTE_WITHHELD),
    }


def json_default(value: Any) -> Any:
    """For ``json.dumps`` of a family record: times as ISO 8601 (UTC), amounts as text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | LazyString):  # LazyString: a label, in the reader's language
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


# ---- erasure ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureCounts:
    """What an erasure deletes, and what it keeps without the family."""

    guardians: int
    contacts: int
    reflections: int
    private_notes: int
    drafts: int
    follow_ups: int
    attendance_months: int
    visits_kept: int
    visits_cancelled: int
    students_kept: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _erased(family_id: int) -> dict[str, tuple[type, Any]]:
    """What goes, as (model, condition), in an order the foreign keys accept."""
    visits = select(Visit.id).where(Visit.family_id == family_id)
    reflections = select(Reflection.id).where(Reflection.visit_id.in_(visits))
    students = select(Student.id).where(Student.family_id == family_id)
    return {
        "private_notes": (PrivateNote, PrivateNote.reflection_id.in_(reflections)),
        "reflections": (Reflection, Reflection.visit_id.in_(visits)),
        "contacts": (ContactAttempt, ContactAttempt.visit_id.in_(visits)),
        "drafts": (ReflectionDraft, ReflectionDraft.visit_id.in_(visits)),
        "follow_ups": (
            FollowUp,
            or_(FollowUp.family_id == family_id, FollowUp.visit_id.in_(visits)),
        ),
        "guardians": (Guardian, Guardian.family_id == family_id),
        # The students stay on the school's roster; their attendance month by month is part
        # of the record the family asked to erase.
        "attendance_months": (AttendanceMonth, AttendanceMonth.student_id.in_(students)),
    }


def _kept(family_id: int) -> dict[str, tuple[type, Any]]:
    return {
        "visits_kept": (Visit, Visit.family_id == family_id),
        "visits_cancelled": (
            Visit,
            (Visit.family_id == family_id) & Visit.status.in_(OPEN_STATUSES),
        ),
        "students_kept": (Student, Student.family_id == family_id),
    }


def erasure_preview(family: Family) -> ErasureCounts:
    targets = _erased(family.id) | _kept(family.id)
    return ErasureCounts(**{name: _count(m, where) for name, (m, where) in targets.items()})


def erase_family(family: Family, *, reason: str, by: User | None, now: datetime) -> ErasureCounts:
    """Erase a family on its request. Its contacts, reflections with their private notes,
    drafts, follow-ups, guardians, its students' attendance months and the family itself are
    deleted. Its visits stay, without
    the family, so that counts, coverage and hours stay true; the place and the status reason
    (which can hold an address or a personal detail) are cleared, and a visit still open is
    cancelled, since nobody can arrange it any more. Its students stay on the roster (they come
    from the school's system) without the family. The audit event holds the reason and the
    counts, nothing personal. The API hears of it: each deleted follow-up is listed once more,
    as deleted (a tombstone), and the family's visits and its students' cards are sent again."""
    family_id = family.id
    # On PostgreSQL the family's visits are locked until the commit: a change to one of them
    # made at this moment waits, then fails on the visit's version instead of undoing this.
    db.session.execute(select(Visit.id).where(Visit.family_id == family_id).with_for_update())
    erased = _erased(family_id)
    tombstones.follow_ups_deleted(erased["follow_ups"][1], at=now)
    tombstones.cards_changed(select(Visit.id).where(Visit.family_id == family_id), at=now)
    counts = {name: _remove(m, where, False) for name, (m, where) in erased.items()}
    counts["visits_cancelled"] = _update(
        update(Visit)
        .where(Visit.family_id == family_id, Visit.status.in_(OPEN_STATUSES))
        .values(status=VisitStatus.CANCELLED, updated_at=now)
    )
    counts["visits_kept"] = _update(
        update(Visit)
        .where(Visit.family_id == family_id)
        .values(
            family_id=None,
            place=None,
            status_reason=None,
            version=Visit.version + 1,
            updated_at=now,
        )
    )
    counts["students_kept"] = _update(
        update(Student).where(Student.family_id == family_id).values(family_id=None, updated_at=now)
    )
    result = ErasureCounts(**counts)
    audit.record("family.erase", actor=by, obj=family, reason=reason, **result.as_dict())
    db.session.flush()
    db.session.execute(
        delete(Family).where(Family.id == family_id).execution_options(synchronize_session=False)
    )
    # Objects loaded before (the family, its guardians, visits) no longer match the database.
    db.session.expire_all()
    return result


def _update(statement) -> int:
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount


# ---- backups (SQLite; PostgreSQL has pg_dump) -------------------------------------------------


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    revision: str
    tables: int
    size: int


PG_HINT = (
    "This database is PostgreSQL: back it up with pg_dump and restore it with pg_restore "
    '(see “Backups” in the README), e.g. pg_dump -Fc -f fieldapp.dump "$FIELDAPP_DATABASE_URL".'
)


def sqlite_path(url: str | URL) -> Path:
    """The file of a SQLite database URL; BackupError for another database."""
    url = make_url(url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            PG_HINT
            if url.get_backend_name() == "postgresql"
            else f"Backups here are for SQLite; this is {url.get_backend_name()}."
        )
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory database has no file to back up.")
    return Path(url.database)


def _open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)


def _describe(conn: sqlite3.Connection, path: Path) -> BackupInfo:
    try:
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.OperationalError as exc:
        raise BackupError(f"{path} is not a fieldapp database (no alembic_version).") from exc
    tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()
    return BackupInfo(
        path=path,
        revision=",".join(r[0] for r in rows) or "none",
        tables=tables[0],
        size=path.stat().st_size,
    )


def backup_database(url: str | URL, destination: Path, *, force: bool = False) -> BackupInfo:
    """A consistent copy of the live SQLite database, taken with SQLite's online backup API
    while the app keeps reading and writing (in WAL mode writers are not blocked; the copy is
    the database as of one moment). The copy is one self-contained file, readable by its owner
    only: it holds children's records."""
    source = sqlite_path(url)
    destination = Path(destination)
    if not source.is_file():
        raise BackupError(f"There is no database at {source}.")
    if destination.exists() and destination.resolve() == source.resolve():
        raise BackupError("The backup cannot replace the database it copies.")
    if destination.exists() and not force:
        raise BackupError(f"{destination} already exists; give --force to replace it.")
    if not destination.parent.is_dir():
        raise BackupError(f"There is no folder {destination.parent}.")
    # Written beside the destination, then renamed: a failed backup never leaves half a file.
    partial = destination.with_name(f".{destination.name}.{os.getpid()}.partial")
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        with (
            contextlib.closing(sqlite3.connect(source, timeout=30)) as src,
            contextlib.closing(sqlite3.connect(partial)) as out,
        ):
            src.backup(out)
            out.execute("PRAGMA journal_mode=DELETE")  # no -wal file to carry along
            if out.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("The copy failed its integrity check; nothing was written.")
        os.replace(partial, destination)
    except sqlite3.Error as exc:
        raise BackupError(f"The backup failed: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    with contextlib.closing(_open_read_only(destination)) as conn:
        return _describe(conn, destination)


def check_backup(path: Path, *, expected_revision: str) -> BackupInfo:
    """A file fit to restore: a SQLite database that passes its integrity check, made by this
    version of the schema."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"There is no file {path}.")
    try:
        with contextlib.closing(_open_read_only(path)) as conn:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError(f"{path} fails its integrity check: {'; '.join(problems[:5])}")
            info = _describe(conn, path)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database ({exc}).") from exc
    if info.revision != expected_revision:
        raise BackupError(
            f"{path} has schema revision {info.revision}, this version of fieldapp expects "
            f"{expected_revision}. Restore it with the version that made it, or upgrade a copy "
            "first (FIELDAPP_DATABASE_URL=sqlite:////path/to/copy.db flask db upgrade)."
        )
    return info


def restore_database(backup: Path, url: str | URL, *, expected_revision: str) -> BackupInfo:
    """Replace the live SQLite database's content with a checked backup, with the backup API:
    other connections (a running app) see the restored data on their next transaction."""
    info = check_backup(backup, expected_revision=expected_revision)
    target = sqlite_path(url)
    if target.exists() and target.resolve() == Path(backup).resolve():
        raise BackupError("That backup is the live database itself.")
    try:
        with (
            contextlib.closing(_open_read_only(Path(backup))) as src,
            contextlib.closing(sqlite3.connect(target, timeout=30)) as live,
        ):
            src.backup(live)
    except sqlite3.Error as exc:
        raise BackupError(f"The restore failed: {exc}") from exc
    return info
