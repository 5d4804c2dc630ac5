"""Roster import pages: upload (dry run by default), progress and plan, apply, the template."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, current_app, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectChoice

from fieldapp import policy, tasks
from fieldapp.attendance import imports as attendance
from fieldapp.extensions import db
from fieldapp.fields import csv_response
from fieldapp.i18n import gettext as _
from fieldapp.i18n import lazy_gettext as _l
from fieldapp.models import ImportStatus, RosterImport, School
from fieldapp.rendering import redirect_after_post, render
from fieldapp.roster import queries, services
from fieldapp.roster.forms import UploadForm
from fieldapp.roster.parse import TEMPLATE_NAME, template_csv
from fieldapp.roster.plan import ACTIONS, KIND_LABELS

bp = Blueprint("roster", __name__)
STATUS_LABELS = {
    ImportStatus.QUEUED: _l("Waiting"),
    ImportStatus.RUNNING: _l("Running"),
    ImportStatus.PLANNED: _l("Dry run: ready to apply"),
    ImportStatus.APPLIED: _l("Applied"),
    ImportStatus.FAILED: _l("Problems: nothing changed"),
}
ACTION_LABELS = {
    "created": _l("New"),
    "updated": _l("Updated"),
    "deactivated": _l("Made inactive"),
}


def _limit_upload_size() -> None:
    if request.blueprint == bp.name:
        request.max_content_length = current_app.config.get(
            "ROSTER_MAX_UPLOAD", services.MAX_UPLOAD
        )


@bp.record_once
def _limit_before_anything_reads_the_form(state) -> None:
    # First of the app's hooks: CSRFProtect's reads the form, and so the whole upload.
    state.app.before_request_funcs.setdefault(None, []).insert(0, _limit_upload_size)


def _form(school_ids: set[int] | None) -> UploadForm:
    form = UploadForm()
    schools = db.session.scalars(queries.schools(school_ids)).all()
    form.school_id.choices = [SelectChoice(0, _("Any school in the files (district)"))] * (
        school_ids is None
    ) + [SelectChoice(s.id, s.name) for s in schools]
    return form


def _index(form: UploadForm, school_ids: set[int] | None, status: int = 200) -> Response:
    return render(
        "roster/index.html",
        form=form,
        imports=db.session.scalars(queries.recent_imports(school_ids)).all(),
        max_mb=request.max_content_length // 1_048_576,
        status_labels=STATUS_LABELS,
        status=status,
    )


@bp.route("/", methods=["GET", "POST"])
@policy.requires(policy.import_roster)
def index():
    school_ids = policy.import_school_ids(current_user)
    try:
        form = _form(school_ids)
        submitted = form.validate_on_submit()
    except RequestEntityTooLarge:
        form = _form(school_ids)
        form.file.errors = [
            _("The file is larger than %(mb)s MB.", mb=request.max_content_length // 1_048_576)
        ]
        return _index(form, school_ids, status=413)
    if not submitted:
        return _index(form, school_ids, status=422 if form.is_submitted() else 200)
    school = db.session.get(School, form.school_id.data) if form.school_id.data else None
    upload = form.file.data
    try:
        job = services.queue_import(
            upload.filename or "upload",
            upload.read(),
            school=school,
            dry_run=form.dry_run.data,
            by=current_user,
        )
    except services.RosterImportError as exc:
        form.file.errors = [exc.message]
        return _index(form, school_ids, status=422)
    db.session.commit()
    tasks.roster_import(job.id)  # the consumer picks it up; tests run it here and now
    return redirect_after_post(url_for("roster.detail", job_id=job.id))


@bp.get("/<int:job_id>")
@policy.requires(policy.view_roster_import, job=RosterImport)
def detail(job: RosterImport):
    result = job.result or {}
    schools = []
    if result.get("unknown_language") and job.status == ImportStatus.APPLIED:
        ids = {job.school_id} if job.school_id else None
        schools = [
            s
            for s in db.session.scalars(queries.schools_with_unknown_language(ids))
            if policy.coordinate_school.allows(current_user, s)
        ]
    return render(
        "roster/detail.html",
        block="status",
        job=job,
        result=result,
        kinds=services.kind_labels(result.get("counts") or KIND_LABELS),
        actions=ACTIONS,
        action_labels=ACTION_LABELS,
        can_apply=job.status == ImportStatus.PLANNED and job.dry_run,
        unknown_language_schools=schools,
    )


@bp.post("/<int:job_id>/apply")
@policy.requires(policy.view_roster_import, job=RosterImport)
def apply(job: RosterImport):
    if job.status != ImportStatus.PLANNED or not job.dry_run:
        return render(
            "errors/error.html",
            status=409,
            code=409,
            title=_("Not ready to apply"),
            message=_("Only a finished dry run can be applied."),
        )
    services.requeue_to_apply(job, by=current_user)
    db.session.commit()
    tasks.roster_import(job.id)
    return redirect_after_post(url_for("roster.detail", job_id=job.id))


@bp.get("/template.csv")
@policy.requires(policy.import_roster)
def template():
    # Through the app's one CSV writer (its byte order mark keeps "Peña" whole in Excel, and the
    # import reads the mark): the template's rows as the roster import defines them.
    header, *rows = csv.reader(io.StringIO(template_csv()))
    return csv_response(header, rows, TEMPLATE_NAME)


@bp.get("/attendance-template.csv")
@policy.requires(policy.import_roster)
def attendance_template():
    header, rows = attendance.template_rows()
    return csv_response(header, rows, attendance.TEMPLATE_NAME)
