from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_login import current_user

from fieldapp import audit, clock, policy, receipts, rules
from fieldapp.extensions import db
from fieldapp.formatting import format_when
from fieldapp.i18n import gettext as _
from fieldapp.models import (
    ContactMethod,
    ContactOutcome,
    Visit,
    VisitMode,
    VisitStatus,
)
from fieldapp.rendering import answered, is_partial_request, redirect_after_post, render
from fieldapp.rules import OPEN_STATUSES, RuleViolation
from fieldapp.visits import cards, queries, services
from fieldapp.visits.calendar import visit_calendar
from fieldapp.visits.forms import (
    ContactForm,
    ReasonForm,
    ScheduleForm,
)

bp = Blueprint("visits", __name__)


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
    all_contacts = request.args.get("contacts") == "all"
    rows = db.session.execute(
        *queries.latest_contacts(visit.id, None if all_contacts else queries.CONTACTS_SHOWN)
    ).all()
    return render(
        "visits/detail.html",
        block="visit_body",
        status=status,
        visit=visit,
        contacts=[contact for contact, _ in reversed(rows)],  # in the order they happened
        contacts_total=rows[0][1] if rows else 0,
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


# The reflection's pages live in their own module, on this blueprint (the calendar feed, with
# its own blueprint, in feed_views).
from fieldapp.visits import reflection_views  # noqa: E402, F401
