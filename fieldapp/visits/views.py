from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.http import is_resource_modified
from wtforms import SelectChoice

from fieldapp import audit, clock, policy, receipts, rules
from fieldapp.extensions import db, limiter
from fieldapp.fields import parse_ids
from fieldapp.formatting import format_when
from fieldapp.i18n import gettext as _
from fieldapp.i18n import in_language
from fieldapp.models import (
    ContactMethod,
    ContactOutcome,
    Role,
    Visit,
    VisitMode,
    VisitStatus,
    VisitType,
)
from fieldapp.rendering import answered, is_partial_request, redirect_after_post, render
from fieldapp.rules import OPEN_STATUSES, RuleViolation
from fieldapp.visits import cards, feeds, queries, services
from fieldapp.visits.calendar import visit_calendar
from fieldapp.visits.forms import (
    ContactForm,
    FirstVisitReflectionForm,
    PrivateNoteForm,
    ReasonForm,
    ScheduleForm,
    SecondVisitReflectionForm,
    draft_data,
)

bp = Blueprint("visits", __name__)
# A visitor's private calendar feed (no URL prefix: /calendar/… and /account/…).
feed_bp = Blueprint("calendar_feed", __name__)


@bp.app_template_filter("reason")
def reason_filter(text: str | None) -> str | None:
    """A stored reason in the reader's language when it is one the app wrote (services.N_);
    what a person typed is shown as they typed it."""
    return _(text) if text else text


def _tz(visit: Visit) -> ZoneInfo:
    return ZoneInfo(visit.school.timezone)


def _client_id() -> str | None:
    """The id the phone's script gave this submission (a 400 when it is not a UUID)."""
    return receipts.parse(request.form.get("client_id"))


def _already_stored(client_id: str | None) -> bool:
    """This very submission arrived before (its answer was lost on the way): not again."""
    return receipts.already_stored(client_id, current_user)


def _raced(client_id: str | None) -> bool:
    """After a lost race (receipts.RACE_LOST): whether the same item, sent twice at once, was
    stored by the other request. If not, it is a real error (a teammate's change: a 409)."""
    db.session.rollback()
    return _already_stored(client_id)


def _field_error(form, exc: RuleViolation, default: str) -> None:
    """Show a rule's refusal next to the field it is about."""
    field = getattr(form, exc.field or default, None) or getattr(form, default)
    field.errors = [*field.errors, exc.message]


@bp.get("/")
@policy.requires(policy.view_my_visits)
def my_visits():
    visits = cards.my_visit_cards(current_user.id)
    groups = queries.group_my_visits(visits, clock.now())
    return render("visits/my_visits.html", groups=groups, total=len(visits))


def _detail(
    visit: Visit,
    contact_form: ContactForm | None = None,
    status: int = 200,
    confirm_dnc: bool = False,
):
    on_team = policy.work_on_visit.allows(current_user, visit)
    return render(
        "visits/detail.html",
        block="visit_body",
        status=status,
        visit=visit,
        versions=services.current_versions(visit),
        on_team=on_team,
        coordinates=policy.coordinate_school.allows(current_user, visit.school),
        has_my_visits=policy.view_my_visits.allows(current_user),
        contact_form=contact_form or ContactForm(formdata=None),
        confirm_dnc=confirm_dnc,
        is_open=visit.status in OPEN_STATUSES,
        may_reflect=on_team
        and visit.status == VisitStatus.SCHEDULED
        and visit.scheduled_start is not None
        and visit.scheduled_start <= clock.now(),
        # The page kept on a phone shows the reflection's button once the visit's time came.
        reflect_after=visit.scheduled_start.isoformat() if visit.scheduled_start else None,
        private=_team_private_note(visit),
    )


@bp.get("/<int:visit_id>")
@policy.requires(policy.view_visit, visit=Visit)
def detail(visit: Visit):
    # The page shows the family's phone numbers and address: a read of a family record, on
    # the trail within a second (audit.viewed: no commit of this request's own).
    audit.viewed("visit.view", actor=current_user, obj=visit, school_id=visit.school_id)
    return _detail(visit)


