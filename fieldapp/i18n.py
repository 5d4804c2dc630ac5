"""The interface's language (Flask-Babel): English and Spanish catalogues in
``fieldapp/translations``.

The language of a request is, in order: the one the person chose on their account page, the
one chosen with the language switch before signing in (a cookie), then the browser's
Accept-Language. Families' messages use the family's home language instead (``in_language``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, g, has_request_context, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import Babel, force_locale, get_locale, get_translations
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import Markup

# The interface languages, in their own words (a language switch shows each in itself).
LOCALES = {"en": "English", "es": "Español"}
DEFAULT_LOCALE = "en"
COOKIE = "lang"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"

babel = Babel()


def select_locale() -> str:
    if not has_request_context():  # a task or a command: English, unless in_language says
        return DEFAULT_LOCALE
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    chosen = request.cookies.get(COOKIE)
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES) or DEFAULT_LOCALE


def current_locale() -> str:
    return str(get_locale() or DEFAULT_LOCALE)


@contextmanager
def in_language(code: str | None) -> Iterator[str]:
    """Renders what is inside in ``code`` when we have that catalogue, else in English; yields
    the language used, so that the caller can say when it fell back."""
    used = code if code in LOCALES else DEFAULT_LOCALE
    with force_locale(used):
        yield used


def compile_catalogues(directory: Path = TRANSLATIONS) -> None:
    """``pybabel compile`` in Python: each messages.po to its messages.mo, fuzzy entries left out
    (the tests compile before they run, so that they never read a stale catalogue)."""
    for po_path in directory.glob("*/LC_MESSAGES/messages.po"):
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
        ns = g._flask_babel
    except (AttributeError, RuntimeError):  # before Flask-Babel's first call, or no context
        return get_translations()
    locale = getattr(ns, "babel_locale", None)
    cached = getattr(ns, "fieldapp_translations", None)
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


def family_label(name: str | None) -> str:
    """A household as people are told of it, in the reader's language: "Nguyen family",
    "Familia Nguyen". The data holds only the household's own name (``Family.name``); the word
    "family" comes from the catalogue here, never from the data (the ``family`` filter)."""
    if not name:
        return gettext("a family")
    return gettext("%(name)s family", name=name)


def lazy_gettext(string: str, **variables) -> LazyString:
    """Translated when used (labels made at import time), with ``gettext`` above."""
    return LazyString(gettext, string, **variables)


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


def init_app(app: Flask) -> None:
    app.json_provider_class = JSONProvider
    app.json = JSONProvider(app)
    babel.init_app(app, locale_selector=select_locale, default_domain="messages")
    app.jinja_env.globals.update(
        current_locale=current_locale, LOCALES=LOCALES, rendered_once=rendered_once
    )
    app.jinja_env.install_gettext_callables(  # Flask-Babel's, with the lookup above
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )

    @app.after_request
    def _vary(response):
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
        return response
