"""Fill a catalogue from JSON files of translations, after `make i18n-update`.

    .venv/bin/python scripts/i18n_fill.py es new-strings.json [more.json ...]
    .venv/bin/python scripts/i18n_fill.py --domain family --machine vi family-vi.json

``--domain family``: the catalogue of what families read. ``--machine``: the translations are
machine-assisted: each gets the flag "machine" (``#, machine``) for a person who reads the
language to review (and then drop the flag).

Each JSON file maps an English message id to its translation; a plural message maps its
singular id to a list of forms (Spanish: three, as CLDR counts them); a message with a context
(pgettext) is keyed "[context] id". Messages already
translated and not fuzzy are left alone unless --overwrite. Prints what is still untranslated.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from fieldapp.i18n import TRANSLATIONS  # noqa: E402 — also makes Babel know Hmong (hmn)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("locale")
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--overwrite", action="store_true")
    parser.add_argument("--domain", default="messages")
    parser.add_argument("--machine", action="store_true")
    args = parser.parse_args()
    given: dict = {}
    for path in args.files:
        given.update(json.loads(path.read_text(encoding="utf-8")))
    po_path = TRANSLATIONS / args.locale / "LC_MESSAGES" / f"{args.domain}.po"
    with po_path.open("rb") as f:
        catalogue = read_po(f, locale=args.locale)
    filled, left = 0, []
    for message in catalogue:
        if not message.id:
            continue
        key = message.id[0] if message.pluralizable else message.id
        if message.context:
            key = f"[{message.context}] {key}"
        done = all(message.string) if message.pluralizable else bool(message.string)
        if done and not message.fuzzy and not args.overwrite:
            continue
        if key in given:
            value = given[key]
            message.string = tuple(value) if message.pluralizable else value
            message.flags.discard("fuzzy")
            if args.machine:
                message.flags.add("machine")
            filled += 1
        elif not done or message.fuzzy:
            left.append(key)
    with po_path.open("wb") as f:
        write_po(f, catalogue, no_location=True, omit_header=False, sort_output=True, width=100)
    print(f"{filled} filled; {len(left)} still to translate")
    for key in left:
        print("  ", json.dumps(key, ensure_ascii=False))
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