@bp.post("/<int:visit_id>/contacts")
@policy.requires(policy.work_on_visit, visit=Visit)
def add_contact(visit: Visit):
    form = ContactForm()
    client_id = _client_id()
    if _already_stored(client_id):
        return _contact_logged(visit, client_id)
    if not form.validate():
        return answered(_detail(visit, form, status=422), client_id, stored=False)
    outcome = ContactOutcome(form.outcome.data)
    if outcome == ContactOutcome.DO_NOT_CONTACT and form.confirm.data != "yes":
        # Keeping the family's wish closes their visits: ask once more before doing it. The
        # item as sent is not stored: the confirmed one is a new submission.
        form.confirm.data = "yes"
        return answered(_detail(visit, form, confirm_dnc=True), client_id, stored=False)
    try:
        services.log_contact(
            visit,
            method=ContactMethod(form.method.data),
            outcome=outcome,
            note=(form.note.data or "").strip(),
            by=current_user,
            at=clock.now(),
            client_id=client_id,
        )
        db.session.commit()
    except RuleViolation as exc:
        db.session.rollback()
        _field_error(form, exc, "outcome")
        return answered(_detail(visit, form, status=422), client_id, stored=False)
    except receipts.RACE_LOST:
        if not _raced(client_id):
            raise
    return _contact_logged(visit, client_id)


def _contact_logged(visit: Visit, client_id: str | None):
    if is_partial_request():
        return answered(_detail(visit), client_id, stored=True)
    return redirect_after_post(
        url_for("visits.detail", visit_id=visit.id) + "#contact-log", stored=client_id
    )


@bp.route("/<int:visit_id>/schedule", methods=["GET", "POST"])
@policy.requires(policy.work_on_visit, visit=Visit)
def schedule(visit: Visit):
    form = ScheduleForm()
    if request.method == "GET":
        tz = _tz(visit)
        if visit.scheduled_start is not None:
            start = visit.scheduled_start.astimezone(tz)
            form.date.data, form.start_time.data = start.date(), start.time()
        if visit.mode is not None:
            form.mode.data = visit.mode.value
            form.place.data = visit.place if visit.mode != VisitMode.HOME else ""
    status = 200
    client_id = _client_id() if request.method == "POST" else None
    if _already_stored(client_id):
        return _scheduled(visit, client_id)
    if form.validate_on_submit():
        start, mode, place = form.chosen(visit)
        try:
            services.schedule_visit(
                visit, start=start, mode=mode, place=place, by=current_user, now=clock.now()
            )
            receipts.keep(client_id, by=current_user, kind="schedule")
            db.session.commit()
        except RuleViolation as exc:
            db.session.rollback()
            _field_error(form, exc, "date")
            status = 422
        except receipts.RACE_LOST:
            if not _raced(client_id):
                raise
            return _scheduled(visit, client_id)
        else:
            return _scheduled(visit, client_id)
    elif form.is_submitted():
        status = 422
    response = render("visits/schedule.html", visit=visit, form=form, status=status)
    return answered(response, client_id, stored=False) if status == 422 else response


def _scheduled(visit: Visit, client_id: str | None):
    when = format_when(visit.scheduled_start, visit.school.timezone)
    flash(_("Scheduled for %(time)s.", time=when), "success")
    return redirect_after_post(url_for("visits.detail", visit_id=visit.id), stored=client_id)


@bp.route("/<int:visit_id>/reschedule", methods=["GET", "POST"])
@policy.requires(policy.work_on_visit, visit=Visit)
def reschedule(visit: Visit):
    return _with_reason(visit, "reschedule")


@bp.route("/<int:visit_id>/cancel", methods=["GET", "POST"])
@policy.requires(policy.cancel_visit, visit=Visit)
def cancel(visit: Visit):
    return _with_reason(visit, "cancel")


def _with_reason(visit: Visit, action: str):
    form = ReasonForm()
    status = 200
    if form.validate_on_submit():
        change = services.request_reschedule if action == "reschedule" else services.cancel_visit
        try:
            change(visit, reason=form.reason.data.strip(), by=current_user)
        except RuleViolation as exc:
            db.session.rollback()
            _field_error(form, exc, "reason")
            status = 422
        else:
            db.session.commit()
            flash(
                _("The visit is cancelled.")
                if action == "cancel"
                else _("Marked for rescheduling. Agree a new time with the family."),
                "success",
            )
            return redirect_after_post(url_for("visits.detail", visit_id=visit.id))
    elif form.is_submitted():
        status = 422
    return render("visits/reason.html", visit=visit, form=form, action=action, status=status)


