"""Home languages as rosters write them ("es", "es-MX", "spa", "Spanish", "español"), read as
ISO 639-1 codes. OneRoster has no home language (1.1 and 1.2 ``demographics.csv`` carry birth,
sex, race and residence only); vendors add one as a ``metadata.*`` column (``LANGUAGE_COLUMNS``)
on ``users.csv`` or ``demographics.csv``. A language not recognised stays unknown, with a
warning on its line; it is never guessed."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

from fieldapp.i18n import gettext as _
from fieldapp.roster.rows import Roster, Where

# Where vendors put a home language (lower-cased column names), first found wins.
LANGUAGE_COLUMNS = (
    "metadata.homelanguage",
    "metadata.home_language",
    "metadata.primarylanguage",
    "metadata.primary_language",
    "metadata.language",
    "metadata.languagecode",
    "metadata.language_code",
    "metadata.spokenlanguage",
    "metadata.preferredlanguage",
)
# ISO 639-2 (bibliographic and terminology) codes of the languages schools meet most, to 639-1.
_ISO_639_2 = {
    "eng": "en", "spa": "es", "vie": "vi", "som": "so", "zho": "zh", "chi": "zh", "ara": "ar",
    "tgl": "tl", "fil": "tl", "hat": "ht", "por": "pt", "fra": "fr", "fre": "fr", "rus": "ru",
    "kor": "ko", "jpn": "ja", "hin": "hi", "urd": "ur", "ben": "bn", "pan": "pa", "fas": "fa",
    "per": "fa", "prs": "fa", "pus": "ps", "amh": "am", "tir": "ti", "swa": "sw", "ukr": "uk",
    "pol": "pl", "deu": "de", "ger": "de", "ita": "it", "khm": "km", "lao": "lo", "tha": "th",
    "mya": "my", "bur": "my", "nep": "ne", "guj": "gu", "tel": "te", "tam": "ta", "mar": "mr",
    "yor": "yo", "ibo": "ig", "hau": "ha", "orm": "om", "kin": "rw", "run": "rn", "ell": "el",
    "gre": "el", "heb": "he", "tur": "tr", "ron": "ro", "rum": "ro", "hye": "hy", "arm": "hy",
}  # fmt: skip


_LANGUAGE_NAMES: dict[str, str] = {}


def _language_names() -> dict[str, str]:
    """Language names to codes: English names and each language's own ("Spanish", "español")."""
    if not _LANGUAGE_NAMES:
        english = Locale("en").languages
        for code, name in english.items():
            if "_" not in code:
                _LANGUAGE_NAMES.setdefault(name.lower(), code)
        for code in [c for c in english if len(c) == 2]:
            try:
                own = Locale(code).get_display_name(code)
            except (UnknownLocaleError, ValueError):
                continue
            if own:
                _LANGUAGE_NAMES.setdefault(own.lower(), code)
    return _LANGUAGE_NAMES


def language_code(value: str) -> str | None:
    """An ISO 639-1 code for what a roster wrote ("es", "es-MX", "spa", "Spanish", "español"),
    or a known three-letter code for a language that has no two-letter one (Hmong: "hmn");
    None when the value is not a language we recognise."""
    value = value.strip().lower().replace("_", "-")
    if not value:
        return None
    known = Locale("en").languages
    base = value.split("-")[0]
    if len(base) == 2 and base.isalpha() and base in known:
        return base
    if len(base) == 3 and base.isalpha():
        if base in _ISO_639_2:
            return _ISO_639_2[base]
        if base in known:
            return base
    name = value.split(",")[0].split("(")[0].strip()
    code = _language_names().get(name)
    return code if code and len(code) <= 3 else None


def row_language(row: dict[str, str], roster: Roster, where: Where) -> str | None:
    """The home language a vendor's ``metadata.*`` column gives; an unreadable one is unknown,
    with a warning on the line."""
    column = next((c for c in LANGUAGE_COLUMNS if row.get(c)), None)
    if column is None:
        return None
    code = language_code(row[column])
    if code is None:
        roster.warn(
            where,
            _(
                "%(column)s: “%(value)s” is no language we know; the language stays unknown.",
                column=column,
                value=row[column][:40],
            ),
        )
    return code
