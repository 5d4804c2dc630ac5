"""Every main page of every role, rendered in Spanish, holds no English UI string.

Two checks against what the page shows (text, and the texts of placeholder, aria-label, title,
alt and value attributes):
- against the catalogue: no English message of the catalogue that has a different Spanish
  translation appears in the Spanish page;
- against the English page: a text that is the same in both renders is either data (a name, a
  number, a date, what people typed) or language-neutral; one that still holds English words
  is a string nobody marked for translation.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po

from fieldapp.i18n import TRANSLATIONS
from tests.test_query_counts import PAGES, build

ATTRIBUTES = {"placeholder", "aria-label", "title", "alt"}
# Words of English UI text that are not Spanish words (so a shared text holding one is English).
ENGLISH = set(
    [
        "the",
        "and",
        "your",
        "you",
        "with",
        "for",
        "this",
        "that",
        "what",
        "when",
        "who",
        "which",
        "will",
        "have",
        "has",
        "was",
        "were",
        "are",
        "not",
        "of",
        "to",
        "from",
        "by",
        "on",
        "at",
        "into",
        "about",
        "after",
        "before",
        "more",
        "less",
        "all",
        "any",
        "none",
        "yet",
        "here",
        "there",
        "see",
        "add",
        "edit",
        "save",
        "saved",
        "new",
        "open",
        "close",
        "show",
        "hide",
        "back",
        "next",
        "previous",
        "page",
        "pages",
        "visit",
        "visits",
        "family",
        "families",
        "student",
        "students",
        "school",
        "schools",
        "round",
        "rounds",
        "team",
        "partner",
        "reflection",
        "reflections",
        "follow",
        "follow-ups",
        "training",
        "trained",
        "session",
        "sessions",
        "report",
        "reports",
        "hours",
        "sign",
        "out",
        "account",
        "password",
        "email",
        "name",
        "date",
        "time",
        "status",
        "scheduled",
        "completed",
        "cancelled",
        "declined",
        "contact",
        "contacts",
        "log",
        "note",
        "notes",
        "private",
        "shared",
        "staff",
        "coordinator",
        "coordinators",
        "visitor",
        "visitors",
        "trainer",
        "admin",
        "search",
        "filter",
        "export",
        "download",
        "import",
        "upload",
        "choose",
        "pick",
        "assign",
        "assigned",
        "unassigned",
        "week",
        "month",
        "year",
        "today",
        "tomorrow",
        "yesterday",
        "count",
        "people",
        "person",
        "home",
        "language",
        "phone",
        "address",
        "grade",
        "class",
        "classes",
        "teacher",
        "teachers",
        "guardian",
        "guardians",
    ]
)
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Texts(HTMLParser):
    """The texts a person sees or hears, in page order. Skipped: scripts, and content stated to
    be in its own language (a ``lang`` attribute below <html>, or ``translate="no"``), such as
    a family's message in their language or a placeholder's name."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._open: list[tuple[str, bool]] = []  # (tag, skipped) for each open element

    @property
    def _skipping(self) -> bool:
        return any(skipped for _, skipped in self._open)

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        skipped = tag in ("script", "style", "template") or (
            tag != "html" and ("lang" in found or found.get("translate") == "no")
        )
        if not self._skipping and not skipped:
            for name, value in attrs:
                if value and (name in ATTRIBUTES or (name == "value" and tag == "button")):
                    self.texts.append(value.strip())
        if tag not in VOID:
            self._open.append((tag, skipped))

    def handle_endtag(self, tag):
        for i in range(len(self._open) - 1, -1, -1):  # close it, and what was left open in it
            if self._open[i][0] == tag:
                del self._open[i:]
                break

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self._skipping:
            self.texts.append(text)


def texts(html: str) -> list[str]:
    parser = Texts()
    parser.feed(html)
    return parser.texts


@pytest.fixture(scope="module")
def catalogue():
    with (TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale="es")


def stored_texts(db) -> list[str]:
    """Every text stored in the database (names, titles, notes): data, not UI. Longest first."""
    found = set()
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()):
            found.update(v for v in row if isinstance(v, str) and len(v) >= 3)
    return sorted(found, key=len, reverse=True)


def without_data(text: str, data: list[str]) -> str:
    for value in data:
        if value in text:
            text = text.replace(value, " ")
    return text


def english_messages(catalogue) -> set[str]:
    """The catalogue's English texts whose Spanish differs, without their placeholders."""
    found = set()
    for message in catalogue:
        if not message.id or message.pluralizable or message.string == message.id:
            continue
        plain = re.sub(r"%\(\w+\)[sd]", "", message.id)
        if "<" not in plain and len(WORD.findall(plain)) >= 2:  # single words may be data
            found.add(" ".join(plain.split()))
    return found


@pytest.mark.parametrize(("role", "url"), PAGES, ids=[f"{r}:{u}" for r, u in PAGES])
def test_a_spanish_page_has_no_english_left(app, db, client, login, role, url, catalogue):
    world = build(2)
    login(world[role])
    path = url.format(**world)
    spanish = client.get(path, headers={"Accept-Language": "es"})
    english = client.get(path, headers={"Accept-Language": "en"})
    assert spanish.status_code == english.status_code == 200
    assert '<html lang="es">' in spanish.text
    es_texts, en_texts = texts(spanish.text), set(texts(english.text))

    shown = "\n".join(es_texts)
    left = sorted(m for m in english_messages(catalogue) if m in shown and len(m) > 12)
    assert not left, f"{path}: English messages in the Spanish page: {left}"

    data = stored_texts(db)
    untranslated = [
        t
        for t in es_texts
        if t in en_texts and {w.lower() for w in WORD.findall(without_data(t, data))} & ENGLISH
    ]
    assert not untranslated, f"{path}: texts not marked for translation: {untranslated}"
