"""The family's page behind the link (no sign-in), and the team's page to offer times."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from fieldapp import clock, policy, rules, tasks
from fieldapp.extensions import csrf, db, limiter
from fieldapp.formatting import FAMILY_MODES
from fieldapp.i18n import DEFAULT_LOCALE, family_locale, html_lang, in_language
from fieldapp.i18n import fgettext as _f
from fieldapp.i18n import gettext as _
from fieldapp.messages import services as messages
from fieldapp.messages.services import day_and_time, names_list
from fieldapp.models import MessageKind, OfferAnswer, SlotOffer, Visit, VisitMode
from fieldapp.offers import services
from fieldapp.offers.forms import AnswerForm, OfferForm
from fieldapp.rendering import redirect_after_post, render

bp = Blueprint("offers", __name__)

ANSWERS = ("choose", "call_me", "decline")


def _family_language(offer: SlotOffer | None) -> str:
    """The language the family asked for with the switch, else their home language when we
    have it, else the first of their browser's we have, else English."""
    asked = family_locale(request.values.get("lang"))
    if asked:
        return asked
    home = family_locale(offer.visit.family.home_language) if offer and offer.visit.family else None
    if home:
        return home
    for tag in request.accept_languages.values():
        found = family_locale(tag)
        if found:
            return found
    return DEFAULT_LOCALE


def _page(template: str, code: str, status: int = 200, **context):
    with in_language(code, family=True):
        response = render(template, status=status, lang=code, **context)
    # The link is the key: never indexed, and the page tells no other site where it was.
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Content-Language"] = html_lang(code)
    return response


def _gone(code: str):
    """The same kind page for a wrong, expired, revoked or guessed link: it tells nothing."""
    return _page("offers/gone.html", code, status=404, token=None)


def _answer_form(offer: SlotOffer, code: str, formdata=None) -> AnswerForm:
    tz = offer.visit.school.timezone
    form = AnswerForm(formdata=formdata) if formdata is not None else AnswerForm()
    slots = services.possible_slots(offer, clock.now())
    form.slot.choices = [SelectChoice(s.id, day_and_time(s.start, tz, code)) for s in slots]
    form.mode.choices = [SelectChoice(m, FAMILY_MODES[VisitMode(m)]) for m in offer.modes]
    form.lang.data = code
    return form


def _family_page(offer: SlotOffer, token: str, code: str, form=None, status=200, sorry=None):
    form = form or _answer_form(offer, code)
    visit = offer.visit
    return _page(
        "offers/family.html",
        code,
        status=status,
        token=token,
        form=form,
        offer=offer,
        school=visit.school.name,
        visitors=names_list((m.user.first_name for m in visit.team), code),
        sorry=sorry,
    )


@bp.errorhandler(429)
def too_many(_exc):
    """The family's page asked too often from one address: a kind page in their language."""
    return _page("offers/busy.html", _family_language(None), status=429, token=None)


@bp.route("/o/<token>", methods=["GET", "POST"])
@policy.public
@csrf.exempt
@limiter.limit(lambda: current_app.config["OFFER_RATE_LIMIT"])
def family(token: str):
    """What the family opens from the text or email: no account, their language, plain forms.
    No CSRF token: the link's own secret is what another site cannot know, and an old phone
    that keeps no cookie can still answer."""
    now = clock.now()
    offer = services.find(token)
    code = _family_language(offer)
    if offer is None:
        return _gone(code)
    if offer.answered_at is not None and now < offer.expires_at:
        services.record_open(offer, live=False)
        db.session.commit()
        start = offer.visit.scheduled_start
        return _page(
            "offers/answered.html",
            code,
            token=token,
            offer=offer,
            OfferAnswer=OfferAnswer,
            when=day_and_time(start, offer.visit.school.timezone, code) if start else "",
        )
    if not offer.is_live(now) or offer.visit.status not in services.OFFERABLE:
        services.record_open(offer, live=False)
        db.session.commit()
        return _gone(code)
    if request.method == "GET":
        services.record_open(offer, live=True)
        db.session.commit()
        return _family_page(offer, token, code)
    return _answer(offer, token, code, now)


def _answer(offer: SlotOffer, token: str, code: str, now):
    form = _answer_form(offer, code, request.form)
    answer = request.form.get("answer")
    if not form.validate() or answer not in ANSWERS:
        return _family_page(offer, token, code, form, status=422)
    note = (form.note.data or "").strip() or None
    try:
        with in_language(code, family=True):
            if answer == "choose":
                _choose(offer, form, note, now)
            elif answer == "call_me":
                services.call_me(offer, note, now=now)
            else:
                services.decline(offer, note, never=bool(form.never.data), now=now)
    except rules.RuleViolation as exc:
        db.session.rollback()
        offer = services.find(token)
        if offer is None:
            return _gone(code)
        form = _answer_form(offer, code, request.form)
        field = getattr(form, exc.field or "slot", form.slot)
        field.errors = [*field.errors, exc.message]
        return _family_page(offer, token, code, form, status=422)
    db.session.commit()
    if answer == "choose":
        tasks.visit_scheduled_mail(offer.visit_id)
    return redirect_after_post(url_for("offers.family", token=token, lang=code))


def _choose(offer: SlotOffer, form: AnswerForm, note: str | None, now) -> None:
    if form.slot.data is None:
        raise rules.RuleViolation(_f("Please choose one of the times."), field="slot")
    try:
        mode = VisitMode(form.mode.data)
    except ValueError:
        raise rules.RuleViolation(_f("Please choose one of the places."), field="mode") from None
    services.choose(offer, form.slot.data, mode, note, now=now)


# ---- the team's side ---------------------------------------------------------------------------


@bp.route("/visits/<int:visit_id>/offer", methods=["GET", "POST"])
@policy.requires(policy.work_on_visit, visit=Visit)
def offer(visit: Visit):
    """Offer the family 2–5 times and the places the team can do; the page that answers shows
    the link (once: only its hash is kept) and the text to send it with."""
    form = OfferForm()
    status, error = 200, None
    if form.validate_on_submit():
        tz = ZoneInfo(visit.school.timezone)
        starts = [
            datetime.combine(entry.day.data, entry.start_time.data, tz)
            for entry in form.slots
            if entry.day.data is not None and entry.start_time.data is not None
        ]
        try:
            made, token = services.offer_slots(
                visit,
                starts,
                [VisitMode(m) for m in form.modes.data],
                by=current_user,
                now=clock.now(),
            )
        except rules.RuleViolation as exc:
            db.session.rollback()
            status, error = 422, exc.message
        else:
            link = url_for("offers.family", token=token, _external=True)
            text = messages.invitation(
                visit,
                current_user,
                audit_as=current_user,
                kind=MessageKind.SLOT_OFFER,
                extra={"link": link},
                ask_language=False,  # the link is shown once: the page warns instead
            )
            db.session.commit()
            return render(
                "offers/sent.html", status=201, visit=visit, offer=made, link=link, message=text
            )
    elif form.is_submitted():
        status = 422
    return render(
        "offers/offer.html",
        status=status,
        visit=visit,
        form=form,
        error=error,
        live=services.live_offer(visit, clock.now()),
    )


@bp.post("/visits/<int:visit_id>/offer/revoke")
@policy.requires(policy.work_on_visit, visit=Visit)
def revoke(visit: Visit):
    if services.revoke(visit, by=current_user, now=clock.now()):
        db.session.commit()
        flash(_("The link to choose a time no longer works."), "success")
    return redirect_after_post(url_for("offers.offer", visit_id=visit.id))
