"""The texts sent to families: the school's wording or the default, in the family's language,
with the visit's details filled in.

Stored texts are written by coordinators, so they are filled by a whitelist: ``{name}`` for a
name in ``PLACEHOLDERS`` is replaced, anything else in braces is left as it was typed (never
``str.format``, which would read attributes and fail on a stray brace).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime, format_skeleton
from babel.lists import format_list

from fieldapp import audit, rules
from fieldapp.extensions import db
from fieldapp.formatting import LANGUAGES, WHEN_PATTERNS, local
from fieldapp.i18n import (
    DEFAULT_LOCALE,
    FAMILY_LOCALES,
    OWN_DATE_NAMES,
    family_label,
    family_locale,
    family_translations,
    fpgettext_noop,
    in_language,
)
from fieldapp.i18n import fgettext as _f
from fieldapp.i18n import gettext as _
from fieldapp.i18n import lazy_fgettext as _fl
from fieldapp.i18n import lazy_gettext as _l
from fieldapp.messages import queries
from fieldapp.models import (
    Family,
    Guardian,
    MessageKind,
    MessageTemplate,
    School,
    User,
    Visit,
    utcnow,
)

MAX_LENGTH = 1000
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

# What a text may use, with what each becomes (shown to coordinators beside the editor).
PLACEHOLDERS = {
    "family": _l(
        "the family, named in the text's language: “Garcia family” in English, "
        "“Familia Garcia” in Spanish"
    ),
    "students": _l("the first names of the students the visit is about"),
    "visitors": _l("the first names of the visitors"),
    "time": _l(
        "the proposed day and time (“on Tue 1 Dec, 4:30 pm”), or “at a time that suits you” "
        "when none is set yet"
    ),
    "school": _l("the school's name"),
    "visitor_phone": _l("the phone number of the visitor who sends the text"),
    "link": _l("the link where the family chooses a time (in the offer of times)"),
}

KIND_LABELS = {
    MessageKind.INVITATION: _l("Invitation to a visit"),
    MessageKind.SLOT_OFFER: _l("Times to choose from"),
    MessageKind.REMINDER: _l("Reminder the day before"),
}
KIND_HELP = {
    MessageKind.INVITATION: _l(
        "What visitors send a family to offer a visit, from their phone or by email."
    ),
    MessageKind.SLOT_OFFER: _l(
        "What visitors send with the link where the family chooses a time and a place."
    ),
    MessageKind.REMINDER: _l("What visitors send the family the day before the visit."),
}

# The default texts, translated by the catalogue (so there is one in each interface language).
DEFAULTS = {
    MessageKind.INVITATION: _fl(
        "Hello! We are {visitors}, from {school}. We would love to visit your family {time}, "
        "at your home or a place you prefer, to get to know you and to hear your hopes and "
        "dreams for {students}. The visit is voluntary and takes about 30 minutes. Would you "
        "like that? Just reply to this message. Thank you!"
    ),
    MessageKind.SLOT_OFFER: _fl(
        "Hello! We are {visitors}, from {school}. We would love to visit your family, to get "
        "to know you and to hear your hopes and dreams for {students}. The visit is voluntary "
        "and takes about 30 minutes. Please choose a time and a place that suit you here: "
        "{link} Thank you!"
    ),
    MessageKind.REMINDER: _fl(
        "Hello! This is a reminder from {visitors}, of {school}: we look forward to our visit "
        "{time}. If the time no longer suits you, just reply to this message. Thank you!"
    ),
}
EMAIL_SUBJECTS = {
    MessageKind.INVITATION: _fl("A visit from %(school)s"),
    MessageKind.SLOT_OFFER: _fl("A visit from %(school)s: choose a time"),
    MessageKind.REMINDER: _fl("Our visit tomorrow (%(school)s)"),
}


def default_languages() -> list[str]:
    """The languages every text has a default in: the family catalogue's."""
    return list(FAMILY_LOCALES)


def language_name(code: str) -> str:
    """The language's name in the reader's language ("Vietnamese", "vietnamita")."""
    return str(LANGUAGES.get(code, code))


# ---- filling a text ---------------------------------------------------------------------------


def placeholders_in(body: str) -> list[str]:
    return list(dict.fromkeys(PLACEHOLDER.findall(body)))


