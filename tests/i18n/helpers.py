"""What the Spanish page tests share: the English sentences of an area's translation file that a
Spanish page must not show, and the text a person reads or hears on a page."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

TRANSLATIONS = Path(__file__).resolve().parents[2] / "fieldapp" / "translations"


def english_sentences(area: str, strip: str = " .,:;()·—–") -> list[str]:
    """English texts of ``es-<area>.json`` (two words or more, placeholders and tags cut out)
    that are not also in their Spanish, longest first."""
    found = []
    path = TRANSLATIONS / f"es-{area}.json"
    for msgid, translated in json.loads(path.read_text(encoding="utf-8")).items():
        spanish = translated[0] if isinstance(translated, list) else translated
        for piece in re.split(r"%\([a-z_]+\)[sd]|<[^>]+>", msgid):
            part = piece.strip(strip)
            if len(part.split()) >= 2 and part not in spanish:
                found.append(part)
    return sorted(set(found), key=len, reverse=True)


def page_text(response, collapse: bool = False) -> str:
    """What a person reads or hears: the page's text, titles and labels, entities decoded;
    ``collapse``: runs of white space made one space."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    attributes = " ".join(
        re.findall(r'(?:aria-label|title|placeholder|alt|hx-confirm)="([^"]*)"', body)
    )
    text = html.unescape(re.sub(r"<[^>]+>", " ", body) + " " + attributes)
    return " ".join(text.split()) if collapse else text
