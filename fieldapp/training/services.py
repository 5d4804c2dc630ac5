"""Training: sessions, attendance, completions and how long they stay valid.

Whether someone is trained is decided by ``rules.training_status`` alone; this module records
the facts it reads (completions) and computes their end of validity from the district setting.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import format_decimal
from sqlalchemy import func, select

from fieldapp import audit, clock, rules, versions
from fieldapp.extensions import db
from fieldapp.formatting import format_when, zone
from fieldapp.i18n import gettext as _
from fieldapp.models import (
    Attendance,
    School,
    Setting,
    TrainingCompletion,
    TrainingKind,
    TrainingSession,
    User,
)
from fieldapp.training import queries
from fieldapp.training.queries import completions_of

VALID_MONTHS_KEY = "training_valid_months"
MAX_SHEET_ROWS = 2000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class TrainingError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# ---- the district's validity setting ----------------------------------------------------------


def valid_months() -> int | None:
    """How many months a completion stays valid; None: for ever."""
    value = db.session.get(Setting, VALID_MONTHS_KEY)
    return int(value.value) if value is not None and value.value else None


def set_valid_months(months: int | None, *, by: User) -> None:
    setting = db.session.get(Setting, VALID_MONTHS_KEY) or Setting(key=VALID_MONTHS_KEY)
    setting.value = str(months) if months else None
    db.session.add(setting)
    audit.record("training.validity", actor=by, months=months)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = [
        31,
        29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][month - 1]
    return date(year, month, min(day.day, last))


def valid_until(completed_on: date) -> date | None:
    months = valid_months()
    return add_months(completed_on, months) if months else None


# ---- sessions ---------------------------------------------------------------------------------


def session_zone(schools: Sequence[School]) -> ZoneInfo:
    """Whose clock a session keeps: its invited schools' zone when they share one (a session is
    held in one place, for the schools of one area), otherwise, or with no school, the
    district's. The trainer's times are read in it, and the day of completion is its day."""
    zones = {s.timezone for s in schools if s.timezone}
    return ZoneInfo(zones.pop()) if len(zones) == 1 else zone()


def has_started(session: TrainingSession, now: datetime) -> bool:
    return now >= session.starts_at


def create_session(
    *,
    title: str,
    kind: TrainingKind,
    starts_at: datetime,
    ends_at: datetime,
    place: str | None,
    schools: Sequence[School],
    trainers: Sequence[User],
    by: User,
) -> TrainingSession:
    if ends_at <= starts_at:
        raise TrainingError(_("The session must end after it starts."), field="end_time")
    session = TrainingSession(
        title=title,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        schools=list(schools),
        trainers=list(trainers),
        created_by_id=by.id,
    )
    db.session.add(session)
    db.session.flush()
    audit.record("training.session_create", actor=by, obj=session)
    return session


def set_present(session: TrainingSession, person: User, present: bool, *, by: User) -> None:
    """Mark a person present at a session (or take the mark back)."""
    existing = db.session.scalar(
        select(Attendance).where(
            Attendance.session_id == session.id, Attendance.user_id == person.id
        )
    )
    if present and existing is None:
        db.session.add(
            Attendance(
                session_id=session.id, user_id=person.id, marked_by_id=by.id, marked_at=clock.now()
            )
        )
    elif not present and existing is not None:
        if _completion_of(session, person) is not None:
            raise TrainingError(
                _(
                    "%(name)s has completed this session; take the completion back first.",
                    name=person.name,
                )
            )
        db.session.delete(existing)
    db.session.flush()


def _completion_of(session: TrainingSession, person: User) -> TrainingCompletion | None:
    return db.session.scalar(
        select(TrainingCompletion).where(
            TrainingCompletion.session_id == session.id, TrainingCompletion.user_id == person.id
        )
    )


def complete(
    session: TrainingSession, people: Sequence[User], *, by: User, now: datetime | None = None
) -> int:
    """Record completion for people who attended the whole session, from its start on (a
    completion recorded ahead would certify someone for a training they have not had). Returns
    how many are new. The day completed is the session's day in its own zone."""
    tz = session_zone(session.schools)
    if not has_started(session, now or clock.now()):
        raise TrainingError(
            _(
                "This session has not started yet: completion can be recorded from %(when)s.",
                when=format_when(session.starts_at, tz.key),
            )
        )
    present = set(
        db.session.scalars(select(Attendance.user_id).where(Attendance.session_id == session.id))
    )
    absent = [p.name for p in people if p.id not in present]
    if absent:
        raise TrainingError(
            _(
                "Only people marked present can complete the session: %(names)s.",
                names=", ".join(absent),
            )
        )
    completed_on = clock.local_date(session.starts_at, tz)
    made = 0
    for person in people:
        if _completion_of(session, person) is not None:
            continue
        db.session.add(
            TrainingCompletion(
                user_id=person.id,
                session_id=session.id,
                kind=session.kind,
                completed_on=completed_on,
                valid_until=valid_until(completed_on),
                recorded_by_id=by.id,
            )
        )
        made += 1
    db.session.flush()
    audit.record("training.complete", actor=by, obj=session, people=[p.id for p in people])
    return made


