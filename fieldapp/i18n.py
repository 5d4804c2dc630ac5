"""The interface's language (Flask-Babel): English and Spanish catalogues in
``fieldapp/translations``.

The language of a request is, in order: the one the person chose on their account page, the
one chosen with the language switch before signing in (a cookie), then the browser's
Accept-Language. Families' messages use the family's home language instead (``in_language``).

What a family sees or receives (the time-choice page, the texts sent to them) has a catalogue
of its own, the ``family`` domain (``_f`` in templates, ``fgettext`` in Python), in many more
languages than the staff's pages: ``FAMILY_LOCALES``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError, localedata, support
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, has_request_context, render_template, request
from flask.globals import _cv_app  # the app context itself (see _babel_state)
from flask.json.provider import DefaultJSONProvider
from flask_babel import Babel, force_locale, get_locale, get_translations
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_context, pass_eval_context
from markupsafe import Markup
from wtforms.i18n import messages_path as wtforms_messages_path

# The interface languages, in their own words (a language switch shows each in itself).
LOCALES = {"en": "English", "es": "Español"}
DEFAULT_LOCALE = "en"
COOKIE = "lang"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
FAMILY_DOMAIN = "family"

# What families see and receive: English, Spanish and the most common home languages of US
# English learners after them (U.S. Department of Education, NCES), each in its own words. An
# installation adds one with a catalogue (translations/<code>/LC_MESSAGES/family.po).
FAMILY_LANGUAGES = {
    "en": "English",
    "es": "Español",
    "ar": "العربية",
    "zh": "中文（简体）",  # CLDR's zh is Simplified Chinese
    "vi": "Tiếng Việt",
    "pt": "Português",
    "so": "Soomaali",
    "ru": "Русский",
    "ht": "Kreyòl ayisyen",
    "hmn": "Hmoob",
    "tl": "Tagalog",
}
# A code a family's record or a browser may give → the catalogue that answers it. The codes are
# the home languages' own (ISO 639-1, or 639-3 where there is none: hmn).
FAMILY_LOCALE_OF = {"fil": "tl"}
HTML_LANG = {"zh": "zh-Hans"}
# CLDR (Babel) has no weekday and month names for these: the family catalogue words them.
OWN_DATE_NAMES = {"ht", "hmn"}

babel = Babel()


# Codes CLDR (Babel) does not know as themselves: Hmong (``hmn``) it has no data for, and
# Tagalog (``tl``) it turns into Filipino (``fil_PH``), whose catalogue would then not be found.
LOCALE_DATA_OF = {"hmn": "root", "tl": "fil"}


def _register_locales() -> None:
    """Make Babel (and so Flask-Babel's ``force_locale``) know each code of ``LOCALE_DATA_OF``
    with the data named there: for Hmong, CLDR's root — numbers and 24-hour times with no
    words in them; its day and month names come from the family catalogue
    (``OWN_DATE_NAMES``)."""
    for code, data in LOCALE_DATA_OF.items():
        if not Path(localedata.resolve_locale_filename(code)).exists():
            localedata._cache[code] = localedata.load(data)  # noqa: SLF001 — Babel has no API
    localedata.exists.cache_clear()  # it may have said no already


_register_locales()


def _family_locales() -> dict[str, str]:
    found = {
        path.parent.parent.name
        for path in TRANSLATIONS.glob(f"*/LC_MESSAGES/{FAMILY_DOMAIN}.po")
        if localedata.exists(path.parent.parent.name)
    }
    extra = {code: Locale.parse(code).get_display_name(code) for code in sorted(found)}
    return {**FAMILY_LANGUAGES, **{c: n for c, n in extra.items() if c not in FAMILY_LANGUAGES}}


FAMILY_LOCALES = _family_locales()


def family_locale(code: str | None) -> str | None:
    """The family catalogue for a recorded home language or a browser's tag ("zh-CN" → "zh",
    "pt-BR" → "pt"); None when there is none."""
    if not code:
        return None
    code = code.replace("-", "_")
    for tag in (code, code.split("_")[0]):
        candidate = FAMILY_LOCALE_OF.get(tag, tag)
        if candidate in FAMILY_LOCALES:
            return candidate
    return None


def text_direction(code: str) -> str:
    """``rtl`` for Arabic and every other right-to-left script, as CLDR says."""
    try:
        return "rtl" if Locale.parse(code).character_order == "right-to-left" else "ltr"
    except (UnknownLocaleError, ValueError):
        return "ltr"


def html_lang(code: str) -> str:
    """A catalogue's code as HTML's ``lang`` wants it (BCP 47): "zh" → "zh-Hans"."""
    return HTML_LANG.get(code, code.replace("_", "-"))


def select_locale() -> str:
    if not has_request_context():  # a task or a command: English, unless in_language says
        return DEFAULT_LOCALE
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    chosen = request.cookies.get(COOKIE)
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES) or DEFAULT_LOCALE


def _babel_state():
    """Where Flask-Babel keeps this app context's locale (``g._flask_babel``), read from the
    context itself: through the ``g`` proxy, each read walked Werkzeug's ``LocalProxy``, and
    the pages ask a few hundred times (every word and every number). AttributeError before
    Flask-Babel's first call, LookupError with no app context."""
    return _cv_app.get().g._flask_babel


