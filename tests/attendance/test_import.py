"""Attendance in, through the roster import's flow: the template, dry run then apply, per-line
verdicts, all or nothing, and a second import of the same file that changes nothing."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from fieldapp.attendance import imports
from fieldapp.models import AttendanceMonth, AuditEvent, ImportStatus, Role, RosterImport
from tests.factories import make_school, make_student, make_user

HEADER = "school_code,student_id,month,days_enrolled,days_absent\r\n"


def csv_bytes(*rows: str, header: str = HEADER, bom: bool = True) -> bytes:
    return ("\ufeff" * bom + header + "".join(r + "\r\n" for r in rows)).encode()


def upload(client, data: bytes, school_id=0, dry_run=True, name="attendance.csv"):
    form = {"file": (io.BytesIO(data), name), "school_id": str(school_id)}
    if dry_run:
        form["dry_run"] = "y"
    return client.post("/roster-imports/", data=form, content_type="multipart/form-data")


def stored(db) -> dict:
    return {
        (a.student_id, a.month): (a.days_enrolled, a.days_absent)
        for a in db.session.scalars(select(AttendanceMonth))
    }


def last_job(db) -> RosterImport:
    db.session.expire_all()
    return db.session.scalars(select(RosterImport).order_by(RosterImport.id.desc())).first()


def world(db):
    lincoln = make_school(name="Lincoln", code="LIN")
    other = make_school(name="Other", code="OTH")
    ana = make_student(lincoln, sis_id="10234", first_name="Ana", last_name="Lopez")
    ben = make_student(lincoln, sis_id="10577", first_name="Ben", last_name="Okafor")
    far = make_student(other, sis_id="90001")
    db.session.commit()
    return lincoln, other, ana, ben, far


def test_the_template_is_a_bom_csv_with_the_documented_columns(db, client, login):
    login(make_user(Role.COORDINATOR))
    response = client.get("/roster-imports/attendance-template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(imports.COLUMNS)
    assert "attendance-template.csv" in client.get("/roster-imports/").get_data(as_text=True)


def test_the_template_is_for_importers_only(db, client, login):
    login(make_user(Role.VISITOR))
    assert client.get("/roster-imports/attendance-template.csv").status_code == 403


def test_dry_run_then_apply_then_the_same_file_changes_nothing(db, client, login):
    lincoln, _other, ana, ben, _far = world(db)
    admin = make_user(Role.ADMIN)
    db.session.commit()
    login(admin)
    data = csv_bytes(
        "LIN,10234,2025-09,21,2",
        "LIN,10234,2025-10,22,0.5",
        "LIN,10577,2025-09-01,21,4",
    )
    assert upload(client, data).status_code == 303
    job = last_job(db)
    assert job.status == ImportStatus.PLANNED
    assert job.result["counts"] == {"attendance": {"created": 3, "updated": 0, "deactivated": 0}}
    page = client.get(f"/roster-imports/{job.id}").get_data(as_text=True)
    assert "Attendance (student months)" in page and "Ana Lopez (10234, LIN), Sep 2025" in page
    assert "Guardians" not in page  # only the kind of row this import has
    assert stored(db) == {}
    assert client.post(f"/roster-imports/{job.id}/apply").status_code == 303
    assert last_job(db).status == ImportStatus.APPLIED
    assert stored(db) == {
        (ana.id, date(2025, 9, 1)): (Decimal("21.0"), Decimal("2.0")),
        (ana.id, date(2025, 10, 1)): (Decimal("22.0"), Decimal("0.5")),
        (ben.id, date(2025, 9, 1)): (Decimal("21.0"), Decimal("4.0")),
    }
    assert (
        db.session.scalar(select(func.count()).where(AuditEvent.action == "attendance.import")) == 1
    )
    # Again, applied at once: nothing changes, and the page says so.
    before = {a.id: a.updated_at for a in db.session.scalars(select(AttendanceMonth))}
    assert upload(client, data, dry_run=False).status_code == 303
    job = last_job(db)
    assert job.status == ImportStatus.APPLIED
    assert job.result["counts"]["attendance"] == {"created": 0, "updated": 0, "deactivated": 0}
    assert job.result["unchanged"] == 3
    assert "Rows already as stored:" in client.get(f"/roster-imports/{job.id}").get_data(
        as_text=True
    )
    db.session.expire_all()
    assert {a.id: a.updated_at for a in db.session.scalars(select(AttendanceMonth))} == before
    # A corrected month updates in place; months the file leaves out are kept.
    assert upload(client, csv_bytes("LIN,10234,2025-09,21,3"), dry_run=False).status_code == 303
    job = last_job(db)
    assert job.result["counts"]["attendance"]["updated"] == 1
    assert stored(db)[(ana.id, date(2025, 9, 1))] == (Decimal("21.0"), Decimal("3.0"))
    assert len(stored(db)) == 3


def test_bad_rows_name_their_line_and_nothing_is_applied(db, client, login):
    world(db)
    login(make_user(Role.ADMIN))
    db.session.commit()
    data = csv_bytes(
        "LIN,10234,2025-09,21,2",  # fine, but the file has problems: not imported
        "LIN,10234,September,21,2",
        "LIN,10577,2025-09,twenty,2",
        "LIN,10577,2025-10,20,21",
        "LIN,10577,2025-11,31,2",
        "LIN,10234,2025-09,21,2",
        "LIN,10577,2025-12,20,1.25",
        "LIN,,2026-01,20,1",
        "LIN,10577,2025-13,20,1",
    )
    assert upload(client, data, dry_run=False).status_code == 303
    job = last_job(db)
    assert job.status == ImportStatus.FAILED
    messages = {e["line"]: e["message"] for e in job.result["errors"]}
    assert messages == {
        3: "month: “September” is not a month; write it as 2026-09.",
        4: "days_enrolled: “twenty” is not a number of days.",
        5: "days_absent is more than days_enrolled.",
        6: "days_enrolled: 31 is more days than Nov 2025 has.",
        7: "student 10234 of LIN, Sep 2025, is already on line 2.",
        8: "days_absent: at most one decimal (half days: .5).",
        9: "Empty: student_id.",
        10: "month: “2025-13” is not a month; write it as 2026-09.",
    }
    page = client.get(f"/roster-imports/{job.id}").get_data(as_text=True)
    assert "Line 5: days_absent is more than days_enrolled." in page
    assert stored(db) == {}


def test_a_month_to_come_is_a_problem(db, client, login):
    world(db)
    login(make_user(Role.ADMIN))
    db.session.commit()
    assert upload(client, csv_bytes("LIN,10234,2099-01,20,1"), dry_run=False).status_code == 303
    job = last_job(db)
    assert job.status == ImportStatus.FAILED
    assert job.result["errors"][0]["message"] == "Jan 2099 has not begun yet."


def test_unknown_schools_and_students_and_other_schools_are_refused_line_by_line(db, client, login):
    lincoln, _other, ana, _ben, _far = world(db)
    coordinator = make_user(Role.COORDINATOR, lincoln)
    db.session.commit()
    login(coordinator)
    data = csv_bytes(
        "LIN,10234,2025-09,21,2",
        "XXX,10234,2025-09,21,2",
        "OTH,90001,2025-09,21,2",
        "LIN,55555,2025-09,21,2",
    )
    assert upload(client, data, school_id=lincoln.id, dry_run=False).status_code == 303
    job = last_job(db)
    assert job.status == ImportStatus.APPLIED
    assert [(r["line"], r["message"]) for r in job.result["refused"]] == [
        (3, "No school with the code XXX."),
        (4, "Other is not a school you import into."),
        (5, "No student 55555 at Lincoln: import the roster first."),
    ]
    assert list(stored(db)) == [(ana.id, date(2025, 9, 1))]


def test_a_file_without_the_columns_says_which_are_missing(db, app):
    plan = imports.make_plan({"a.csv": "school_code,student_id,days_absent\r\nLIN,1,2\r\n"}, None)
    assert [e.message for e in plan.errors] == ["Columns missing: month, days_enrolled."]


def test_a_spanish_importer_reads_the_verdicts_in_spanish(db, client, login):
    world(db)
    login(make_user(Role.ADMIN, locale="es"))
    db.session.commit()
    assert upload(client, csv_bytes("LIN,10234,2025-09,21,25"), dry_run=False).status_code == 303
    message = last_job(db).result["errors"][0]["message"]
    assert message != "days_absent is more than days_enrolled." and "days_absent" in message


def test_decimal_commas_and_half_days_are_read(db, app):
    world(db)
    plan = imports.make_plan({"a.csv": HEADER + 'LIN,10234,2025-09,"20,5","1,5"\r\n'}, None)
    assert not plan.errors
    assert plan.inserts[0]["days_enrolled"] == Decimal("20.5")
    assert plan.inserts[0]["days_absent"] == Decimal("1.5")


def test_the_command_line_imports_attendance(db, runner, tmp_path):
    world(db)
    path = tmp_path / "attendance.csv"
    path.write_bytes(csv_bytes("LIN,10234,2025-09,21,2", "LIN,99,2025-09,21,2"))
    result = runner.invoke(args=["roster", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Attendance (student months): 1 created" in result.output
    assert "Refused: 1" in result.output and "Already as stored: 0" in result.output
    assert len(stored(db)) == 1
    result = runner.invoke(args=["roster", "import", str(path)])
    assert "Attendance (student months): no change" in result.output
    assert "Already as stored: 1" in result.output
