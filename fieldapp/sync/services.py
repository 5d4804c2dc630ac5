"""Items written on a phone, stored once each.

An item is ``{"id": uuid, "kind", "visit_id": int (the visit kinds), "follow_up_id": int
(follow_up_done), "written_at": ISO 8601, "data": {form field: value}}``. The kinds: a contact
(an agreement is a contact whose outcome is "agreed"), a reflection, a draft of it, a visit's
time (schedule), a follow-up done. The phone made the id; the database keeps it unique
(``client_id`` on reflections and contact attempts, a receipt for the others: ``receipts``), so
an item sent again, by its form and then from the queue or twice at the same moment, is stored
once and answered "stored" again. Everything else goes through the same forms and services as
the web pages; a refusal says why, in words for the visitor.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from werkzeug.datastructures import MultiDict

from fieldapp import policy, receipts, rules
from fieldapp.extensions import db
from fieldapp.fields import parse_id
from fieldapp.i18n import gettext as _
from fieldapp.models import (
    ContactMethod,
    ContactOutcome,
    FollowUp,
    User,
    Visit,
    VisitStatus,
    VisitType,
)
from fieldapp.visits import services as visits
from fieldapp.visits.forms import (
    ContactForm,
    FirstVisitReflectionForm,
    ScheduleForm,
    SecondVisitReflectionForm,
    draft_data,
)

MAX_ITEMS = 100
KINDS = ("reflection", "contact", "draft", "schedule", "follow_up_done")


class Malformed(ValueError):
    """The body is not a list of items with ids: nothing can be answered item by item."""


@dataclass(frozen=True)
class Result:
    id: str
    status: str  # "stored" | "refused"
    reason: str | None = None

    def as_json(self) -> dict:
        answer = {"id": self.id, "status": self.status}
        if self.reason is not None:
            answer["reason"] = self.reason
        return answer


def item_id(value: object) -> str:
    """The item's id in its one stored spelling (lower case), or Malformed."""
    if not isinstance(value, str) or len(value) != 36:
        raise Malformed("Each item needs an id made on the phone (a UUID).")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise Malformed("Each item needs an id made on the phone (a UUID).") from None


def parse_body(body: object) -> list[dict]:
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise Malformed('Send {"items": [...]}.')
    items = body["items"]
    if len(items) > MAX_ITEMS:
        raise Malformed(f"Send at most {MAX_ITEMS} items at a time.")
    for item in items:
        if not isinstance(item, dict):
            raise Malformed("Each item is an object.")
        item_id(item.get("id"))
    return items


def _closed(visit: Visit) -> str | None:
    if visit.status in (VisitStatus.CANCELLED, VisitStatus.DECLINED):
        cancelled = visit.status == VisitStatus.CANCELLED
        if visit.status_reason:
            if cancelled:
                return _(
                    "The visit was cancelled meanwhile: %(reason)s", reason=_(visit.status_reason)
                )
            return _(
                "The family declined the visit meanwhile: %(reason)s", reason=_(visit.status_reason)
            )
        if cancelled:
            return _("The visit was cancelled meanwhile.")
        return _("The family declined the visit meanwhile.")
    return None


def _messages(errors: object) -> list[str]:
    """WTForms' errors flattened: a FieldList's are a list of dicts per row."""
    if isinstance(errors, dict):
        errors = errors.values()
    elif not isinstance(errors, list | tuple):
        return [str(errors)]  # a message: text, or a lazily translated one
    return [m for e in errors for m in _messages(e)]


def _errors(form) -> str:
    messages = []
    for name, errors in form.errors.items():
        field = getattr(form, name, None)
        label = field.label.text if field is not None else name
        messages += [_("%(field)s: %(error)s", field=label, error=m) for m in _messages(errors)]
    return " ".join(messages) or _("Something in it is not right.")


def _int(value: object) -> int | None:
    return parse_id(str(value)) if type(value) is int else None


def apply(item: dict, user: User, now: datetime) -> Result:
    """Store one item, or say why not. Only flushes: the caller commits a stored item."""
    client_id = item_id(item.get("id"))
    answer_id = item["id"]
    stored_by = receipts.stored_by(client_id)
    if stored_by is not receipts.NOT_STORED:
        if stored_by == user.id:
            return Result(answer_id, "stored")
        return Result(answer_id, "refused", _("This id already belongs to another item."))
    kind = item.get("kind")
    if kind not in KINDS:
        return Result(answer_id, "refused", _("This app does not know that kind of item."))
    target, refusal = _target(kind, item, user)
    if refusal:
        return Result(answer_id, "refused", refusal)
    written_at = receipts.written_at(item.get("written_at"), now)
    if written_at is None:
        return Result(answer_id, "refused", _("The time it was written is missing or not a time."))
    formdata = _text_data(item)
    if formdata is None:
        return Result(answer_id, "refused", _("What was written is missing or not text."))
    if kind == "follow_up_done":
        visits.complete_follow_up(target, by=user)
        receipts.keep(client_id, by=user, kind=kind)
        return Result(answer_id, "stored")
    try:
        if kind == "contact":
            return _contact(answer_id, client_id, target, formdata, user, written_at)
        if kind == "schedule":
            return _schedule(answer_id, client_id, target, formdata, user, now)
        if kind == "draft":
            return _draft(answer_id, client_id, target, formdata, user, written_at)
        return _reflection(answer_id, client_id, target, formdata, user, written_at, now)
    except rules.RuleViolation as exc:
        return Result(answer_id, "refused", _closed(target) or exc.message)