def unknown_placeholders(body: str) -> list[str]:
    """What looks like a placeholder but is none of ours: a typo, "{0}", "{visit.school}"."""
    found = re.findall(r"\{([^{}\n]{1,40})\}", body)
    return [name for name in dict.fromkeys(found) if name not in PLACEHOLDERS]


def fill(body: str, values: Mapping[str, str]) -> str:
    """``{name}`` → ``values[name]`` for the known names; unknown braces stay as typed."""

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name in PLACEHOLDERS and name in values:
            return values[name]
        return match.group(0)

    return PLACEHOLDER.sub(replace, body)


def names_list(names: Iterable[str], code: str) -> str:
    """ "Ana and Luis" in English, "Ana y Luis" in Spanish (CLDR's list patterns)."""
    names = [n for n in names if n]
    try:
        return format_list(names, locale=code) if names else ""
    except (UnknownLocaleError, ValueError):
        return format_list(names, locale=DEFAULT_LOCALE)


def time_phrase(start: datetime | None, tz_name: str, code: str) -> str:
    """The ``{time}`` of a text in language ``code``: "on Tue 1 Dec, 4:30 pm", or a wording
    without a time when none is set. Call inside ``in_language(..., family=True)``. A language
    without a catalogue gets the bare day and time in its own words (we cannot word the rest)."""
    if family_locale(code):
        if start is None:
            return _f("at a time that suits you")
        return _f("on %(when)s", when=day_and_time(start, tz_name, code))
    return day_and_time(start, tz_name, code) if start is not None else ""


# Weekday and month names for the family languages CLDR has none for (OWN_DATE_NAMES), from
# the family catalogue; Monday first, as Python's weekday().
WEEKDAYS = (
    fpgettext_noop("weekday", "Monday"),
    fpgettext_noop("weekday", "Tuesday"),
    fpgettext_noop("weekday", "Wednesday"),
    fpgettext_noop("weekday", "Thursday"),
    fpgettext_noop("weekday", "Friday"),
    fpgettext_noop("weekday", "Saturday"),
    fpgettext_noop("weekday", "Sunday"),
)
MONTHS = (
    fpgettext_noop("month", "January"),
    fpgettext_noop("month", "February"),
    fpgettext_noop("month", "March"),
    fpgettext_noop("month", "April"),
    fpgettext_noop("month", "May"),
    fpgettext_noop("month", "June"),
    fpgettext_noop("month", "July"),
    fpgettext_noop("month", "August"),
    fpgettext_noop("month", "September"),
    fpgettext_noop("month", "October"),
    fpgettext_noop("month", "November"),
    fpgettext_noop("month", "December"),
)


def day_and_time(start: datetime, tz_name: str, code: str) -> str:
    """As the app writes it ("Tue 1 Dec, 4:30 pm", "mar 1 dic, 16:30"), in ``code`` whether or
    not a request is being served (``format_when`` follows the request's language)."""
    if code in OWN_DATE_NAMES:
        at = local(start, tz_name)
        names = family_translations(code)
        weekday = names.upgettext("weekday", WEEKDAYS[at.weekday()])
        month = names.upgettext("month", MONTHS[at.month - 1])
        return f"{weekday} {at.day} {month}, {at:%H:%M}"
    try:
        locale = Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        locale, code = Locale.parse(DEFAULT_LOCALE), DEFAULT_LOCALE
    at = local(start, tz_name)
    if code not in WHEN_PATTERNS:
        # Another family language: CLDR's own order and words for a short day and a 24-hour
        # time ("12月7日周一 16:30", "الاثنين، 7 ديسمبر، 16:30").
        day = format_skeleton("MMMEd", at, locale=locale)
        return str(locale.datetime_formats["medium"]).format(
            format_skeleton("Hm", at, locale=locale), day
        )
    text = format_datetime(at, WHEN_PATTERNS[code], locale=locale)
    if code == "en":
        text = text.replace("AM", "am").replace("PM", "pm")
    return text.replace(".", "")  # CLDR's Spanish abbreviations end with a dot: "dic."


def values_for(visit: Visit, sender: User | None, code: str) -> dict[str, str]:
    tz = visit.school.timezone
    visitors = [m.user.first_name for m in visit.team]
    phone = sender.phone if sender is not None and sender.phone else None
    phone = phone or next((m.user.phone for m in visit.team if m.user.phone), "")
    return {
        "family": family_label(visit.family.name, to_family=True) if visit.family else "",
        "students": names_list((s.first_name for s in visit.students), code),
        "visitors": names_list(visitors, code),
        "time": time_phrase(visit.scheduled_start, tz, code),
        "school": visit.school.name,
        "visitor_phone": phone,
        "link": "",
    }


