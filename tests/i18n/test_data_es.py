"""The roster import, the relationship export and the API token pages in Spanish: each page
asked for with ``Accept-Language: es`` shows Spanish, and none of the English sentences of
these features (every English message of fieldapp/translations/es-data.json of two words or
more whose Spanish differs) is left on it. The import's per-line problems are written in the
importer's language when the import runs, and shown as written. The relationship CSV keeps
its English column headings (school systems read the file by them)."""

from __future__ import annotations

from sqlalchemy import select

from fieldapp.models import ApiToken, ImportStatus, Role, RosterImport
from fieldapp.roster import services
from tests.api.conftest import data  # noqa: F401 (fixture)
from tests.factories import make_school, make_user
from tests.i18n.helpers import english_sentences, page_text
from tests.roster.test_views import upload, zipped

ES = {"Accept-Language": "es"}
EN = {"Accept-Language": "en"}
ENGLISH = english_sentences("data", strip=" .,:;()·—–…“”")


def _text(response) -> str:
    return page_text(response, collapse=True)


def assert_spanish(response, *spanish: str, status: int = 200) -> str:
    assert response.status_code == status, response.status_code
    text = _text(response)
    for expected in spanish:
        assert expected in text, expected
    left = [english for english in ENGLISH if english in text]
    assert not left, f"English left on {response.request.path}: {left}"
    return text


def _job(db) -> RosterImport:
    db.session.expire_all()
    return db.session.scalars(select(RosterImport).order_by(RosterImport.id.desc())).first()


def test_the_english_list_is_not_empty():
    assert len(ENGLISH) > 100


def test_the_import_page_in_spanish(db, client, login):
    login(make_user(Role.ADMIN))
    assert_spanish(
        client.get("/roster-imports/", headers=ES),
        "Importación de la lista",
        "Archivo de la lista",
        "Simulación: mostrar lo que cambiaría, sin cambiar nada todavía",
        "Cualquier escuela de los archivos (distrito)",
        "plantilla de la lista (CSV)",
        "Importaciones recientes",
        "Todavía no hay importaciones.",
    )


def test_a_dry_run_then_apply_in_spanish(db, client, login):
    login(make_user(Role.ADMIN))
    assert upload(client, zipped("oneroster-1.1"), **ES).status_code == 303
    job = _job(db)
    assert job.status == ImportStatus.PLANNED
    assert_spanish(
        client.get(f"/roster-imports/{job.id}", headers=ES),
        "Simulación: lo que haría esta importación",
        "Todavía no ha cambiado nada.",
        "Cambios por tipo",
        "Inscripciones en clases",
        "Estudiantes, altas:",
        "grado 3 · Lincoln Elementary",
        "Aplicar esta importación",
    )
    assert_spanish(
        client.get("/roster-imports/", headers=ES), "Simulación: lista para aplicar", "Subir"
    )
    assert client.post(f"/roster-imports/{job.id}/apply", headers=ES).status_code == 303
    assert_spanish(
        client.get(f"/roster-imports/{job.id}", headers=ES),
        "Importada",
        "OneRoster 1.1, 46 filas leídas en",
    )
    refused = client.post(f"/roster-imports/{job.id}/apply", headers=ES)
    assert_spanish(refused, "Solo se puede aplicar una simulación terminada.", status=409)
    # A changed set: what each update changes, field by field, in Spanish.
    upload(client, zipped("oneroster-1.1-changed"), **ES)
    changed = assert_spanish(
        client.get(f"/roster-imports/{_job(db).id}", headers=ES),
        "Estudiantes, cambios:",
        "no está en el archivo nuevo",
    )
    assert " → " in changed and "first_name:" not in changed and "grade:" not in changed


def test_problems_by_line_are_in_the_importers_language(db, client, login):
    login(make_user(Role.ADMIN))
    upload(client, zipped("oneroster-1.1-broken"), dry_run=False, **ES)
    job = _job(db)
    assert job.status == ImportStatus.FAILED
    text = assert_spanish(
        client.get(f"/roster-imports/{job.id}", headers=ES),
        "No se cambió nada",
        "Problemas, por archivo y línea",
        "Línea 7: Se necesitan tanto givenName como familyName.",
        "La importación es todo o nada",
    )
    assert "givenName and familyName are both needed" not in text
    # Stored as written when it ran: someone reading in English sees English around them.
    english = client.get(f"/roster-imports/{job.id}", headers=EN).get_data(as_text=True)
    assert "Nothing was changed" in english
    assert "Line 7: Se necesitan tanto givenName como familyName." in english


