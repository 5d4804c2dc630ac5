"""The offline layer speaks the visitor's language: app.js reads its words from the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fieldapp.extensions import db
from tests.browser.test_offline import A, _user, new_visit, ready_for_no_signal, status

pytestmark = pytest.mark.browser


@pytest.fixture
def spanish_visitor(live_server):
    def choose(locale):
        _user(A).locale = locale
        db.session.commit()

    live_server.query(lambda: choose("es"))
    yield A
    live_server.query(lambda: choose(None))


def test_what_waits_on_the_phone_is_said_in_spanish(
    page, context, live_server, sign_in, spanish_visitor
):
    visit_id = new_visit(live_server)
    sign_in(spanish_visitor)
    ready_for_no_signal(page)
    expect(status(page)).to_contain_text("En línea")

    context.set_offline(True)
    page.goto(f"{live_server.url}/visits/{visit_id}/reflection")
    page.get_by_label("Sus esperanzas y sueños para su hijo o hija").fill("Ser piloto")
    page.get_by_label("¿Cuánto duró la visita? (minutos)").fill("40")
    page.get_by_role("button", name="Guardar la reflexión y completar la visita").click()
    expect(page.locator(".banner.saved")).to_contain_text("Guardado en este teléfono, por enviar")
    expect(status(page)).to_contain_text("Sin conexión · 1 por enviar")
    expect(page.locator("[data-waiting-for] li")).to_contain_text("Reflexión:")

    context.set_offline(False)
    expect(page.locator("#sync-status")).to_have_attribute("data-waiting", "0", timeout=10000)
    expect(status(page)).to_contain_text("En línea · último envío")