def sample_values(school: School, code: str) -> dict[str, str]:
    """What a preview fills in: made-up names, 4:30 pm a week from today at the school."""
    here = local(utcnow(), school.timezone) + timedelta(days=7)
    start = here.replace(hour=16, minute=30, second=0, microsecond=0)
    return {
        "family": family_label("Garcia", to_family=True),
        "students": names_list(["Sofia", "Mateo"], code),
        "visitors": names_list(["Ana", "Luis"], code),
        "time": time_phrase(start, school.timezone, code),
        "school": school.name,
        "visitor_phone": "(510) 555-0142",
        "link": "https://example.org/o/a1b2c3",
    }


def preview(school: School, kind: MessageKind, code: str) -> str | None:
    """The school's current text in ``code`` filled with sample values (None: no text)."""
    body, _stored = current_text(school.id, kind, code)
    if body is None:
        return None
    with in_language(code, family=True):
        return fill(body, sample_values(school, code))


# ---- which text ---------------------------------------------------------------------------------


def stored_text(school_id: int, kind: MessageKind, code: str) -> MessageTemplate | None:
    return db.session.scalar(queries.school_text(school_id, kind, code))


def default_text(kind: MessageKind, code: str) -> str | None:
    """The default wording in ``code``, or None for a language without a family catalogue."""
    if family_locale(code) is None:
        return None
    with in_language(code, family=True):
        return str(DEFAULTS[kind])


def current_text(
    school_id: int, kind: MessageKind, code: str
) -> tuple[str | None, MessageTemplate | None]:
    """The school's text in ``code`` if it wrote one, else the default (None: neither)."""
    stored = stored_text(school_id, kind, code)
    return (stored.body if stored else default_text(kind, code)), stored


def languages_with_text(school_id: int, kind: MessageKind) -> list[str]:
    """The family languages (defaults), then what the school wrote in other languages."""
    stored = {t.language for t in db.session.scalars(queries.school_texts(school_id, kind))}
    return default_languages() + sorted(stored - set(FAMILY_LOCALES))


@dataclass(frozen=True)
class TextsOverview:
    """The coordinator's page of the school's texts, read in two queries."""

    languages: list[str]  # shown first: English, Spanish, the families', the school's own
    others: list[str]  # the other languages with a default text, a link away
    texts: dict[tuple[MessageKind, str], tuple[str | None, MessageTemplate | None]]


def _languages_found(school_id: int) -> tuple[set[str], list[MessageTemplate]]:
    stored = list(db.session.scalars(queries.school_texts(school_id)))
    found = {code for code in db.session.scalars(queries.family_languages(school_id)) if code}
    return found | {t.language for t in stored}, stored


def texts_overview(school_id: int) -> TextsOverview:
    """Every kind of text in the languages the coordinator sees first (English, Spanish, the
    home languages of the school's families and any the school wrote in); the other family
    languages have their default texts too, a link away."""
    found, stored = _languages_found(school_id)
    first = ["en", "es"]
    shown = first + [c for c in default_languages() if c in found and c not in first]
    shown += sorted(found - set(FAMILY_LOCALES))
    mine = {(t.kind, t.language): t for t in stored}
    texts = {}
    for kind in MessageKind:
        for code in shown:
            text = mine.get((kind, code))
            texts[kind, code] = (text.body if text else default_text(kind, code)), text
    others = [c for c in default_languages() if c not in shown]
    return TextsOverview(shown, others, texts)


def editable_languages(school_id: int) -> list[str]:
    """What a coordinator may write texts in: the defaults' languages, the home languages of the
    school's families, and any the school already wrote in."""
    found, _stored = _languages_found(school_id)
    return default_languages() + sorted(found - set(FAMILY_LOCALES))


# ---- the invitation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    guardian: Guardian
    sms: str | None  # an sms: link with the text, when the guardian has a phone
    mail: str | None  # a mailto: link, when the guardian has an email