def _target(kind: str, item: dict, user: User) -> tuple[FollowUp | Visit | None, str | None]:
    """The follow-up or visit the item is about, if this person may still write to it; else
    why not."""
    if kind == "follow_up_done":
        follow_up_id = _int(item.get("follow_up_id"))
        follow_up = db.session.get(FollowUp, follow_up_id) if follow_up_id else None
        if follow_up is None or not policy.complete_follow_up.allows(user, follow_up):
            return None, _(
                "This follow-up is no longer yours (it may have been given to someone else)."
            )
        return follow_up, None
    visit_id = _int(item.get("visit_id"))
    visit = db.session.get(Visit, visit_id) if visit_id else None
    if visit is None or not policy.work_on_visit.allows(user, visit):
        return None, _(
            "This visit is no longer assigned to you (it may have been given to another team)."
        )
    return visit, None


def _text_data(item: dict) -> MultiDict | None:
    """What was written, as form data (text only, without NUL); None if it is not that."""
    data = item.get("data")
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        return None
    return MultiDict({k.replace("\0", ""): v.replace("\0", "") for k, v in data.items()})


def _contact(answer_id, client_id, visit, formdata, user, written_at) -> Result:
    form = ContactForm(formdata=formdata, meta={"csrf": False})
    if not form.validate():
        return Result(answer_id, "refused", _errors(form))
    outcome = ContactOutcome(form.outcome.data)
    if outcome == ContactOutcome.DO_NOT_CONTACT and form.confirm.data != "yes":
        return Result(
            answer_id, "refused", _("Confirm that the family asked not to be contacted again.")
        )
    visits.log_contact(
        visit,
        method=ContactMethod(form.method.data),
        outcome=outcome,
        note=(form.note.data or "").strip(),
        by=user,
        at=written_at,
        client_id=client_id,
    )
    return Result(answer_id, "stored")


def _reflection(answer_id, client_id, visit, formdata, user, written_at, now) -> Result:
    form_class = (
        FirstVisitReflectionForm
        if visit.visit_type == VisitType.FIRST
        else SecondVisitReflectionForm
    )
    form = form_class(formdata=formdata, meta={"csrf": False})
    team = {m.user_id: m.user for m in visit.team}
    for entry in form.follow_ups:
        entry.owner_id.choices = list(team)
    if not form.validate():
        return Result(answer_id, "refused", _errors(form))
    follow_ups = [
        ((e.text.data or "").strip(), team.get(e.owner_id.data) or user, e.due_on.data)
        for e in form.follow_ups
        if (e.text.data or "").strip()
    ]
    fields = {
        "by": user,
        "duration_minutes": form.duration_minutes.data,
        "shared": form.shared_data(),
        "private_note": (form.private_note.data or "").strip(),
        "follow_ups": follow_ups,
        "client_id": client_id,
        "written_at": written_at,
    }
    if visit.status == VisitStatus.COMPLETED:
        # A teammate's reflection completed the visit meanwhile: keep both, never overwrite.
        visits.add_reflection_version(visit, **fields)
    else:
        visits.submit_reflection(visit, now=now, **fields)
    return Result(answer_id, "stored")


def _schedule(answer_id, client_id, visit, formdata, user, now) -> Result:
    """The time and place the family agreed to, checked against the rules as of now (not as of
    when it was written: the team's other visits may have moved meanwhile)."""
    form = ScheduleForm(formdata=formdata, meta={"csrf": False})
    if not form.validate():
        return Result(answer_id, "refused", _errors(form))
    start, mode, place = form.chosen(visit)
    visits.schedule_visit(visit, start=start, mode=mode, place=place, by=user, now=now)
    receipts.keep(client_id, by=user, kind="schedule")
    return Result(answer_id, "stored")


def _draft(answer_id, client_id, visit, formdata, user, written_at) -> Result:
    """The last draft written wins; a draft for a visit whose reflection is in changes nothing
    but is answered "stored" all the same: the phone may forget it."""
    draft = visits.save_draft(visit, by=user, data=draft_data(formdata), written_at=written_at)
    if draft is not None:
        receipts.keep(client_id, by=user, kind="draft")
    return Result(answer_id, "stored")
