"""Merge fieldapp/translations/family.pot into every family.po (``make i18n-update``).

`pybabel update` refuses Hmong (``hmn``: CLDR has no data for it); fieldapp.i18n makes Babel
know the code, so the merge runs here, as `pybabel update --ignore-obsolete` would."""

from __future__ import annotations

from babel.messages.pofile import read_po, write_po

from fieldapp.i18n import FAMILY_DOMAIN, TRANSLATIONS


def main() -> None:
    with (TRANSLATIONS / f"{FAMILY_DOMAIN}.pot").open("rb") as f:
        template = read_po(f)
    for path in sorted(TRANSLATIONS.glob(f"*/LC_MESSAGES/{FAMILY_DOMAIN}.po")):
        code = path.parent.parent.name
        with path.open("rb") as f:
            catalogue = read_po(f, locale=code)
        catalogue.update(template)
        with path.open("wb") as f:
            write_po(f, catalogue, width=100, ignore_obsolete=True)
        print(f"updated {path.relative_to(TRANSLATIONS)}")


if __name__ == "__main__":
    main()