def test_the_task_writes_in_the_language_kept_on_the_import(db, app):
    """The Huey consumer has no request: the import carries the uploader's language."""
    admin = make_user(Role.ADMIN)
    job = RosterImport(
        filename="roster.zip",
        upload=zipped("oneroster-1.1-broken"),
        created_by_id=admin.id,
        dry_run=True,
        result={services.LOCALE_KEY: "es"},
    )
    db.session.add(job)
    db.session.commit()
    with app.app_context():
        services.execute(db.session.get(RosterImport, job.id))
    job = _job(db)
    messages = [e["message"] for e in job.result["errors"]]
    assert "Se necesitan tanto givenName como familyName." in messages
    assert job.stage == "Terminado"


def test_refused_rows_and_upload_errors_in_spanish(db, client, login):
    school = make_school(code="LIN", name="Lincoln")
    make_school(code="WAS", name="Washington")
    login(make_user(Role.COORDINATOR, school))
    upload(client, zipped("oneroster-1.1"), school_id=school.id, dry_run=False, **ES)
    assert_spanish(
        client.get(f"/roster-imports/{_job(db).id}", headers=ES),
        "Filas rechazadas",
        "orgs.csv, línea 4: Washington: solo puede importar a su propia escuela.",
        "el resto se importó",
    )
    assert_spanish(
        upload(client, b"", school_id=school.id, **ES), "El archivo está vacío.", status=422
    )
    assert_spanish(
        upload(client, b"hello", name="roster.zip", school_id=school.id, **ES),
        "roster.zip no es un archivo zip legible.",
        status=422,
    )
    missing = client.post(
        "/roster-imports/",
        data={"school_id": str(school.id)},
        content_type="multipart/form-data",
        headers=ES,
    )
    assert_spanish(
        missing, "Elija el zip de OneRoster o el archivo de la plantilla CSV.", status=422
    )


def test_a_template_with_a_bad_line_in_spanish(db, client, login):
    make_school(code="LIN", name="Lincoln")
    login(make_user(Role.ADMIN))
    rows = (
        "student_id,first_name,last_name,grade,school_code\n1,Ana,Lopez,3,LIN\n1,Luis,Lopez,1,LIN\n"
    )
    upload(client, rows.encode(), name="roster.csv", **ES)
    assert_spanish(
        client.get(f"/roster-imports/{_job(db).id}", headers=ES),
        "Línea 3: el/la estudiante 1 de LIN ya está en la línea 2.",
    )
    upload(client, b"a,b\n1,2\n", name="other.csv", **ES)  # refused by the task, not the form
    assert_spanish(
        client.get(f"/roster-imports/{_job(db).id}", headers=ES),
        "Esto no es ni un conjunto de OneRoster (users.csv, orgs.csv…) ni la plantilla",
    )


def test_the_relationship_export_page_in_spanish(data, client, login):  # noqa: F811
    login(data.coordinator)
    url = f"/schools/{data.school.id}/relationships"
    assert_spanish(
        client.get(url, headers=ES),
        f"Datos de relación: {data.school.name}",
        "Visitas desde",
        "Visitas hasta",
        "Descargar el CSV",
        "Los encabezados de las columnas quedan en inglés",
        "registro de auditoría",
    )
    bad = client.get(url, query_string={"start": "2026-09-10", "end": "2026-09-01"}, headers=ES)
    text = assert_spanish(bad, status=422)
    assert "The end date is before the start date." not in text
    # The CSV's headings stay in English, for the school systems that read it.
    csv = client.get(
        url + ".csv", query_string={"start": "2020-01-01", "end": "2030-01-01"}, headers=ES
    )
    assert (
        csv.get_data(as_text=True)
        .lstrip("\ufeff")
        .splitlines()[0]
        .startswith("student_sis_id,student_sourced_id,first_name")
    )


def test_the_api_token_pages_in_spanish(data, client, login, db):  # noqa: F811
    login(data.admin)
    assert_spanish(
        client.get("/admin/api-tokens/", headers=ES),
        "Tokens de la API",
        "Crear un token",
        "Nombre",
        "Qué lo va a usar",
        "Crear el token",
        "Nunca se ha usado",
        "¿Revocar “SIS”? Los sistemas que lo usan quedarán rechazados de inmediato.",
        "La descripción de la API (OpenAPI)",
    )
    empty = client.post(
        "/admin/api-tokens/", data={"name": "", "school_id": data.school.id}, headers=ES
    )
    assert_spanish(empty, "Póngale un nombre al token.", status=422)
    made = client.post(
        "/admin/api-tokens/", data={"name": "Nightly", "school_id": data.school.id}, headers=ES
    )
    assert_spanish(
        made,
        "Token creado",
        f"“Nightly” lee los datos de {data.school.name}",
        "Solo se muestra esta vez",
        "Listo",
        status=201,
    )
    token = db.session.scalar(select(ApiToken).where(ApiToken.name == "Nightly"))
    client.post(f"/admin/api-tokens/{token.id}/revoke", headers=ES)
    assert_spanish(
        client.get("/admin/api-tokens/", headers=ES),
        "El token “Nightly” está revocado",
        "Revocado el",
    )
