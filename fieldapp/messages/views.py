from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user

from fieldapp import policy
from fieldapp.extensions import db
from fieldapp.i18n import gettext as _
from fieldapp.messages import services
from fieldapp.messages.forms import MessageTextForm
from fieldapp.models import MessageKind, School, Visit
from fieldapp.rendering import redirect_after_post, render

bp = Blueprint("messages", __name__)


@bp.get("/visits/<int:visit_id>/invitation")
@policy.requires(policy.view_visit, visit=Visit)
def invitation(visit: Visit):
    """The invitation, or (``?kind=reminder``) the day-before reminder, ready to send."""
    kind = (
        MessageKind.REMINDER if request.args.get("kind") == "reminder" else MessageKind.INVITATION
    )
    wanted = request.args.get("language")
    if wanted is not None and wanted not in services.languages_with_text(visit.school_id, kind):
        wanted = None
    result = services.invitation(visit, current_user, wanted, audit_as=current_user, kind=kind)
    db.session.commit()
    return render(
        "messages/invitation.html",
        visit=visit,
        invitation=result,
        kind=kind,
        may_set_language=visit.family is not None
        and policy.coordinate_family.allows(current_user, visit.family),
    )


@bp.get("/schools/<int:school_id>/messages")
@policy.requires(policy.coordinate_school, school=School)
def index(school: School):
    overview = services.texts_overview(school.id)
    kinds = [
        (kind, [(code, *overview.texts[kind, code]) for code in overview.languages])
        for kind in MessageKind
    ]
    return render(
        "messages/index.html",
        school=school,
        kinds=kinds,
        others=overview.others,
        labels=services.KIND_LABELS,
        help=services.KIND_HELP,
    )


def _kind_and_language(school: School, kind: str, language: str) -> MessageKind:
    try:
        message_kind = MessageKind(kind)
    except ValueError:
        abort(404)
    if language not in services.editable_languages(school.id):
        abort(404)
    return message_kind


def _editor(school, kind, code, form, unknown=(), status=200):
    body, stored = services.current_text(school.id, kind, code)
    form.body.render_kw = {"lang": code}  # the text is in its language, not the page's
    return render(
        "messages/edit.html",
        status=status,
        school=school,
        kind=kind,
        label=services.KIND_LABELS[kind],
        code=code,
        form=form,
        stored=stored,
        has_default=services.default_text(kind, code) is not None,
        current=body,
        preview=services.preview(school, kind, code),
        unknown=unknown,
        unknown_names=", ".join("{" + name + "}" for name in unknown),
        max_length=services.MAX_LENGTH,
        placeholders=services.PLACEHOLDERS,
    )


@bp.route("/schools/<int:school_id>/messages/<kind>/<language>", methods=["GET", "POST"])
@policy.requires(policy.coordinate_school, school=School)
def edit(school: School, kind: str, language: str):
    message_kind = _kind_and_language(school, kind, language)
    if request.method == "GET":
        body, _stored = services.current_text(school.id, message_kind, language)
        form = MessageTextForm(formdata=None, data={"body": body or ""})
        return _editor(school, message_kind, language, form)
    form = MessageTextForm()
    if not form.validate():
        return _editor(school, message_kind, language, form, status=422)
    unknown = services.unknown_placeholders(form.body.data)
    if unknown and not form.keep_unknown.data:
        return _editor(school, message_kind, language, form, unknown=unknown, status=422)
    services.save_text(school, message_kind, language, form.body.data, by=current_user)
    db.session.commit()
    flash(_("Saved. Visitors now send this text."), "success")
    return redirect_after_post(
        url_for("messages.edit", school_id=school.id, kind=message_kind.value, language=language)
    )


@bp.post("/schools/<int:school_id>/messages/<kind>/<language>/reset")
@policy.requires(policy.coordinate_school, school=School)
def reset(school: School, kind: str, language: str):
    message_kind = _kind_and_language(school, kind, language)
    if services.reset_text(school, message_kind, language, by=current_user):
        db.session.commit()
        if services.default_text(message_kind, language) is not None:
            flash(_("Back to the default text."), "success")
        else:
            flash(_("The school's text was deleted."), "success")
    return redirect_after_post(
        url_for("messages.edit", school_id=school.id, kind=message_kind.value, language=language)
    )
