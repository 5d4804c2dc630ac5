"""A visit's reflection: the form (kept on the phone ahead of the visit), its drafts, merging
two versions into one, and the team's private note."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from fieldapp import clock, policy, receipts, rules
from fieldapp.extensions import db
from fieldapp.fields import parse_ids
from fieldapp.i18n import gettext as _
from fieldapp.models import (
    Visit,
    VisitStatus,
    VisitType,
)
from fieldapp.rendering import answered, is_partial_request, redirect_after_post, render
from fieldapp.rules import RuleViolation
from fieldapp.visits import services
from fieldapp.visits.forms import (
    FirstVisitReflectionForm,
    PrivateNoteForm,
    SecondVisitReflectionForm,
    draft_data,
)
from fieldapp.visits.views import (
    _already_stored,
    _client_id,
    _field_error,
    _raced,
    bp,
)


def _owner_choices(visit: Visit) -> list[SelectChoice]:
    return [SelectChoice(m.user_id, m.user.name) for m in visit.team]


def _reflection_form(visit: Visit, formdata=None):
    form_class = (
        FirstVisitReflectionForm
        if visit.visit_type == VisitType.FIRST
        else SecondVisitReflectionForm
    )
    form = form_class(formdata=formdata) if formdata is not None else form_class()
    for entry in form.follow_ups:
        entry.owner_id.choices = _owner_choices(visit)
    return form


def _may_not_reflect(visit: Visit):
    """The answer when the visit cannot take a reflection now (None: it can)."""
    try:
        rules.check_may_reflect(visit, clock.now())
    except RuleViolation as exc:
        flash(exc.message, "warning")
        return redirect_after_post(url_for("visits.detail", visit_id=visit.id))
    return None


@bp.route("/<int:visit_id>/reflection", methods=["GET", "POST"])
@policy.requires(policy.work_on_visit, visit=Visit)
def reflection(visit: Visit):
    # One rule for both methods: two rules on one path make Werkzeug answer 405, not 404, to
    # an id past the bounded int converter.
    return _submit_reflection(visit) if request.method == "POST" else _reflection_form_page(visit)


def _reflection_form_page(visit: Visit):
    # ``ahead``: the phone keeps the form of a visit of the coming days, to write it offline
    # after the visit; what it sends is checked then, like any reflection.
    ahead = request.args.get("ahead") == "1" and visit.status == VisitStatus.SCHEDULED
    if not ahead and (refused := _may_not_reflect(visit)):
        return refused
    draft = services.find_draft(visit, current_user)
    return render(
        "visits/reflection.html",
        visit=visit,
        form=_reflection_form(visit, MultiDict(draft.data) if draft is not None else None),
        draft=draft,
        not_yet=ahead and visit.scheduled_start is not None and visit.scheduled_start > clock.now(),
    )


def _follow_ups(form, visit: Visit) -> list[tuple]:
    """The form's follow-ups as (text, owner, due on); an owner not in the team: the writer."""
    team = {m.user_id: m.user for m in visit.team}
    return [
        (text, team.get(entry.owner_id.data) or current_user, entry.due_on.data)
        for entry in form.follow_ups
        if (text := (entry.text.data or "").strip())
    ]


def _submit_reflection(visit: Visit):
    client_id = _client_id()
    if _already_stored(client_id):
        return _reflection_saved(client_id)
    if refused := _may_not_reflect(visit):
        return refused
    form = _reflection_form(visit)
    if "add_follow_up" in request.form:
        if len(form.follow_ups) < form.follow_ups.max_entries:
            form.follow_ups.append_entry()
            form.follow_ups[-1].owner_id.choices = _owner_choices(visit)
        return render("visits/reflection.html", visit=visit, form=form, draft=None)
    if form.validate_on_submit():
        try:
            services.submit_reflection(
                visit,
                by=current_user,
                duration_minutes=form.duration_minutes.data,
                shared=form.shared_data(),
                private_note=(form.private_note.data or "").strip(),
                follow_ups=_follow_ups(form, visit),
                client_id=client_id,
                now=clock.now(),
            )
            db.session.commit()
        except RuleViolation as exc:
            db.session.rollback()
            flash(exc.message, "error")
        except receipts.RACE_LOST:
            if not _raced(client_id):
                raise
            return _reflection_saved(client_id)
        else:
            return _reflection_saved(client_id)
    response = render(
        "visits/reflection.html", visit=visit, form=form, draft=None, status=422, not_yet=False
    )
    return answered(response, client_id, stored=False)


def _reflection_saved(client_id: str | None):
    flash(_("Reflection saved. The visit is done and your hours are recorded."), "success")
    return redirect_after_post(url_for("visits.my_visits") + "#done", stored=client_id)


