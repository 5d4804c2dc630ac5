"""The visitor's and the family-facing side in Spanish: each main page, a form sent with
errors, the sync's refusals, the password email and the language choices. A page asked for in
Spanish shows none of the English texts this side marks for translation."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

import pytest

from fieldapp.models import Role, User, VisitMode, VisitStatus
from tests.factories import make_family, make_school, make_student, make_user, make_visit
from tests.sync.conftest import reflection_item

ES = {"Accept-Language": "es"}
FIELD = Path(__file__).resolve().parents[2] / "fieldapp" / "translations" / "es-field.json"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|<")


def english_texts() -> list[str]:
    """This side's English messages of two words or more, with no placeholder or markup."""
    return [
        m
        for m in json.loads(FIELD.read_text("utf-8"))
        if " " in m.strip() and not PLACEHOLDER.search(m)
    ]


def visible(response) -> str:
    """What a person sees or hears: the text, and the attributes read aloud or shown."""
    page = response.get_data(as_text=True)
    page = re.sub(r"<script(?![^>]*i18n-strings)[^>]*>.*?</script>", " ", page, flags=re.S)
    attributes = re.findall(r'(?:aria-label|placeholder|title|alt|data-label)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(" ".join([text, *attributes]))


def assert_spanish(response, *spanish: str) -> str:
    assert response.status_code < 500, response.status_code
    text = visible(response)
    for expected in spanish:
        assert expected in text, expected
    left = [m for m in english_texts() if m in text]
    assert not left, f"English left on a Spanish page: {left}"
    assert '<html lang="es">' in response.get_data(as_text=True)
    return text


@pytest.fixture
def visit(db):
    visit = make_visit(
        make_school(),
        status=VisitStatus.SCHEDULED,
        mode=VisitMode.HOME,
        scheduled_start=datetime.now(UTC) - timedelta(hours=1),
        family_agreed_at=datetime.now(UTC) - timedelta(days=2),
    )
    db.session.commit()
    return visit


@pytest.fixture
def visitor(visit, login):
    login(visit.members[0])
    return visit.members[0]


def test_signed_out_pages(client):
    assert_spanish(client.get("/login", headers=ES), "Iniciar sesión", "¿Olvidó su contraseña?")
    assert_spanish(client.get("/password/forgot", headers=ES), "Enviar el enlace")
    assert_spanish(client.get("/password/reset/nope", headers=ES), "Este enlace ya no funciona")
    refused = client.post(
        "/login", data={"email": "x@test.example", "password": "nope"}, headers=ES
    )
    assert_spanish(refused, "no coinciden con ninguna cuenta")
    empty = client.post("/login", data={}, headers=ES)
    assert_spanish(empty, "Escriba su correo electrónico.", "Escriba su contraseña.")


def test_the_language_switch_sets_a_cookie_and_goes_back(client):
    page = client.get("/login", headers=ES).get_data(as_text=True)
    assert 'lang="en" hreflang="en"' in page and ">English</a>" in page
    response = client.get("/language?lang=es&next=/password/forgot")
    assert response.status_code == 303 and response.headers["Location"] == "/password/forgot"
    cookie = response.headers["Set-Cookie"]
    assert (
        cookie.startswith("lang=es;") and "SameSite=Lax" in cookie and "Max-Age=31536000" in cookie
    )
    assert_spanish(client.get("/login"), "Iniciar sesión")  # no Accept-Language: the cookie
    away = client.get("/language?lang=en&next=//evil.example/")
    assert away.headers["Location"] == "/login"
    assert "Sign in" in client.get("/login").get_data(as_text=True)
    unknown = client.get("/language?lang=xx")
    assert unknown.status_code == 303 and "Set-Cookie" not in unknown.headers


def test_the_account_page_keeps_the_chosen_language(db, client, visitor):
    assert_spanish(client.get("/account", headers=ES), "Su cuenta", "El idioma de mi navegador")
    saved = client.post("/account/language", data={"language-locale": "es"})
    assert saved.status_code in (302, 303)
    db.session.expire_all()
    assert db.session.get(User, visitor.id).locale == "es"
    assert_spanish(client.get("/account"), "Su idioma está guardado.", "Cambie su contraseña")
    wrong = client.post("/account", data={"current_password": "nope"})
    assert_spanish(wrong, "Escriba una contraseña nueva.")
    client.post("/account/language", data={"language-locale": ""})
    db.session.expire_all()
    assert db.session.get(User, visitor.id).locale is None
    assert "Your account" in client.get("/account").get_data(as_text=True)


def test_the_visitor_pages(db, client, visit, visitor):
    assert_spanish(client.get("/visits/", headers=ES), "Mis visitas", "Escribir la reflexión")
    detail = assert_spanish(client.get(f"/visits/{visit.id}", headers=ES), "Registro de contactos")
    assert "Cancelar la visita" in detail and "Equipo" in detail
    reflection = client.get(f"/visits/{visit.id}/reflection", headers=ES)
    assert_spanish(
        reflection, "Sus esperanzas y sueños para su hijo o hija", "Privado para el equipo"
    )
    refused = client.post(
        f"/visits/{visit.id}/reflection", data={"duration_minutes": "2"}, headers=ES
    )
    assert_spanish(refused, "Escriba lo que la familia espera", "entre 5 y 300")
    assert_spanish(client.get(f"/visits/{visit.id}/schedule", headers=ES), "Guardar la hora")
    assert_spanish(client.get(f"/visits/{visit.id}/cancel", headers=ES), "Motivo")
    card = client.get(f"/families/{visit.family_id}", headers=ES)
    assert_spanish(card, "Ficha de la relación", "Lo que aprendimos")


def test_a_contact_sent_with_errors(db, client, visitor, visit):
    visit.status = VisitStatus.CONTACTING
    db.session.commit()
    response = client.post(f"/visits/{visit.id}/contacts", data={"method": "call"}, headers=ES)
    assert response.status_code == 422
    assert_spanish(response, "Elija qué pasó.", "Añadir al registro")


def test_the_sync_refuses_in_the_visitors_language(db, client, visit, visitor):
    visitor = db.session.get(User, visitor.id)
    visitor.locale = "es"
    db.session.commit()
    body = client.post("/sync", json={"items": [reflection_item(visit, hopes_and_dreams="")]}).json
    reason = body["results"][0]["reason"]
    assert reason.startswith("Sus esperanzas y sueños para su hijo o hija: Escriba lo que"), reason


def test_the_coordinators_roster_and_forms(db, client, login):
    school = make_school()
    make_student(school, make_family())
    coordinator = make_user(Role.COORDINATOR, school)
    login(coordinator)
    roster = client.get(f"/schools/{school.id}/roster", headers=ES)
    assert_spanish(roster, "Estudiantes y familias", "1 estudiante", "Idioma del hogar")
    new = client.post(f"/schools/{school.id}/families/new", data={"name": ""}, headers=ES)
    assert_spanish(new, "Todavía no se ha guardado nada", "Escriba el nombre del estudiante.")
    student = client.post(f"/schools/{school.id}/students/new", data={}, headers=ES)
    assert_spanish(student, "Escriba el nombre del estudiante.", "Elija la familia del estudiante")


def test_errors_and_the_offline_page(client, login):
    assert_spanish(client.get("/nowhere", headers=ES), "Página no encontrada")
    assert_spanish(client.get("/offline", headers=ES), "Sin señal")
    login(make_user(Role.TRAINER))
    assert_spanish(client.get("/visits/", headers=ES), "No es para su rol")


def test_the_password_email_is_in_the_persons_language(app, db, client):
    make_user(email="ana@test.example", locale="es")
    db.session.commit()
    client.post("/password/forgot", data={"email": "ana@test.example"})
    outbox = sorted((Path(app.instance_path) / "outbox").glob("*.eml"))
    message = message_from_bytes(outbox[-1].read_bytes())
    assert "contraseña" in str(make_header(decode_header(message["Subject"])))
    assert "Para elegir una contraseña nueva" in message.get_payload(decode=True).decode()
