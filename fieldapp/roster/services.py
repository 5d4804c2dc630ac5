"""Roster imports: queue one, run it (parse → plan → apply), and the same for the command line.

A run commits its progress between stages (nothing of the roster is written yet), then writes
the whole plan and its result in one transaction: an import with errors changes nothing."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app

from fieldapp import audit, clock
from fieldapp.attendance import imports as attendance
from fieldapp.extensions import db
from fieldapp.i18n import current_locale, in_language
from fieldapp.i18n import gettext as _
from fieldapp.models import ImportStatus, RosterImport, School, User
from fieldapp.roster.apply import apply_plan
from fieldapp.roster.parse import UploadError, parse, read_upload
from fieldapp.roster.plan import KIND_LABELS, Plan, make_plan

MAX_UPLOAD = 50 * 1024 * 1024
# The importer's language is kept on the import (in ``result`` until it has run) so that the
# task, which has no request, writes its progress, problems and refusals in that language: they
# are stored as text and shown later as they were written.
LOCALE_KEY = "locale"


class RosterImportError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def kind_labels(kinds) -> dict:
    """The labels of the kinds of row an import's result has (a roster's, or attendance)."""
    return {k: v for k, v in (KIND_LABELS | attendance.KIND_LABELS).items() if k in kinds}


def allowed_schools(school: School | None) -> set[int] | None:
    return None if school is None else {school.id}


def run(
    files: dict[str, str],
    *,
    school: School | None,
    dry_run: bool,
    by: User | None,
    progress: Callable[[int, str], None] | None = None,
) -> Plan:
    """Plan ``files`` and, unless ``dry_run`` or there are errors, apply the plan (flushed, not
    committed). ``school``: the one school the import may touch (None: any)."""
    progress = progress or (lambda pct, stage: None)
    if attendance.is_attendance(files):
        return _run_attendance(files, school=school, dry_run=dry_run, by=by, progress=progress)
    roster = parse(files, progress)
    plan = make_plan(roster, allowed_schools(school), progress)
    if plan.errors or dry_run:
        return plan
    progress(70, _("Applying the changes"))
    apply_plan(plan)
    audit.record(
        "roster.import",
        actor=by,
        school_id=school.id if school else None,
        format=plan.format,
        counts=plan.counts(),
        refused=len(plan.refused),
    )
    return plan


def _run_attendance(
    files: dict[str, str],
    *,
    school: School | None,
    dry_run: bool,
    by: User | None,
    progress: Callable[[int, str], None],
) -> Plan:
    plan = attendance.make_plan(files, allowed_schools(school), progress)
    if plan.errors or dry_run:
        return plan
    progress(70, _("Applying the changes"))
    attendance.apply(plan)
    audit.record(
        "attendance.import",
        actor=by,
        school_id=school.id if school else None,
        counts=plan.counts()[attendance.KIND],
        unchanged=plan.unchanged,
        refused=len(plan.refused),
    )
    return plan


def queue_import(
    filename: str, data: bytes, *, school: School | None, dry_run: bool, by: User
) -> RosterImport:
    """A new import, checked enough to refuse what is no roster at all (not queued then)."""
    if len(data) > MAX_UPLOAD:
        raise RosterImportError(_("The file is larger than %(mb)s MB.", mb=MAX_UPLOAD // 1_048_576))
    try:
        read_upload(filename, data)
    except UploadError as exc:
        raise RosterImportError(str(exc)) from exc
    job = RosterImport(
        filename=(filename or "upload")[-255:],
        upload=data,
        school_id=school.id if school else None,
        created_by_id=by.id,
        dry_run=dry_run,
        stage=_("Waiting to start"),
        result={LOCALE_KEY: current_locale()},
    )
    db.session.add(job)
    db.session.flush()
    audit.record(
        "roster.upload",
        actor=by,
        obj=job,
        school_id=job.school_id,
        filename=job.filename,
        dry_run=dry_run,
    )
    return job


def requeue_to_apply(job: RosterImport, by: User) -> None:
    audit.record("roster.apply", actor=by, obj=job, school_id=job.school_id)
    job.dry_run = False
    job.status = ImportStatus.QUEUED
    job.progress = 0
    job.stage = _("Waiting to start")
    job.result = {**(job.result or {}), LOCALE_KEY: current_locale()}  # the applier's language


def importer_locale(job: RosterImport) -> str | None:
    """The language the import's messages are written in: the one of the upload (or of the
    apply) request, else the importer's chosen language; None (English) from the command line."""
    chosen = (job.result or {}).get(LOCALE_KEY)
    if chosen:
        return chosen
    return job.created_by.locale if job.created_by else None


def execute(job: RosterImport) -> None:
    """Run a queued import (from the task queue), in the importer's language; commits its
    progress and its result."""
    with in_language(importer_locale(job)) as used:
        _execute(job, used)


def _execute(job: RosterImport, locale: str) -> None:
    started = clock.now()

    def progress(pct: int, stage: str) -> None:
        job.progress, job.stage = pct, stage
        db.session.commit()

    def failed(message: str) -> dict:
        return {
            "errors": [{"file": job.filename, "line": 0, "message": message}],
            "errors_total": 1,
        }

    job.status = ImportStatus.RUNNING
    progress(5, _("Reading the files"))
    try:
        files = read_upload(job.filename, job.upload or b"")
        plan = run(
            files, school=job.school, dry_run=job.dry_run, by=job.created_by, progress=progress
        )
    except UploadError as exc:
        db.session.rollback()
        status, result = ImportStatus.FAILED, failed(str(exc))
    except Exception:
        db.session.rollback()  # all or nothing: whatever was written goes
        current_app.logger.exception("roster import %s failed", job.id)
        status, result = (
            ImportStatus.FAILED,
            failed(_("The import stopped on an unexpected problem; nothing was changed.")),
        )
    else:
        result = plan.summary()
        if plan.errors:
            status = ImportStatus.FAILED
        elif job.dry_run:
            status = ImportStatus.PLANNED
        else:
            status = ImportStatus.APPLIED
            job.applied_at = clock.now()
    if status != ImportStatus.PLANNED:
        job.upload = None  # children's records: kept only while a dry run waits to be applied
    job.status = status
    seconds = round((clock.now() - started).total_seconds(), 1)
    job.result = {**result, "seconds": seconds, LOCALE_KEY: locale}
    job.progress, job.stage = 100, _("Finished")
    job.finished_at = clock.now()
    db.session.commit()