def current_locale() -> str:
    """The request's language code. Read where Flask-Babel keeps the locale it chose (or was
    forced to), as ``translations`` does: its ``get_locale`` walks ``g`` anew on each call, and
    a report asks for every number it writes (the impact report: some 300). The code is kept
    next to the locale it was read from: a different locale (``force_locale``, ``refresh``)
    means a new lookup."""
    try:
        ns = _babel_state()
        locale = ns.babel_locale
    except (AttributeError, LookupError):  # not chosen yet, or no context
        ns = locale = None
    if locale is None:
        locale = get_locale()
        return str(locale) if locale is not None else DEFAULT_LOCALE
    cached = ns.__dict__.get("fieldapp_code")
    if cached is not None and cached[0] is locale:
        return cached[1]
    code = str(locale)
    ns.fieldapp_code = (locale, code)
    return code


@contextmanager
def in_language(code: str | None, *, family: bool = False) -> Iterator[str]:
    """Renders what is inside in ``code`` when we have that catalogue, else in English; yields
    the language used, so that the caller can say when it fell back. ``family``: what a family
    reads, in any of ``FAMILY_LOCALES`` (the staff's words inside stay English there)."""
    if family:
        used = family_locale(code) or DEFAULT_LOCALE
    else:
        used = code if code in LOCALES else DEFAULT_LOCALE
    with force_locale(used):
        yield used


def compile_catalogues(directory: Path = TRANSLATIONS) -> None:
    """``pybabel compile`` in Python: each .po (messages, family) to its .mo, fuzzy entries left
    out (the tests compile before they run, so that they never read a stale catalogue)."""
    for po_path in directory.glob("*/LC_MESSAGES/*.po"):
        with po_path.open("rb") as po:
            catalogue = read_po(po)
        # Written aside, then moved into place: a test worker reading it meanwhile sees a whole
        # file, the old or the new.
        temporary = po_path.with_suffix(f".mo.{os.getpid()}")
        with temporary.open("wb") as mo:
            write_mo(mo, catalogue)
        os.replace(temporary, po_path.with_suffix(".mo"))


def translations():
    """The catalogue of the request's language, found once per language per request.

    Flask-Babel's own lookup walks the request globals several times on every call (``g``, the
    locale, the domain): My visits makes some 50 calls, and that walk was a tenth of the page's
    time. Kept next to Flask-Babel's locale, so ``force_locale`` (``in_language``) and
    ``refresh`` are followed: a different locale object means a new lookup."""
    try:
        ns = _babel_state()
    except (AttributeError, LookupError):  # before Flask-Babel's first call, or no context
        return get_translations()
    locale = getattr(ns, "babel_locale", None)
    cached = ns.__dict__.get("fieldapp_translations")
    if locale is not None and cached is not None and cached[0] is locale:
        return cached[1]
    found = get_translations()
    ns.fieldapp_translations = (getattr(ns, "babel_locale", None), found)
    return found


def gettext(string: str, **variables) -> str:
    """Flask-Babel's ``gettext``, with the catalogue found once per request (``translations``)."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """Flask-Babel's ``ngettext`` (``num`` is a variable too), as ``gettext`` above."""
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


def pgettext(context: str, string: str, **variables) -> str:
    text = translations().upgettext(context, string)
    return text % variables if variables else text


def family_label(name: str | None, *, to_family: bool = False) -> str:
    """A household as people are told of it, in the reader's language: "Nguyen family",
    "Familia Nguyen". The data holds only the household's own name (``Family.name``); the word
    "family" comes from the catalogue here, never from the data (the ``family`` filter).
    ``to_family``: in a text the family reads (the family catalogue)."""
    if to_family:
        return fgettext("a family") if not name else fgettext("%(name)s family", name=name)
    if not name:
        return gettext("a family")
    return gettext("%(name)s family", name=name)


def lazy_gettext(string: str, **variables) -> LazyString:
    """Translated when used (labels made at import time), with ``gettext`` above."""
    return LazyString(gettext, string, **variables)


# ---- the family catalogue --------------------------------------------------------------------

_FAMILY_CATALOGUES: dict[str, support.NullTranslations] = {}


def family_translations(code: str | None = None) -> support.NullTranslations:
    """The family catalogue of ``code``, else of the current language (``in_language(...,
    family=True)``), loaded once per language in each process."""
    code = code or current_locale()
    found = _FAMILY_CATALOGUES.get(code)
    if found is None:
        found = support.Translations.load(str(TRANSLATIONS), [code], domain=FAMILY_DOMAIN)
        _FAMILY_CATALOGUES[code] = found
    return found