@dataclass(frozen=True)
class Invitation:
    visit: Visit
    wanted: str  # the language asked for (the family's, or one chosen on the page)
    language: str  # the language of the text shown (English when ``wanted`` has none)
    text: str
    school_wrote_it: bool
    refused: str | None  # why no invitation may be sent (the family's wish, a closed visit)
    recipients: list[Recipient]
    languages: list[str]  # the languages a text exists in, for the switch
    # The family's language is not known and none was chosen on the page: the text shown is
    # the English one, and the page asks for a language before offering to send it.
    language_unknown: bool = False

    @property
    def fell_back(self) -> bool:
        return self.language != self.wanted


def sms_link(phone: str, text: str) -> str:
    return f"sms:{phone}?body={quote(text, safe='')}"


def mail_link(email: str, subject: str, text: str) -> str:
    subject, text = quote(subject, safe=""), quote(text, safe="")
    return f"mailto:{quote(email, safe='@')}?subject={subject}&body={text}"


def refusal(visit: Visit) -> str | None:
    family: Family | None = visit.family
    if family is None:
        return _("This visit has no family yet: there is nobody to invite.")
    if family.do_not_contact:
        return _(
            "This family asked not to be contacted. Their wish is kept: no invitation is sent."
        )
    if visit.status not in rules.OPEN_STATUSES:
        return _(
            "This visit is closed (%(status)s): there is no invitation to send.",
            status=rules.STATUS_LABELS[visit.status],
        )
    return None


def invitation(
    visit: Visit,
    sender: User | None,
    language: str | None = None,
    *,
    audit_as: User | None = None,
    kind: MessageKind = MessageKind.INVITATION,
    extra: Mapping[str, str] | None = None,
    ask_language: bool = True,
) -> Invitation:
    """The invitation (or another ``kind`` of text, with ``extra`` values such as the link of
    an offer of times) for ``visit`` in ``language`` (default: the family's home language); the
    English text, said so, when there is none in it. When the family's language is not known
    and none is asked for, no send links are offered (``ask_language``) unless the text cannot be
    shown again (an offer's link). Leaves an audit event for ``audit_as``
    (the page shows the family's phone numbers)."""
    family = visit.family
    unknown = language is None and family is not None and family.home_language is None
    wanted = language or (family.home_language if family else None) or DEFAULT_LOCALE
    body, stored = current_text(visit.school_id, kind, wanted)
    used = wanted
    if body is None:
        used = DEFAULT_LOCALE
        body, stored = current_text(visit.school_id, kind, used)
    with in_language(used, family=True):
        text = fill(body, {**values_for(visit, sender, used), **(extra or {})})
        subject = str(EMAIL_SUBJECTS[kind]) % {"school": visit.school.name}
    refused = refusal(visit)
    recipients = []
    if refused is None and family is not None and not (unknown and ask_language):
        for g in family.guardians:
            sms = sms_link(g.phone, text) if g.phone else None
            mail = mail_link(g.email, subject, text) if g.email else None
            if sms or mail:
                recipients.append(Recipient(g, sms, mail))
    if audit_as is not None:
        audit.record(
            f"message.{kind.value}.view",
            actor=audit_as,
            obj=visit,
            school_id=visit.school_id,
            language=used,
        )
    return Invitation(
        visit=visit,
        wanted=wanted,
        language=used,
        text=text,
        school_wrote_it=stored is not None,
        refused=refused,
        recipients=recipients,
        languages=languages_with_text(visit.school_id, kind),
        language_unknown=unknown,
    )


# ---- coordinators' changes ----------------------------------------------------------------------


def normalize(body: str | None) -> str:
    return (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def save_text(
    school: School, kind: MessageKind, code: str, body: str, *, by: User
) -> MessageTemplate:
    stored = stored_text(school.id, kind, code)
    if stored is None:
        stored = MessageTemplate(school_id=school.id, kind=kind, language=code, body=body)
        db.session.add(stored)
    stored.body = body
    stored.updated_by_id = by.id
    stored.updated_at = utcnow()
    db.session.flush()
    audit.record(
        "message_template.save",
        actor=by,
        obj=stored,
        school_id=school.id,
        kind=kind.value,
        language=code,
    )
    return stored


def reset_text(school: School, kind: MessageKind, code: str, *, by: User) -> bool:
    """Back to the default (or, in a language without one, no text): the school's is deleted."""
    stored = stored_text(school.id, kind, code)
    if stored is None:
        return False
    audit.record(
        "message_template.reset",
        actor=by,
        obj=stored,
        school_id=school.id,
        kind=kind.value,
        language=code,
    )
    db.session.delete(stored)
    db.session.flush()
    return True