@bp.post("/<int:visit_id>/reflection/draft")
@policy.requires(policy.work_on_visit, visit=Visit)
def save_draft(visit: Visit):
    client_id = _client_id()
    if _already_stored(client_id):
        return _draft_saved(visit, services.find_draft(visit, current_user), client_id)
    now = clock.now()
    # The phone says when it was written: a draft that waited in its queue loses to a newer one.
    written_at = receipts.written_at(request.form.get("written_at"), now) or now
    data = draft_data(request.form)
    for attempt in range(2):  # a draft of the same visit by another tab at the same moment
        try:
            draft = services.save_draft(visit, by=current_user, data=data, written_at=written_at)
            if draft is not None:
                receipts.keep(client_id, by=current_user, kind="draft")
            db.session.commit()
        except RuleViolation as exc:
            db.session.rollback()
            if is_partial_request():
                response = render("visits/_draft_status.html", saved=None, status=409)
            else:
                flash(exc.message, "warning")
                response = redirect_after_post(url_for("visits.detail", visit_id=visit.id))
            return answered(response, client_id, stored=False)
        except receipts.RACE_LOST:
            if _raced(client_id):
                break
            if attempt:
                raise
        else:
            break
    return _draft_saved(visit, services.find_draft(visit, current_user), client_id)


def _draft_saved(visit: Visit, draft, client_id: str | None):
    """Also for a draft that changed nothing (its visit's reflection is in): the phone may
    forget it, the reflection has what it had."""
    if is_partial_request():
        response = render(
            "visits/_draft_status.html",
            saved=draft.updated_at if draft else None,
            tz=visit.school.timezone,
        )
        return answered(response, client_id, stored=True)
    if draft is None:
        flash(_("This visit no longer takes a reflection; nothing was saved."), "warning")
        return redirect_after_post(url_for("visits.detail", visit_id=visit.id), stored=client_id)
    flash(_("Draft saved."), "success")
    return redirect_after_post(url_for("visits.reflection", visit_id=visit.id), stored=client_id)


def _merged_text(values: list[str | None]) -> str:
    """Each version's text once, in the order they were written: the team edits from there."""
    return "\n\n".join(dict.fromkeys(v.strip() for v in values if v and v.strip()))


@bp.route("/<int:visit_id>/reflection/merge", methods=["GET", "POST"])
@policy.requires(policy.work_on_visit, visit=Visit)
def merge_reflections(visit: Visit):
    """Two team members each wrote the reflection with no signal: both were kept. The team
    makes one of them here; the versions stay in the visit's history, marked as merged."""
    versions = services.current_versions(visit)
    if len(versions) < 2:
        flash(_("There is one reflection for this visit: nothing to merge."), "info")
        return redirect_after_post(url_for("visits.detail", visit_id=visit.id))
    form = _reflection_form(visit)
    status = 200
    if request.method == "GET":
        for name in form.SHARED:
            getattr(form, name).data = _merged_text([getattr(v, name) for v in versions])
        form.private_note.data = _merged_text(
            [v.private_note.text if v.private_note else None for v in versions]
        )
        form.duration_minutes.data = versions[0].duration_minutes
    elif form.validate_on_submit():
        seen = sorted(parse_ids(request.form.getlist("version")))
        if seen != sorted(v.id for v in versions):
            flash(_("Another version arrived or was merged meanwhile: check the versions again."))
            return redirect_after_post(url_for("visits.merge_reflections", visit_id=visit.id))
        try:
            services.merge_reflections(
                visit,
                versions,
                by=current_user,
                duration_minutes=form.duration_minutes.data,
                shared=form.shared_data(),
                private_note=(form.private_note.data or "").strip(),
                now=clock.now(),
            )
        except RuleViolation as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = 422
        else:
            db.session.commit()
            flash(_("The versions are merged into the team's reflection."), "success")
            return redirect_after_post(url_for("visits.detail", visit_id=visit.id))
    else:
        status = 422
    return render("visits/merge.html", visit=visit, versions=versions, form=form, status=status)


@bp.route("/<int:visit_id>/private-note", methods=["GET", "POST"])
@policy.requires(policy.team_private_note, visit=Visit)
def private_note(visit: Visit):
    """The team corrects its private note, until ``rules.PRIVATE_NOTE_CORRECTION`` after the
    visit; then the visit page shows it read-only."""
    back = url_for("visits.detail", visit_id=visit.id, _anchor="private-note")
    versions = services.current_versions(visit)
    if len(versions) != 1:
        flash(
            _("Merge the versions of the reflection first: their private notes become one.")
            if versions
            else _("There is no reflection yet: write the private note with it."),
            "warning",
        )
        return redirect_after_post(back)
    note = versions[0].private_note
    form = PrivateNoteForm()
    status = 200
    if request.method == "GET":
        try:
            rules.check_may_correct_private_note(visit, clock.now())
        except RuleViolation as exc:
            flash(exc.message, "warning")
            return redirect_after_post(back)
        form.text.data = note.text if note else ""
    elif form.validate_on_submit():
        try:
            services.correct_private_note(
                visit, text=(form.text.data or "").strip(), by=current_user, now=clock.now()
            )
        except RuleViolation as exc:
            db.session.rollback()
            _field_error(form, exc, "text")
            status = 422
        else:
            db.session.commit()
            flash(_("The team's private note is saved."), "success")
            return redirect_after_post(back)
    else:
        status = 422
    until = rules.private_note_editable_until(visit)
    return render(
        "visits/private_note.html",
        block="note_form",
        visit=visit,
        form=form,
        until=until,
        editable=until is not None and clock.now() <= until,
        status=status,
    )