def fgettext(string: str, **variables) -> str:
    """``gettext`` from the family catalogue: words a family reads."""
    text = family_translations().ugettext(string)
    return text % variables if variables else text


def fpgettext(context: str, string: str, **variables) -> str:
    text = family_translations().upgettext(context, string)
    return text % variables if variables else text


def fpgettext_noop(context: str, string: str) -> str:
    """Marks a word for the family catalogue, translated later with ``fpgettext``."""
    return string


def lazy_fgettext(string: str, **variables) -> LazyString:
    return LazyString(fgettext, string, **variables)


@pass_context
def _jinja_fgettext(context, string: str, **variables) -> str:
    """``_f`` in templates, escaping as Jinja's own newstyle ``_`` does."""
    text = family_translations().ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables if variables else text


# ``_``, ``gettext``, ``ngettext``… in templates: what Jinja's newstyle callables do (escape the
# text when the template does, then always treat it as a format string; the message's own
# arguments positional only, so ``num=`` or ``context=`` may be passed as variables), in one
# call. Jinja's own go through the context three times per ``_()`` (``_`` resolves ``gettext``,
# which calls the lookup): a page calls ``_`` a few hundred times, and those calls were a tenth
# of its rendering.


@pass_eval_context
def _jinja_gettext(eval_ctx, string: str, /, **variables) -> str:
    text = translations().ugettext(string)
    return (Markup(text) if eval_ctx.autoescape else text) % variables


@pass_eval_context
def _jinja_ngettext(eval_ctx, singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("num", num)
    text = translations().ungettext(singular, plural, num)
    return (Markup(text) if eval_ctx.autoescape else text) % variables


@pass_eval_context
def _jinja_pgettext(eval_ctx, context: str, string: str, /, **variables) -> str:
    variables.setdefault("context", context)
    text = translations().upgettext(context, string)
    return (Markup(text) if eval_ctx.autoescape else text) % variables


@pass_eval_context
def _jinja_npgettext(
    eval_ctx, context: str, singular: str, plural: str, num: int, /, **variables
) -> str:
    variables.setdefault("context", context)
    variables.setdefault("num", num)
    text = translations().unpgettext(context, singular, plural, num)
    return (Markup(text) if eval_ctx.autoescape else text) % variables


_RENDERED_ONCE: dict[tuple[str, str], Markup] = {}


def rendered_once(template: str) -> Markup:
    """A template that depends on the language only (no request, no person, no data), rendered
    once per language in each process: the words app.js shows are in every page's head."""
    key = (template, current_locale())
    found = _RENDERED_ONCE.get(key)
    if found is None:
        found = _RENDERED_ONCE[key] = Markup(render_template(template))
    return found


class JSONProvider(DefaultJSONProvider):
    """Labels marked with lazy_gettext go out as the text of the request's language."""

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, LazyString):
            return str(o)
        return DefaultJSONProvider.default(o)


_WTFORMS_CATALOGUES: dict[str, support.Translations] = {}


def _wtforms_translations(_request) -> support.Translations:
    """WTForms' own messages ("Not a valid choice") in the request's language, loaded once per
    language in each process. Flask-WTF reads ``request.wtforms_translations`` and, when a
    request has none, parses WTForms' catalogue from disk again: once per request that
    validates a form."""
    code = current_locale()
    found = _WTFORMS_CATALOGUES.get(code)
    if found is None:
        found = support.Translations.load(wtforms_messages_path(), [code], domain="wtforms")
        _WTFORMS_CATALOGUES[code] = found
    return found


def init_app(app: Flask) -> None:
    app.request_class = type(
        app.request_class.__name__,
        (app.request_class,),
        {"wtforms_translations": property(_wtforms_translations)},
    )
    app.json_provider_class = JSONProvider
    app.json = JSONProvider(app)
    babel.init_app(app, locale_selector=select_locale, default_domain="messages")
    app.jinja_env.globals.update(
        current_locale=current_locale,
        LOCALES=LOCALES,
        FAMILY_LOCALES=FAMILY_LOCALES,
        rendered_once=rendered_once,
        text_direction=text_direction,
        html_lang=html_lang,
        _f=_jinja_fgettext,
    )
    app.jinja_env.install_gettext_callables(  # Flask-Babel's, with the lookup above
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(  # the same, each in one call (above ``_RENDERED_ONCE``)
        _=_jinja_gettext,
        gettext=_jinja_gettext,
        ngettext=_jinja_ngettext,
        pgettext=_jinja_pgettext,
        npgettext=_jinja_npgettext,
    )

    @app.after_request
    def _vary(response):
        # As ``response.vary.add`` twice, without parsing the header into a set and writing it
        # back twice in the usual cases: no Vary yet, or the session's "Cookie" only.
        headers = response.headers
        vary = headers.get("Vary")
        if vary is None:
            headers["Vary"] = "Accept-Language, Cookie"
        elif vary == "Cookie":
            headers["Vary"] = "Cookie, Accept-Language"
        else:
            response.vary.add("Accept-Language")
            response.vary.add("Cookie")
        return response
