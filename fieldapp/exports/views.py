"""The relationship export: a page to choose the dates, and the CSV, streamed."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, request
from flask_login import current_user

from fieldapp import audit, clock, policy
from fieldapp.exports import services
from fieldapp.exports.forms import ExportForm
from fieldapp.extensions import db
from fieldapp.fields import csv_response
from fieldapp.models import School
from fieldapp.rendering import render

bp = Blueprint("exports", __name__)


def _form(school: School) -> ExportForm:
    form = ExportForm(request.args)
    if not request.args:  # first visit to the page: the last twelve months
        today = clock.today(ZoneInfo(school.timezone))
        form.start.data, form.end.data = today - timedelta(days=365), today
    return form


@bp.get("/schools/<int:school_id>/relationships")
@policy.requires(policy.export_relationships, school=School)
def relationships(school: School):
    form = _form(school)
    status = 200 if not request.args or form.validate() else 422
    return render("exports/relationships.html", school=school, form=form, status=status)


@bp.get("/schools/<int:school_id>/relationships.csv")
@policy.requires(policy.export_relationships, fresh=True, school=School)
def relationships_csv(school: School):
    form = ExportForm(request.args)
    if not form.validate():
        abort(400)
    start, end = form.start.data, form.end.data
    audit.record(
        "relationships.export",
        actor=current_user,
        obj=school,
        school_id=school.id,
        start=start.isoformat(),
        end=end.isoformat(),
    )
    db.session.commit()
    return csv_response(
        services.EXPORT_HEADER,
        services.export_rows(school, start, end),
        f"relationships-{school.code}-{start.isoformat()}-{end.isoformat()}.csv",
        stream=True,
    )
