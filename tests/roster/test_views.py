"""The import pages: upload (dry run by default), the progress fragment, apply, the template,
and refusals of what is no roster — a clear 4xx, never a 500."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from sqlalchemy import func, select

from fieldapp.models import ImportStatus, Role, RosterImport, School, Student
from tests.factories import make_school, make_user

DATA = Path(__file__).parent / "data"


def zipped(folder: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for f in sorted((DATA / folder).iterdir()):
            z.write(f, f.name)
    return out.getvalue()


def upload(client, data: bytes, name="roster.zip", school_id=0, dry_run=True, **headers):
    form = {"file": (io.BytesIO(data), name), "school_id": str(school_id)}
    if dry_run:
        form["dry_run"] = "y"
    return client.post(
        "/roster-imports/", data=form, content_type="multipart/form-data", headers=headers
    )


def students(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Student))


def test_the_page_offers_the_form_the_template_and_recent_imports(db, client, login):
    login(make_user(Role.ADMIN))
    page = client.get("/roster-imports/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<input checked id="dry_run"' in html  # a dry run unless unticked
    assert "/roster-imports/template.csv" in html and "No import yet." in html
    template = client.get("/roster-imports/template.csv")
    assert template.mimetype == "text/csv"
    assert template.data.startswith(b"\xef\xbb\xbf")  # UTF-8's byte order mark, for Excel
    assert template.data.decode("utf-8-sig").startswith("student_id,first_name,last_name,grade")


def test_an_admin_dry_runs_then_applies(db, client, login):
    admin = make_user(Role.ADMIN)
    login(admin)
    response = upload(client, zipped("oneroster-1.1"))
    assert response.status_code == 303
    job = db.session.scalar(select(RosterImport))
    assert response.headers["Location"].endswith(f"/roster-imports/{job.id}")
    page = client.get(f"/roster-imports/{job.id}").get_data(as_text=True)
    assert "Dry run: what this import would do" in page and "Apply this import" in page
    assert "Ana Lopez" in page and students(db) == 0
    assert client.post(f"/roster-imports/{job.id}/apply").status_code == 303
    db.session.expire_all()
    assert students(db) == 5
    job = db.session.get(RosterImport, job.id)
    assert job.status == ImportStatus.APPLIED and job.upload is None
    page = client.get(f"/roster-imports/{job.id}").get_data(as_text=True)
    assert "Imported" in page and "Apply this import" not in page
    # Applying twice is refused (the upload is gone).
    assert client.post(f"/roster-imports/{job.id}/apply").status_code == 409


def test_the_fragment_polls_until_finished(db, client, login):
    admin = make_user(Role.ADMIN)
    job = RosterImport(
        filename="big.zip",
        created_by_id=admin.id,
        status=ImportStatus.RUNNING,
        progress=42,
        stage="Comparing students",
    )
    db.session.add(job)
    login(admin)
    fragment = client.get(f"/roster-imports/{job.id}", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="import-status"')
    assert 'hx-trigger="every 1s"' in html and 'value="42"' in html
    assert "Comparing students" in html and "<nav" not in html
    full = client.get(f"/roster-imports/{job.id}").get_data(as_text=True)
    assert "<nav" in full and "Refresh" in full  # without JS: a refresh shows progress
    job = db.session.get(RosterImport, job.id)
    job.status, job.progress = ImportStatus.PLANNED, 100
    job.result = {"counts": {}, "examples": {}}
    db.session.commit()
    done = client.get(f"/roster-imports/{job.id}", headers={"HX-Request": "true"})
    assert "hx-trigger" not in done.get_data(as_text=True)  # polling stops


def test_a_broken_set_shows_errors_by_file_and_line(db, client, login):
    login(make_user(Role.ADMIN))
    upload(client, zipped("oneroster-1.1-broken"), dry_run=False)
    job = db.session.scalar(select(RosterImport))
    assert job.status == ImportStatus.FAILED
    page = client.get(f"/roster-imports/{job.id}").get_data(as_text=True)
    assert "Nothing was changed" in page and "users.csv: " in page
    assert "Line 7: givenName and familyName are both needed." in page
    assert students(db) == 0


def test_a_coordinator_imports_into_their_school_only(db, client, login):
    school = make_school(code="LIN", name="Lincoln")
    other = make_school(code="WAS", name="Washington")
    coordinator = make_user(Role.COORDINATOR, school)
    login(coordinator)
    page = client.get("/roster-imports/").get_data(as_text=True)
    assert "Lincoln" in page and "Washington" not in page and "Any school" not in page
    assert upload(client, zipped("oneroster-1.1"), school_id=other.id).status_code == 422
    response = upload(client, zipped("oneroster-1.1"), school_id=school.id, dry_run=False)
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Student)) == 3
    assert db.session.scalar(select(func.count()).select_from(School)) == 2  # none made
    job = db.session.scalar(select(RosterImport))
    page = client.get(f"/roster-imports/{job.id}").get_data(as_text=True)
    assert "Refused rows" in page and "orgs.csv, line 4: Washington: you can import" in page


def test_uploads_that_are_no_roster_are_refused_beside_the_field(db, client, login, app):
    login(make_user(Role.ADMIN))
    cases = [
        (b"", "roster.zip", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "photo.png", "Upload a OneRoster zip or a CSV file."),
        (b"PK\x03\x04broken", "roster.zip", "roster.zip is not a readable zip file."),
    ]
    for data, name, message in cases:
        response = upload(client, data, name=name)
        assert response.status_code == 422, name
        assert message in response.get_data(as_text=True)
    no_file = client.post("/roster-imports/", data={"school_id": "0"})
    assert no_file.status_code == 422
    assert "Choose the OneRoster zip" in no_file.get_data(as_text=True)
    # A CSV that is neither OneRoster nor the template: queued, then failed with the reason.
    assert upload(client, b"name,age\nA,3\n", name="list.csv").status_code == 303
    job = db.session.scalar(select(RosterImport))
    assert job.status == ImportStatus.FAILED
    assert "neither a OneRoster set" in client.get(f"/roster-imports/{job.id}").get_data(
        as_text=True
    )
    # A missing column: a failed import naming the file and the column.
    app.config["ROSTER_MAX_UPLOAD"] = 1024
    response = upload(client, b"x" * 4096, name="big.csv")
    assert response.status_code == 413 and "larger than" in response.get_data(as_text=True)


def test_a_task_queued_twice_runs_once(db):
    from fieldapp import tasks

    admin = make_user(Role.ADMIN)
    job = RosterImport(
        filename="roster.zip", upload=zipped("oneroster-1.1"), created_by_id=admin.id, dry_run=False
    )
    db.session.add(job)
    db.session.commit()
    assert tasks.run_roster_import(job.id) == "applied"
    assert tasks.run_roster_import(job.id) == "applied"  # not applied a second time
    assert tasks.run_roster_import(999999) == "gone"
    assert students(db) == 5


def test_the_size_limit_holds_before_the_csrf_check_reads_the_form(db, client, login, app):
    login(make_user(Role.ADMIN))
    app.config.update(WTF_CSRF_ENABLED=True, ROSTER_MAX_UPLOAD=1024)
    response = upload(client, b"x" * 4096, name="big.csv")
    assert response.status_code == 413
    assert "larger than this app accepts" in response.get_data(as_text=True)