def revoke_completion(session: TrainingSession, person: User, *, reason: str, by: User) -> None:
    """Take a completion back (a mis-tap, or someone who left early): the record goes, the
    audit trail keeps who took it back, when and why."""
    completion = _completion_of(session, person)
    if completion is None:
        raise TrainingError(_("%(name)s has no completion for this session.", name=person.name))
    reason = reason.strip()
    if not reason:
        raise TrainingError(_("Say why the completion is taken back."), field="reason")
    audit.record(
        "training.revoke",
        actor=by,
        obj=session,
        person=person.id,
        completed_on=completion.completed_on.isoformat(),
        reason=reason,
    )
    db.session.delete(completion)
    db.session.flush()


# ---- attendance from a CSV sign-in sheet ------------------------------------------------------


@dataclass
class ImportLine:
    number: int
    value: str
    person: User | None = None
    error: str | None = None
    notice: str | None = None


@dataclass
class AttendanceImport:
    lines: list[ImportLine] = field(default_factory=list)
    applied: bool = False

    @property
    def errors(self) -> list[ImportLine]:
        return [line for line in self.lines if line.error]

    @property
    def good(self) -> list[ImportLine]:
        return [line for line in self.lines if line.person and not line.error and not line.notice]


def parse_sign_in_sheet(data: bytes) -> list[tuple[int, str]]:
    """(line number, email or staff id) for each row; a header row naming the column is skipped."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TrainingError(
            _("The file is not UTF-8 text. Save it as CSV (UTF-8) and try again."), field="file"
        ) from exc
    rows = []
    reader = csv.reader(io.StringIO(text))
    try:
        for row in reader:
            number = reader.line_num
            cells = [c.strip() for c in row if c.strip()]
            if not cells:
                continue
            if number == 1 and cells[0].lower().replace(" ", "_") in ("email", "staff_id", "id"):
                continue
            rows.append((number, cells[0][:254]))
            if len(rows) > MAX_SHEET_ROWS:
                raise TrainingError(
                    _(
                        "The file has more than %(num)s rows: a sign-in sheet is one session's "
                        "people.",
                        num=format_decimal(MAX_SHEET_ROWS),
                    ),
                    field="file",
                )
    except csv.Error as exc:
        raise TrainingError(
            _(
                "The file is not a readable CSV (line %(line)d): %(error)s.",
                line=reader.line_num,
                error=exc,
            ),
            field="file",
        ) from exc
    if not rows:
        raise TrainingError(_("The file has no rows to import."), field="file")
    return rows


def import_attendance(
    session: TrainingSession, data: bytes, *, all_or_nothing: bool, by: User
) -> AttendanceImport:
    """Mark present everyone the sheet names. Each line gets a verdict; with ``all_or_nothing``
    one bad line applies nothing, otherwise the good lines are applied and the rest reported."""
    result = AttendanceImport()
    rows = parse_sign_in_sheet(data)
    keys = [v.lower() for _, v in rows]
    users = db.session.scalars(
        select(User).where(
            func.lower(User.email).in_(keys) | User.staff_id.in_([v for _, v in rows])
        )
    ).all()
    by_key = {u.email.lower(): u for u in users} | {u.staff_id: u for u in users if u.staff_id}
    seen: dict[int, int] = {}
    for number, value in rows:
        line = ImportLine(number, value)
        result.lines.append(line)
        if "@" in value and not EMAIL.match(value):
            line.error = _("This is not a valid email address.")
            continue
        person = by_key.get(value.lower()) or by_key.get(value)
        if person is None:
            line.error = _("No staff account has this email or staff id.")
        elif not person.active:
            line.error = _("%(name)s’s account is disabled.", name=person.name)
        elif person.id in seen:
            line.person = person
            line.notice = _("Same person as line %(line)d; counted once.", line=seen[person.id])
        else:
            line.person = person
            seen[person.id] = number
    if all_or_nothing and result.errors:
        return result
    for line in result.good:
        set_present(session, line.person, True, by=by)
    result.applied = True
    audit.record(
        "training.import",
        actor=by,
        obj=session,
        marked=len(result.good),
        refused=len(result.errors),
    )
    return result


# ---- who is trained ---------------------------------------------------------------------------


def statuses(users: Sequence[User], on: date) -> dict[int, tuple]:
    """Each person's (TrainingStatus, end of validity or None) on a date, in one query."""
    by_user = rules.completions_by_user(db.session.scalars(completions_of(u.id for u in users)))
    result = {}
    for user in users:
        mine = by_user.get(user.id, [])
        until = rules.training_valid_until(mine, on)
        result[user.id] = (
            rules.training_status(mine, on),
            None if until in (None, date.max) else until,
        )
    return result


def status_counts_by_school(
    school_ids: tuple[int, ...] | None, on: date
) -> tuple[tuple[int, str, int], ...]:
    """(school id, status value, people) for the active staff of the schools (None: every
    school): the trained-staff roster's counts and the training report's. Kept until training
    data changes (``fieldapp.versions``): deciding a district's 10,000 statuses is a 22 ms
    statement."""
    return versions.kept(
        versions.TRAINING,
        ("status_counts_by_school", school_ids, on),
        lambda: tuple(
            (school_id, status, people)
            for school_id, status, people in db.session.execute(
                queries.status_counts_by_school(school_ids, on)
            )
        ),
    )