@bp.get("/<int:visit_id>/calendar.ics")
@policy.requires(policy.view_visit, visit=Visit)
def calendar(visit: Visit):
    if visit.scheduled_start is None or visit.status != VisitStatus.SCHEDULED:
        abort(404)
    audit.record("visit.calendar", actor=current_user, obj=visit, school_id=visit.school_id)
    db.session.commit()
    body = visit_calendar([visit])
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="visit-{visit.id}.ics"'},
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


@bp.get("/<int:visit_id>/reflection")
@policy.requires(policy.work_on_visit, visit=Visit)
def reflection(visit: Visit):
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


@bp.post("/<int:visit_id>/reflection")
@policy.requires(policy.work_on_visit, visit=Visit)
def submit_reflection(visit: Visit):
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


# ---- the team's private note ------------------------------------------------------------------


def _team_private_note(visit: Visit) -> dict | None:
    """What the visit page shows of the team's private note: to the team alone (``policy``),
    once the visit has its reflection; None for everyone else, so no template can show it."""
    if not visit.reflections or not policy.team_private_note.allows(current_user, visit):
        return None
    versions = services.current_versions(visit)
    until = rules.private_note_editable_until(visit)
    corrected = db.session.execute(queries.last_private_note_correction(visit.id)).first()
    if corrected is not None and corrected.at < versions[-1].submitted_at:
        corrected = None  # a correction of a version since merged into this one
    return {
        "versions": versions,
        "corrected": corrected,
        "until": until,
        "editable": until is not None and clock.now() <= until,
        "one_note": len(versions) == 1,
    }


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


# ---- the private calendar feed ----------------------------------------------------------------


@feed_bp.get("/calendar/<token>.ics")
@policy.public
@limiter.limit(lambda: current_app.config["CALENDAR_FEED_RATE_LIMIT"])
def feed(token: str):
    """What a phone's calendar fetches. Calendar apps cannot sign in: the link is the key, and
    it works only while its owner is an active visitor. A wrong, replaced or turned-off link
    and a person no longer a visitor all get the app's usual 404 page, which tells nothing."""
    row = feeds.find(token)
    if row is None or not row.user.active or not policy.calendar_feed.role_allows(row.user):
        abort(404)
    person, now = row.user, clock.now()
    since = now - timedelta(days=feeds.DAYS_BACK)
    visits = db.session.scalars(
        queries.feed_visits(person, since, person.school_ids(Role.VISITOR))
    ).all()
    if feeds.note_fetch(row, now=now):
        db.session.commit()
    # In its owner's language: the calendar app's Accept-Language is the phone's, not theirs.
    with in_language(person.locale) as language:
        version = feeds.version(row, visits, language)
        if is_resource_modified(
            request.environ, etag=version.etag, last_modified=version.last_modified
        ):
            response = Response(
                visit_calendar(visits, name=_("Home visits"), refresh=feeds.REFRESH),
                mimetype="text/calendar",
            )
        else:
            response = Response(status=304)
    # Weak: the same feed gzipped or not (Flask-Compress would append ":gzip" to a strong one,
    # and the tag the calendar sends back would never match again).
    response.set_etag(version.etag, weak=True)
    response.last_modified = version.last_modified
    response.headers["Content-Language"] = language
    # Family names and places: kept by the calendar app that fetched them, by no shared cache.
    response.headers["Cache-Control"] = "private, max-age=900"
    return response


@feed_bp.route("/account/calendar-feed", methods=["GET", "POST"])
@policy.requires(policy.calendar_feed, fresh=True)
def open_link():
    """Make the feed's link, or a new one in place of the old. The password is asked again
    first (as for exports): the link shows the visits to whoever holds it, signed in or not."""
    if request.method == "GET":  # back from giving the password again: press the button again
        return redirect(url_for("auth.account", _anchor="calendar-feed"))
    token = feeds.open_feed(current_user, now=clock.now())
    db.session.commit()
    url = url_for("calendar_feed.feed", token=token, _external=True)
    return render(
        "visits/calendar_link.html",
        feed_url=url,
        webcal_url="webcal://" + url.split("://", 1)[1],
        status=201,
    )


@feed_bp.post("/account/calendar-feed/off")
@policy.requires(policy.calendar_feed)
def turn_off():
    if feeds.turn_off(current_user, now=clock.now()):
        db.session.commit()
        flash(
            _(
                "Your calendar feed is off: its link no longer works. Remove the calendar from "
                "your phone too, or it keeps showing the visits it already has."
            ),
            "success",
        )
    return redirect_after_post(url_for("auth.account", _anchor="calendar-feed"))
