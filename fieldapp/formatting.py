"""Template filters and globals: times in the school's zone, labels in the field's words."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import phonenumbers
from babel.dates import format_datetime as babel_format_datetime
from babel.numbers import format_decimal as babel_format_decimal
from babel.numbers import format_percent as babel_format_percent
from flask import Flask, current_app, has_request_context, request, url_for
from flask_login import current_user

from fieldapp import policy, rules
from fieldapp.fields import field_attributes
from fieldapp.grades import grade_label
from fieldapp.i18n import current_locale, family_label
from fieldapp.i18n import gettext as _
from fieldapp.i18n import lazy_fgettext as _fl
from fieldapp.i18n import lazy_gettext as _l
from fieldapp.models import ContactMethod, ContactOutcome, Role, VisitMode, VisitStatus, VisitType

LANGUAGES = {
    "en": _l("English"),
    "es": _l("Spanish"),
    "vi": _l("Vietnamese"),
    "so": _l("Somali"),
    "zh": _l("Chinese"),
    "ar": _l("Arabic"),
    "tl": _l("Tagalog"),
    "ht": _l("Haitian Creole"),
    "pt": _l("Portuguese"),
    "ru": _l("Russian"),
    "hmn": _l("Hmong"),
    "ko": _l("Korean"),
}
VISIT_TYPES = {
    VisitType.FIRST: _l("First visit"),
    VisitType.SECOND: _l("Second visit"),
    VisitType.FOLLOW_UP: _l("Follow-up visit"),
}
MODES = {
    VisitMode.HOME: _l("At home"),
    VisitMode.NEUTRAL: _l("Neutral place"),
    VisitMode.VIDEO: _l("Video"),
}
# The same choices as the family reads them on their page (the family catalogue).
FAMILY_MODES = {
    VisitMode.HOME: _fl("At home"),
    VisitMode.NEUTRAL: _fl("Neutral place"),
    VisitMode.VIDEO: _fl("Video"),
}
CONTACT_METHODS = {
    ContactMethod.CALL: _l("Call"),
    ContactMethod.TEXT: _l("Text"),
    ContactMethod.EMAIL: _l("Email"),
    ContactMethod.IN_PERSON: _l("In person"),
    ContactMethod.NOTE_HOME: _l("Note home"),
}
OUTCOMES = {
    ContactOutcome.NO_ANSWER: _l("No answer"),
    ContactOutcome.LEFT_MESSAGE: _l("Left a message"),
    ContactOutcome.AGREED: _l("Agreed to a visit"),
    ContactOutcome.DECLINED: _l("Declined"),
    ContactOutcome.DO_NOT_CONTACT: _l("Asked not to be contacted again"),
    ContactOutcome.CALL_ME: _l("Asked to be called"),
}
# A guardian's relationship as the roster and the demo store it (OneRoster's roles and plain
# words): a code, said in the reader's language. What a coordinator typed is shown as typed.
RELATIONSHIPS = {
    "parent": _l("parent"),
    "guardian": _l("guardian"),
    "relative": _l("relative"),
    "mother": _l("mother"),
    "father": _l("father"),
    "grandparent": _l("grandparent"),
    "aunt": _l("aunt"),
    "uncle": _l("uncle"),
}


def relationship_label(value: str | None) -> str:
    return str(RELATIONSHIPS.get((value or "").strip().lower(), value or ""))


ROLE_LABELS = {
    Role.VISITOR: _l("Visitor"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.TRAINER: _l("Trainer"),
    Role.ADMIN: _l("Admin"),
}


def zone(tz_name: str | None = None) -> ZoneInfo:
    return ZoneInfo(tz_name or current_app.config["DEFAULT_TIMEZONE"])


def local(value: datetime | None, tz_name: str | None = None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone(tz_name))


# Day and time as people write them: English "Tue 1 Dec, 4:30 pm"; Spanish "mar 1 dic, 16:30".
WHEN_PATTERNS = {"en": "EEE d MMM, h:mm a", "es": "EEE d MMM, H:mm"}
DATE_PATTERNS = {"en": "d MMM y", "es": "d MMM y"}


def _babel_format(value: date | datetime, patterns: dict[str, str]) -> str:
    code = _code(None)
    # The patterns name no zone: the text depends on the wall-clock time alone, which is the
    # key (two aware times equal in UTC may read differently).
    return _wall_time_text(value.replace(tzinfo=None), patterns.get(code, patterns["en"]), code)


# Formatting a time with Babel reads the locale's names field by field (some 30 µs); the same
# times come back on every page that lists them. A pure function of its arguments, kept per
# process, the oldest going first.
@functools.lru_cache(maxsize=8192)
def _wall_time_text(value: datetime, pattern: str, code: str) -> str:
    text = babel_format_datetime(value, pattern, locale=code)
    if code == "en":
        text = text.replace("AM", "am").replace("PM", "pm")
    return text.replace(".", "")  # CLDR's Spanish abbreviations end with a dot: "dic."


@functools.lru_cache(maxsize=8192)
def _percent_text(share: float, pattern: str | None, code: str) -> str:
    return babel_format_percent(share, pattern, locale=code)


@functools.lru_cache(maxsize=8192)
def _number_text(kind: type, value, pattern: str | None, code: str) -> str:
    return babel_format_decimal(value, pattern, locale=code)  # ``kind``: 2.5 and Decimal apart


def _code(code: str | None) -> str:
    return code or (current_locale() if has_request_context() else "en")


def format_number(value, pattern: str | None = None, code: str | None = None) -> str:
    """ "1,234" / "1234", "2.50" / "2,50": a number in the language ``code`` (by default the
    interface's), in ``pattern`` (by default the language's own: Flask-Babel's
    ``decimalformat``), kept per process as the times above."""
    return _number_text(type(value), value, pattern, _code(code))


def format_percent(share: float, pattern: str | None = None, code: str | None = None) -> str:
    """ "45 %" / "45%" as the language writes it (Flask-Babel's ``percentformat``), kept per
    process as the times above."""
    return _percent_text(share, pattern, _code(code))


def format_when(value: datetime | None, tz_name: str | None = None) -> str:
    """ "Tue 1 Dec, 4:30 pm" in the school's zone, in the interface's language."""
    value = local(value, tz_name)
    if value is None:
        return ""
    return _babel_format(value, WHEN_PATTERNS)


def format_date(value: date | datetime | None, tz_name: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value, tz_name)
    else:
        value = datetime(value.year, value.month, value.day)
    return _babel_format(value, DATE_PATTERNS)


def format_phone(value: str | None, region: str = "US") -> str:
    """A stored E.164 number in one readable format; anything unparsable as it was typed."""
    if not value:
        return ""
    return _phone_text(value, region)


# Parsing a number reads the metadata of its country (some 100 µs); a list of families shows
# a phone per row. A pure function of its arguments, kept per process as the times above.
@functools.lru_cache(maxsize=8192)
def _phone_text(value: str, region: str) -> str:
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


# The main menu: each entry is shown to whoever may open its page (policy decides, not roles
# named here). Trainers see "Training" rather than "My training"; "Reports" opens the first
# report this person may read.
NAV = [
    (_l("My visits"), "visits.my_visits", policy.view_my_visits),
    (_l("School"), "schools.home", policy.coordinate),
    (_l("Training"), "training.home", policy.train),
    (_l("Trained staff"), "training.roster", policy.view_trained_roster),
    (_l("My training"), "training.mine", policy.own_training),
    (_l("Admin"), "admin.home", policy.administer),
]
REPORTS = [
    ("reports.district", policy.view_district_report),
    ("reports.report", policy.view_reports),
    ("reports.training", policy.view_training_report),
]


def nav_items() -> tuple[tuple[str, str], ...]:
    user = current_user._get_current_object()
    if not user.is_authenticated:
        return ()
    return _nav(frozenset(user.role_set), current_locale(), request.script_root)


# Each permission of the menu is decided by roles alone (none checks an object): the menu is a
# function of the person's roles, the language and where the app is mounted, made once per
# process for each (every page draws it).
assert all(p.check is None for _label, _endpoint, p in NAV)
assert all(p.check is None for _endpoint, p in REPORTS)


@functools.lru_cache(maxsize=256)
def _nav(roles: frozenset[Role], code: str, root: str) -> tuple[tuple[str, str], ...]:
    items = []
    for label, endpoint, permission in NAV:
        if endpoint == "training.mine" and roles & policy.train.roles:
            continue
        if roles & permission.roles:
            items.append((str(label), url_for(endpoint)))
    report = next((e for e, p in REPORTS if roles & p.roles), None)
    if report:
        items.append((_("Reports"), url_for(report)))
    items.append((_("Account"), url_for("auth.account")))
    return tuple(items)


def names(
    items: Iterable, attribute: str = "name", separator: str = ", ", *, where=None, unique=False
) -> str:
    """``{{ people | names }}``: "Ana, Ben" — an attribute of each item, joined; ``where``: only
    the items whose attribute of that name is true; ``unique``: each value once, in the order
    met. What ``map(attribute=…) | join(…)`` writes (escaped on output, as any text), in one
    call: Jinja's pipeline costs a generator and a wrapper per filter, and a board or a roster
    writes a few per row."""
    values = [getattr(i, attribute) for i in items if where is None or getattr(i, where)]
    if unique:
        values = list(dict.fromkeys(values))
    return separator.join(str(v) for v in values)


def register(app: Flask) -> None:
    app.jinja_env.filters.update(
        names=names,
        when=format_when,
        day=format_date,
        percentformat=format_percent,
        decimalformat=format_number,
        # None: the family's language is not known (a roster that did not say), never English.
        language=lambda code: LANGUAGES.get(code, code) if code else _("Not known"),
        status=lambda s: rules.STATUS_LABELS[s],
        visit_type=lambda t: VISIT_TYPES[t],
        mode=lambda m: MODES.get(m, ""),
        method=lambda m: CONTACT_METHODS[m],
        outcome=lambda o: OUTCOMES[o],
        role=lambda r: ROLE_LABELS[r],
        phone=format_phone,
        family=family_label,
        relationship=relationship_label,
        grade=grade_label,
    )
    # A visit's state in templates, from the rules' own sets: ``{% if visit is to_agree %}``.
    app.jinja_env.tests.update(
        open=lambda visit: visit.status in rules.OPEN_STATUSES,
        to_agree=lambda visit: visit.status in rules.TO_AGREE_STATUSES,
        timed=lambda visit: visit.status in rules.TIMED_STATUSES,
        with_reason=lambda visit: visit.status in rules.WITH_REASON_STATUSES,
        scheduled=lambda visit: visit.status == VisitStatus.SCHEDULED,
        rescheduling=lambda visit: visit.status == VisitStatus.RESCHEDULING,
    )
    app.jinja_env.globals.update(
        field_attributes=field_attributes,
        nav_items=nav_items,
        current_nav=current_nav,
        htmx_version="2.0.11",
        Role=Role,
        may=may,
    )


def may(permission: str, *objects) -> bool:
    """``{% if may("coordinate_family", family) %}``: a page offers a link or a button only to
    whom the policy lets use it (templates name no roles)."""
    return getattr(policy, permission).allows(current_user, *objects)


def current_nav(items: Sequence[tuple[str, str]]) -> str | None:
    """The one navigation link for this page: the longest that the path starts with ("/" only
    for the home page), so that "Trained staff" is not marked along with "Training"."""
    path = request.path
    matches = [href for _, href in items if path == href or (href != "/" and path.startswith(href))]
    return max(matches, key=len, default=None)
