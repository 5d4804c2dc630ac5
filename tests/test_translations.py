"""The Spanish catalogue is complete: every string marked for translation in the code and the
templates (extracted now, as `make i18n-extract` does) has a Spanish message that is neither
missing nor fuzzy, with the same placeholders. A new English string cannot ship untranslated.
The family catalogue (what families read) is complete in every family language."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from fieldapp.i18n import FAMILY_DOMAIN, FAMILY_LOCALES, LOCALES, TRANSLATIONS

ROOT = Path(__file__).resolve().parent.parent
PYBABEL = Path(sys.executable).with_name("pybabel")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [PYBABEL, "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "--no-location"]
        + ["--omit-header", "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        return read_po(f)


# As the Makefile's FAMILY_KEYWORDS.
FAMILY_KEYWORDS = ["_f", "_fl", "fgettext", "lazy_fgettext", "fpgettext:1c,2"]
FAMILY_KEYWORDS += ["fpgettext_noop:1c,2"]


@pytest.fixture(scope="module")
def family_template(tmp_path_factory):
    pot = tmp_path_factory.mktemp("i18n") / "family.pot"
    keywords = [arg for k in FAMILY_KEYWORDS for arg in ("-k", k)]
    subprocess.run(
        [PYBABEL, "extract", "-F", "babel.cfg", "--no-default-keywords", *keywords]
        + ["--no-location", "--omit-header", "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        return read_po(f)


def _catalogue(code: str, domain: str = "messages"):
    with (TRANSLATIONS / code / "LC_MESSAGES" / f"{domain}.po").open("rb") as f:
        return read_po(f, locale=code)


@pytest.mark.parametrize("code", sorted(set(LOCALES) - {"en"}))
def test_every_marked_string_has_a_finished_translation(template, code):
    _check_complete(template, _catalogue(code), code)


FAMILY_CODES = sorted(set(FAMILY_LOCALES) - {"en"})


@pytest.mark.parametrize("code", FAMILY_CODES)
def test_every_family_message_is_translated_in_every_family_language(family_template, code):
    assert len(family_template) > 50  # the family's page, its answers, the texts, dates' words
    _check_complete(family_template, _catalogue(code, FAMILY_DOMAIN), code)


BRACES = re.compile(r"\{\w+\}")


@pytest.mark.parametrize("code", FAMILY_CODES)
def test_family_translations_keep_the_placeholders_of_the_texts(code):
    """``{visitors}``, ``{time}``… in the texts a school sends: each one, once (Babel checks
    the ``%(name)s`` ones)."""
    catalogue = _catalogue(code, FAMILY_DOMAIN)
    problems = [
        message.id
        for message in catalogue
        if message.id
        and sorted(BRACES.findall(message.id)) != sorted(BRACES.findall(message.string))
    ]
    problems += [(m.id, [str(e) for e in errors]) for m, errors in catalogue.check()]
    assert not problems


def _check_complete(template, catalogue, code):
    missing, fuzzy, empty = [], [], []
    for message in template:
        if not message.id:
            continue
        translated = catalogue.get(message.id, message.context)
        if translated is None:
            missing.append(message.id)
        elif translated.fuzzy:
            fuzzy.append(message.id)
        elif not all(translated.string if translated.pluralizable else [translated.string]):
            empty.append(message.id)
    print(f"{code}: {len(template)} marked messages checked")
    assert not missing, f"not in the {code} catalogue (run make i18n-update, translate): {missing}"
    assert not fuzzy, f"fuzzy in the {code} catalogue: {fuzzy}"
    assert not empty, f"untranslated in the {code} catalogue: {empty}"


@pytest.mark.parametrize("code", sorted(set(LOCALES) - {"en"}))
def test_translations_keep_the_placeholders(code):
    problems = [
        (message.id, [str(e) for e in errors]) for message, errors in _catalogue(code).check()
    ]
    assert not problems


def test_the_catalogue_is_compiled_for_the_tests():
    for code in set(LOCALES) - {"en"}:
        mo = TRANSLATIONS / code / "LC_MESSAGES" / "messages.mo"
        po = mo.with_suffix(".po")
        assert mo.stat().st_mtime >= po.stat().st_mtime
    for code in FAMILY_CODES:
        mo = TRANSLATIONS / code / "LC_MESSAGES" / f"{FAMILY_DOMAIN}.mo"
        assert mo.stat().st_mtime >= mo.with_suffix(".po").stat().st_mtime
