"""Messages to families, with a Spanish interface: the pages speak Spanish, whatever the
family's language, and the text keeps the family's language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from babel.messages.pofile import read_po

from fieldapp.i18n import TRANSLATIONS
from fieldapp.models import Role
from tests.factories import make_family, make_school, make_user, make_visit
from tests.test_spanish_pages import (
    ENGLISH,
    WORD,
    Texts,
    english_messages,
    stored_texts,
    without_data,
)

ES = {"Accept-Language": "es"}


@pytest.fixture
def world(db):
    school = make_school(name="Chavez Elementary")
    visitor = make_user(Role.VISITOR, school, name="Ana Morales")
    partner = make_user(Role.VISITOR, school, name="Luis Kim")
    coordinator = make_user(Role.COORDINATOR, school)
    visits = {
        language: make_visit(
            school,
            team=[visitor, partner],
            family=make_family(home_language=language),
            scheduled_start=datetime(2026, 12, 1, 0, 30, tzinfo=UTC),
        )
        for language in ("es", "en", "ko")
    }
    db.session.commit()
    return school, visitor, coordinator, visits


def _page(client, url, **kw):
    response = client.get(url, headers=ES, **kw)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_invitation_page_in_spanish(world, client, login):
    _, visitor, _, visits = world
    login(visitor)
    html = _page(client, f"/visits/{visits['es'].id}/invitation")
    for spanish in [
        "Invitación para",
        "← Volver a la visita",
        "El texto (Español)",
        "Copiar el texto",
        "Enviar como mensaje de texto a Guardian",
        "En otro idioma",
        "¡Hola! Somos Ana y Luis, de Chavez Elementary.",
        "el lun 30 nov, 16:30",
    ]:
        assert spanish in html, spanish
    for english in ["Invitation for", "Back to the visit", "Copy the text", "Send as a text"]:
        assert english not in html, english
    detail = _page(client, f"/visits/{visits['es'].id}")
    assert "Invitación para enviar a la familia" in detail


def test_an_english_speaking_family_gets_english_on_a_spanish_page(world, client, login):
    _, visitor, _, visits = world
    login(visitor)
    html = _page(client, f"/visits/{visits['en'].id}/invitation")
    assert "El texto (Inglés)" in html and "Enviar como mensaje de texto" in html
    assert "Hello! We are Ana and Luis, from Chavez Elementary." in html
    assert "visit your family on Mon 30 Nov, 4:30 pm," in html  # the family's words and time


def test_the_fallback_note_in_spanish(world, client, login):
    _, visitor, _, visits = world
    login(visitor)
    html = _page(client, f"/visits/{visits['ko'].id}/invitation")
    assert "Todavía no hay texto en el idioma de esta familia (Coreano)" in html
    assert "Pida a su coordinador/a que escriba uno" in html
    assert "There is no text" not in html and "Ask your coordinator" not in html


def test_the_coordinators_pages_in_spanish(world, client, login):
    school, _, coordinator, _ = world
    login(coordinator)
    index = _page(client, f"/schools/{school.id}/messages")
    for spanish in [
        "Mensajes a las familias",
        "Invitación a una visita",
        "El texto predeterminado.",
        "Editar este texto",
        "Escribir este texto",
        "Todavía no hay texto: estas familias reciben el texto en inglés.",
    ]:
        assert spanish in index, spanish
    for english in ["Messages to families", "The default text", "Edit this text", "No text yet"]:
        assert english not in index, english
    assert "Mensajes a las familias" in _page(client, f"/schools/{school.id}/")

    editor = _page(client, f"/schools/{school.id}/messages/invitation/es")
    for spanish in [
        "Invitación a una visita: Español",
        "Lo que recibe una familia",
        "Cambiar el texto",
        "Guardar el texto",
        "Marcadores",
        "los nombres de los visitantes",
    ]:
        assert spanish in editor, spanish
    for english in ["What a family gets", "Save the text", "Placeholders", "the first names"]:
        assert english not in editor, english


def test_form_errors_in_spanish(world, client, login):
    school, _, coordinator, _ = world
    login(coordinator)
    url = f"/schools/{school.id}/messages/invitation/es"
    empty = client.post(url, data={"body": ""}, headers=ES).get_data(as_text=True)
    assert "Escriba el texto, o vuelva al texto predeterminado." in empty
    assert "Write the text" not in empty
    typo = client.post(url, data={"body": "Hola {familia} " + "x" * 990}, headers=ES)
    html = typo.get_data(as_text=True)
    assert typo.status_code == 422
    assert "Use como máximo 1000 caracteres" in html and "ahora tiene 1005." in html
    typo = client.post(url, data={"body": "Hola {familia}"}, headers=ES)
    html = typo.get_data(as_text=True)
    assert "{familia} no es un marcador que este texto pueda usar" in html
    assert "Dejar las llaves tal como están" in html
    assert "is not a placeholder" not in html
    saved = client.post(url, data={"body": "Hola {visitors}"}, headers=ES, follow_redirects=True)
    assert "Guardado. Los visitantes ahora envían este texto." in saved.get_data(as_text=True)


# ---- the crawl of tests/test_spanish_pages.py, over these pages -------------------------------
# What is written in a stated language (lang="…": the family's text, a school's text in English)
# and placeholder names (translate="no") are content, not the interface: they are left out.
# Only <main> is read: the header and the navigation are other areas' strings.


class MainTexts(Texts):
    def __init__(self) -> None:
        super().__init__()
        self._in_main = False
        self._stated: list[str] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "main":
            self._in_main = True
        stated = tag != "html" and ("lang" in found or found.get("translate") == "no")
        if self._stated or stated:
            self._stated.append(tag)
            return
        if self._in_main:
            super().handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if self._stated:
            if tag == self._stated[-1]:
                self._stated.pop()
            return
        if tag == "main":
            self._in_main = False
        super().handle_endtag(tag)

    def handle_data(self, data):
        if self._in_main and not self._stated:
            super().handle_data(data)


def _texts(html: str) -> list[str]:
    parser = MainTexts()
    parser.feed(html)
    return parser.texts


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("visitor", "/visits/{es}/invitation"),
        ("visitor", "/visits/{en}/invitation"),
        ("visitor", "/visits/{ko}/invitation"),
        ("coordinator", "/schools/{school}/messages"),
        ("coordinator", "/schools/{school}/messages/invitation/es"),
        ("coordinator", "/schools/{school}/messages/invitation/en"),
        ("coordinator", "/schools/{school}/messages/invitation/ko"),
    ],
)
def test_no_english_left_on_the_spanish_pages(world, db, client, login, role, path):
    school, visitor, coordinator, visits = world
    login(visitor if role == "visitor" else coordinator)
    url = path.format(school=school.id, **{code: v.id for code, v in visits.items()})
    spanish, english = _page(client, url), client.get(url).get_data(as_text=True)
    with (TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        messages = english_messages(read_po(f, locale="es"))
    es_texts, en_texts = _texts(spanish), set(_texts(english))
    assert len(es_texts) >= 8  # the page itself was read
    shown = "\n".join(es_texts)
    assert not sorted(m for m in messages if m in shown and len(m) > 12)
    data = stored_texts(db)
    untranslated = [
        t
        for t in es_texts
        if t in en_texts and {w.lower() for w in WORD.findall(without_data(t, data))} & ENGLISH
    ]
    assert not untranslated
