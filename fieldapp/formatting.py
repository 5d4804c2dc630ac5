"""Template filters and globals: times in the school's zone, labels in the field's words."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import phonenumbers
from flask import Flask, current_app, request, url_for
from flask_login import current_user

from fieldapp import rules
from fieldapp.models import ContactMethod, ContactOutcome, Role, VisitMode, VisitType

LANGUAGES = {
    "en": "English",
    "es": "Spanish",
    "vi": "Vietnamese",
    "so": "Somali",
    "zh": "Chinese",
    "ar": "Arabic",
    "tl": "Tagalog",
    "ht": "Haitian Creole",
}
VISIT_TYPES = {
    VisitType.FIRST: "First visit",
    VisitType.SECOND: "Second visit",
    VisitType.FOLLOW_UP: "Follow-up visit",
}
MODES = {VisitMode.HOME: "At home", VisitMode.NEUTRAL: "Neutral place", VisitMode.VIDEO: "Video"}
CONTACT_METHODS = {
    ContactMethod.CALL: "Call",
    ContactMethod.TEXT: "Text",
    ContactMethod.EMAIL: "Email",
    ContactMethod.IN_PERSON: "In person",
    ContactMethod.NOTE_HOME: "Note home",
}
OUTCOMES = {
    ContactOutcome.NO_ANSWER: "No answer",
    ContactOutcome.LEFT_MESSAGE: "Left a message",
    ContactOutcome.AGREED: "Agreed to a visit",
    ContactOutcome.DECLINED: "Declined",
    ContactOutcome.DO_NOT_CONTACT: "Asked not to be contacted again",
}
ROLE_LABELS = {
    Role.VISITOR: "Visitor",
    Role.COORDINATOR: "Coordinator",
    Role.TRAINER: "Trainer",
    Role.ADMIN: "Admin",
}


def zone(tz_name: str | None = None) -> ZoneInfo:
    return ZoneInfo(tz_name or current_app.config["DEFAULT_TIMEZONE"])


def local(value: datetime | None, tz_name: str | None = None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone(tz_name))


def format_when(value: datetime | None, tz_name: str | None = None) -> str:
    """ "Tue 1 Dec, 4:30 pm" in the school's zone."""
    value = local(value, tz_name)
    if value is None:
        return ""
    hour = value.strftime("%I:%M").lstrip("0")
    return f"{value:%a} {value.day} {value:%b}, {hour} {value:%p}".replace("AM", "am").replace(
        "PM", "pm"
    )


def format_date(value: date | datetime | None, tz_name: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value, tz_name)
    return f"{value.day} {value:%b %Y}"


def format_phone(value: str | None, region: str = "US") -> str:
    """A stored E.164 number in one readable format; anything unparsable as it was typed."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return value
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if phonenumbers.region_code_for_number(number) == region
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)


def nav_items() -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    items = []
    roles = current_user.role_set
    if Role.VISITOR in roles:
        items.append(("My visits", url_for("visits.my_visits")))
    if Role.COORDINATOR in roles:
        items.append(("School", url_for("schools.home")))
    if Role.TRAINER in roles:
        items.append(("Training", url_for("training.home")))
    if roles & {Role.TRAINER, Role.COORDINATOR}:
        items.append(("Trained staff", url_for("training.roster")))
    if roles & {Role.VISITOR, Role.COORDINATOR} and Role.TRAINER not in roles:
        items.append(("My training", url_for("training.mine")))
    if Role.ADMIN in roles:
        items.append(("Admin", url_for("admin.home")))
        items.append(("Reports", url_for("reports.district")))
    elif Role.COORDINATOR in roles:
        items.append(("Reports", url_for("reports.report")))
    elif Role.TRAINER in roles:
        items.append(("Reports", url_for("reports.training")))
    items.append(("Account", url_for("auth.account")))
    return items


def register(app: Flask) -> None:
    app.jinja_env.filters.update(
        when=format_when,
        day=format_date,
        language=lambda code: LANGUAGES.get(code or "", code or ""),
        status=lambda s: rules.STATUS_LABELS[s],
        visit_type=lambda t: VISIT_TYPES[t],
        mode=lambda m: MODES.get(m, ""),
        method=lambda m: CONTACT_METHODS[m],
        outcome=lambda o: OUTCOMES[o],
        role=lambda r: ROLE_LABELS[r],
        phone=format_phone,
    )
    app.jinja_env.globals.update(
        nav_items=nav_items, current_nav=current_nav, htmx_version="2.0.11", Role=Role
    )


def current_nav(items: list[tuple[str, str]]) -> str | None:
    """The one navigation link for this page: the longest that the path starts with ("/" only
    for the home page), so that "Trained staff" is not marked along with "Training"."""
    path = request.path
    matches = [href for _, href in items if path == href or (href != "/" and path.startswith(href))]
    return max(matches, key=len, default=None)
