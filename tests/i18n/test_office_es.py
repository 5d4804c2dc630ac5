"""The coordinator's, trainer's and admin's pages in Spanish: each main page asked for with
``Accept-Language: es`` shows Spanish, and none of the English sentences of those pages
(every English message of fieldapp/translations/es-office.json of two words or more whose
Spanish differs) is left on it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from fieldapp.models import Role, TrainingCompletion, TrainingKind, TrainingSession
from tests.factories import make_user
from tests.i18n.helpers import english_sentences, page_text
from tests.privacy.conftest import admin, school, world  # noqa: F401 (fixtures)
from tests.reports.conftest import district  # noqa: F401 (fixture)

ES = {"Accept-Language": "es"}
ENGLISH = english_sentences("office")


def _text(response) -> str:
    return page_text(response)


def assert_spanish(response, *spanish: str) -> None:
    assert response.status_code == 200, response.status_code
    text = " ".join(_text(response).split())
    for expected in spanish:
        assert expected in text, expected
    left = [english for english in ENGLISH if english in text]
    assert not left, f"English left on {response.request.path}: {left}"


def test_the_english_list_is_not_empty():
    assert len(ENGLISH) > 200


def test_the_coordinators_pages_are_in_spanish(client, login, district):  # noqa: F811
    login(district.coordinator)
    a = district.a
    assert_spanish(
        client.get(f"/schools/{a.id}/", headers=ES),
        "Asignar visitas",
        "Cobertura por grado",
        "Requiere atención",
    )
    assert_spanish(client.get(f"/schools/{a.id}/rounds", headers=ES), "Rondas de visitas")
    assert_spanish(
        client.get(f"/schools/{a.id}/rounds/new", headers=ES),
        "Planificar una ronda",
        "Toda la escuela",
        "Crear la ronda y sus visitas",
    )
    assert_spanish(
        client.get(f"/rounds/{district.round_a.id}", headers=ES),
        "Cerrar esta ronda",
        "Todas las visitas abiertas",
    )
    assert_spanish(
        client.get(f"/schools/{a.id}/hours", headers=ES),
        "Horas para pago",
        "Marcar este periodo como exportado a nómina",
    )
    report = client.get(f"/reports/?school={a.id}", headers=ES)
    assert_spanish(
        report,
        "Informe del programa: Alder Elementary",
        "Visitas por semana, según su estado",
        "Tabla de datos",
    )
    assert "oct" in _text(report)  # month names from Babel, in Spanish
    assert_spanish(client.get(f"/reports/?school={a.id}&print=1", headers=ES), "impreso el")
    csv = client.get(f"/reports/data/coverage-grade.csv?school={a.id}", headers=ES)
    # The CSV's columns are machine names in every language (docs/csv.md); its cells are data.
    lines = csv.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "grade,students,students_visited,coverage_percent"
    assert lines[1].startswith("K,")
    assert_spanish(client.get("/training/roster", headers=ES), "Personal formado")


def test_a_form_with_errors_answers_in_spanish(client, login, district):  # noqa: F811
    login(district.coordinator)
    response = client.post(
        f"/schools/{district.a.id}/rounds/new",
        data={"name": "", "visit_type": "first", "scope": "school"},
        headers=ES,
    )
    assert response.status_code == 422
    text = " ".join(_text(response).split())
    assert "Ponga un nombre a la ronda" in text and "Elija el primer día." in text
    assert "Give the round a name" not in text and "Choose the first day." not in text
    shown = client.post(
        f"/rounds/{district.round_a.id}/assign", data={}, headers={**ES, "HX-Request": "true"}
    )
    assert "Primero marque las visitas que quiere asignar." in shown.get_data(as_text=True)


def test_the_trainers_pages_are_in_spanish(db, client, login, district):  # noqa: F811
    now = datetime.now(UTC)
    session = TrainingSession(
        title="Otoño",
        kind=TrainingKind.FOUNDATIONAL,
        starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=3, hours=3),
        schools=[district.a],
        trainers=[district.trainer],
    )
    db.session.add(session)
    login(district.trainer)
    assert_spanish(client.get("/training/", headers=ES), "Próximas sesiones", "Básica")
    assert_spanish(
        client.get("/training/sessions/new", headers=ES),
        "Nueva sesión de formación",
        "Actualización",
    )
    assert_spanish(
        client.get(f"/training/sessions/{session.id}", headers=ES),
        "Asistencia",
        "La sesión no ha empezado: la finalización se puede registrar a partir del",
    )
    assert_spanish(
        client.get(f"/training/sessions/{session.id}/import", headers=ES),
        "Importar una hoja de asistencia",
    )
    person = client.post(
        f"/training/sessions/{session.id}/present/{district.coordinator.id}",
        data={"present": "1"},
        headers={**ES, "HX-Request": "true"},
    )
    assert_spanish(person, "Presente", "presentes: 1 de")
    walk_ins = client.get(
        f"/training/sessions/{session.id}/walk-ins?q=zzzz", headers={**ES, "HX-Request": "true"}
    )
    assert_spanish(walk_ins, "Nadie coincide con “zzzz”.")
    refused = client.post(
        f"/training/sessions/{session.id}/import", data={"mode": "good_rows"}, headers=ES
    )
    assert refused.status_code == 422
    assert "Elija el archivo CSV de la hoja de asistencia." in _text(refused)
    assert_spanish(client.get("/training/settings", headers=ES), "Cuánto tiempo es válida")
    assert_spanish(client.get("/training/roster", headers=ES), "Vence pronto", "Sin formación")
    assert_spanish(client.get("/reports/training", headers=ES), "Informe de formación")


def test_a_visitors_own_training_is_in_spanish(db, client, login, district):  # noqa: F811
    visitor = make_user(Role.VISITOR, district.a, trained="lapsed")
    login(visitor)
    assert_spanish(client.get("/training/me", headers=ES), "Mi formación", "Formación vencida")
    completion = db.session.scalar(
        select(TrainingCompletion).where(TrainingCompletion.user_id == visitor.id)
    )
    assert_spanish(
        client.get(f"/training/completions/{completion.id}/certificate", headers=ES),
        "Certificado de finalización",
        "completó la formación básica de visitas al hogar",
    )


def test_the_admins_pages_are_in_spanish(client, admin, world, district):  # noqa: F811
    assert_spanish(
        client.get("/admin/", headers=ES),
        "Escuelas y personas",
        "Añadir una cuenta",
        "sus estudiantes y datos de relación",
    )
    assert_spanish(
        client.get("/admin/schools", headers=ES), "Buscar una escuela", "Datos de relación"
    )
    assert_spanish(client.get("/admin/schools?q=%C3%B1%C3%B1%C3%B1", headers=ES), "Ninguna escuela")
    assert_spanish(client.get("/admin/accounts/new", headers=ES), "Crear la cuenta")
    assert_spanish(client.get("/admin/privacy/", headers=ES), "Registro de auditoría")
    assert_spanish(
        client.get("/admin/privacy/audit", headers=ES), "los más recientes primero", "Resultado"
    )
    assert_spanish(
        client.get("/admin/privacy/families?q=Flores", headers=ES), "1 familia", "Buscar"
    )
    assert_spanish(
        client.get(f"/admin/privacy/families/{world.family.id}", headers=ES),
        "Esperanzas y sueños",
        "Tutores",
        "Quién abrió o cambió este expediente",
    )
    assert_spanish(
        client.get(f"/admin/privacy/families/{world.family.id}/erase", headers=ES),
        "Esto no se puede deshacer.",
        "2 tutores",
    )
    assert_spanish(client.get("/admin/privacy/settings", headers=ES), "Guardar las reflexiones")
    assert_spanish(
        client.get("/reports/district", headers=ES),
        "Informe del distrito: escuelas lado a lado",
        "Cobertura por escuela",
    )


@pytest.mark.parametrize("path", ["/admin/privacy/settings"])
def test_a_refused_setting_says_why_in_spanish(client, admin, path):  # noqa: F811
    response = client.post(path, data={"audit_retention_days": "3"}, headers=ES)
    assert response.status_code == 422
    text = _text(response)
    assert "Escriba entre 90 y 36.500 días." in text and "Enter between" not in text
