"""The district admin's privacy pages: the audit trail, a family's record (to show, export or
erase on the family's request), and how long data is kept."""

from __future__ import annotations

import json
from collections.abc import Iterator

from flask import Blueprint, Response, flash, request, url_for
from flask_login import current_user

from fieldapp import audit, clock, policy
from fieldapp.extensions import db
from fieldapp.fields import csv_response
from fieldapp.formatting import zone
from fieldapp.i18n import gettext as _
from fieldapp.models import Family
from fieldapp.paging import CountedPage, page_number
from fieldapp.privacy import erasure, queries, record, retention
from fieldapp.privacy.forms import AuditFilterForm, EraseForm, FamilySearchForm, RetentionForm
from fieldapp.rendering import redirect_after_post, render

bp = Blueprint("privacy", __name__)

AUDIT_PER_PAGE = 50


@bp.get("/")
@policy.requires(policy.administer)
def home():
    return render("privacy/home.html", retention=retention.retention())


# ---- the audit trail (read only: nothing here edits or deletes an event) ---------------------


def _audit_filters() -> AuditFilterForm:
    filters = AuditFilterForm(request.args)
    filters.validate()
    return filters


@bp.get("/audit")
@policy.requires(policy.administer)
def audit_trail():
    filters = _audit_filters()
    page = db.paginate(
        queries.audit_events(**filters.criteria(zone())),
        page=page_number(),
        per_page=AUDIT_PER_PAGE,
        error_out=False,
    )
    actor_ids = {e.actor_id for e in page.items if e.actor_id is not None}
    actors = {u.id: u for u in db.session.scalars(queries.users_by_id(actor_ids))}
    return render(
        "privacy/audit.html",
        block="results",
        filters=filters,
        applied=filters.applied(),
        page=page,
        actors=actors,
    )


# Machine names (docs/csv.md); the time is ISO 8601 in UTC, success 1/0, detail JSON.
CSV_HEADER = ["at_utc", "action", "actor_email", "object_type", "object_id", "school_id"]
CSV_HEADER += ["success", "ip", "detail"]


def _audit_rows(query) -> Iterator[list]:
    for event, email in db.session.execute(query):
        yield [
            event.at.isoformat(),
            event.action,
            email,
            event.object_type,
            event.object_id,
            event.school_id,
            event.success,
            event.ip,
            json.dumps(event.detail or {}, sort_keys=True, ensure_ascii=False),
        ]


@bp.get("/audit.csv")
@policy.requires(policy.administer, fresh=True)
def audit_csv():
    filters = _audit_filters()
    audit.record("audit.export", actor=current_user, filters=filters.applied())
    db.session.commit()
    stamp = clock.now().strftime("%Y%m%d-%H%M")
    # Built whole, not streamed: a stream would hold a database cursor open past the request.
    rows = _audit_rows(queries.audit_export(**filters.criteria(zone())))
    return csv_response(CSV_HEADER, rows, f"audit-{stamp}.csv")


# ---- a family's record: see it, export it, erase it -------------------------------------------

SEARCH_MIN = 2


@bp.get("/families")
@policy.requires(policy.administer)
def families():
    form = FamilySearchForm(request.args)
    form.validate()
    term = form.q.data or ""
    page = (
        CountedPage(queries.find_families(term, form.phone()), queries.FAMILY_SEARCH_PER_PAGE)
        if len(term) >= SEARCH_MIN and not form.q.errors
        else None
    )
    return render("privacy/families.html", block="results", form=form, page=page, term=term)


@bp.get("/families/<int:family_id>")
@policy.requires(policy.administer, family=Family)
def family(family: Family):
    held = record.family_record(family, now=clock.now())
    # The whole record (the teams' private notes listed, never their words): a read of a
    # family record, on the trail.
    audit.record("family.view_record", actor=current_user, obj=family)
    db.session.commit()
    return render("privacy/family.html", record=held, family_id=held["family"]["id"])


@bp.get("/families/<int:family_id>/export.json")
@policy.requires(policy.administer, fresh=True, family=Family)
def family_export(family: Family):
    held = record.family_record(family, now=clock.now())
    audit.record("family.export", actor=current_user, obj=family)
    db.session.commit()
    body = json.dumps(held, default=record.json_default, ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="family-{held["family"]["id"]}.json"'
        },
    )


@bp.route("/families/<int:family_id>/erase", methods=["GET", "POST"])
@policy.requires(policy.administer, fresh=True, family=Family)
def erase(family: Family):
    form = EraseForm(family_name=family.name)
    status = 200
    if form.validate_on_submit():
        erasure.erase_family(family, reason=form.reason.data, by=current_user, now=clock.now())
        db.session.commit()
        flash(
            _("The family’s record is erased. Its visits stay in the counts, without the family."),
            "success",
        )
        return redirect_after_post(url_for("privacy.families"))
    if form.is_submitted():
        status = 422
    return render(
        "privacy/erase.html",
        family=family,
        form=form,
        counts=erasure.erasure_preview(family),
        status=status,
    )


# ---- retention --------------------------------------------------------------------------------


def _settings_page(form: RetentionForm, status: int = 200):
    return render("privacy/settings.html", form=form, status=status)


@bp.get("/settings")
@policy.requires(policy.administer)
def settings():
    keep = retention.retention()
    form = RetentionForm(
        formdata=None,
        reflection_retention_years=keep.reflection_years,
        attendance_retention_years=keep.attendance_years,
        audit_retention_days=keep.audit_days,
    )
    return _settings_page(form)


@bp.post("/settings")
@policy.requires(policy.administer, fresh=True)
def save_settings():
    # Shortening what is kept deletes data at the next purge: asks for the password again.
    form = RetentionForm()
    if not form.validate_on_submit():
        return _settings_page(form, status=422)
    retention.set_retention(
        reflection_years=form.reflection_retention_years.data,
        audit_days=form.audit_retention_days.data,
        attendance_years=form.attendance_retention_years.data,
        by=current_user,
    )
    db.session.commit()
    flash(_("Saved. It applies at the next purge (flask purge)."), "success")
    return redirect_after_post(url_for("privacy.settings"))
