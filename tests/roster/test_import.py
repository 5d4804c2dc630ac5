"""The roster import end to end on the sample sets in tests/roster/data: the first import, the
same files again (nothing changes), a changed copy, a broken copy, 1.1 and 1.2 alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from fieldapp.models import (
    AuditEvent,
    ClassTeacher,
    Enrollment,
    Family,
    Guardian,
    Role,
    School,
    SchoolClass,
    Student,
    User,
)
from fieldapp.roster import services
from fieldapp.roster.parse import read_folder
from tests.factories import make_school, make_user

DATA = Path(__file__).parent / "data"
ZERO = {"created": 0, "updated": 0, "deactivated": 0}


def run(db, folder: str, school=None, dry_run=False):
    plan = services.run(read_folder(DATA / folder), school=school, dry_run=dry_run, by=None)
    db.session.commit()
    return plan


def count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def student(db, sid: str) -> Student:
    return db.session.scalar(select(Student).where(Student.sourced_id == sid))


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_a_first_import_creates_the_roster(db, version):
    plan = run(db, f"oneroster-{version}")
    assert plan.errors == [] and plan.format == f"OneRoster {version}"
    counts = plan.counts()
    assert counts["schools"]["created"] == 2  # the district org is no school
    assert counts["teachers"]["created"] == 3  # the administrator is not imported
    assert counts["classes"]["created"] == 4
    assert counts["teachers_of_record"]["created"] == 4
    assert counts["students"]["created"] == 5
    assert counts["enrollments"]["created"] == 5
    assert counts["families"]["created"] == 4
    assert counts["guardians"]["created"] == 4

    lincoln = db.session.scalar(select(School).where(School.sourced_id == "ORG-LIN"))
    assert (lincoln.name, lincoln.code) == ("Lincoln Elementary", "LIN")
    teacher = db.session.scalar(select(User).where(User.sourced_id == "T1"))
    assert teacher.password_hash is None and teacher.email == "mgarcia@lincoln.test"
    assert teacher.has_role(Role.VISITOR, lincoln.id)
    ana, luis, minh, sam = (student(db, s) for s in ("S1", "S2", "S3", "S4"))
    assert (ana.grade, luis.grade, ana.sis_id) == ("3", "1", "1001")
    # Siblings share a guardian: one family, with that guardian.
    assert ana.family_id == luis.family_id
    assert [g.name for g in ana.family.guardians] == ["Rosa Lopez"]
    assert ana.family.name == "Lopez" and not ana.family.placeholder
    assert sorted(g.relationship_to_student for g in minh.family.guardians) == [
        "guardian",
        "relative",
    ]
    # No guardian in the files: a placeholder family for the coordinator to complete.
    assert sam.family.placeholder and sam.family.guardians == []
    c1 = db.session.scalar(select(SchoolClass).where(SchoolClass.sourced_id == "C1"))
    assert [t.sourced_id for t in c1.teachers] == ["T1"]
    assert {
        s.sourced_id
        for s in db.session.scalars(
            select(Student).join(Enrollment).where(Enrollment.class_id == c1.id)
        )
    } == {"S1", "S3"}


@pytest.mark.parametrize("again", ["1.1", "1.2"])
def test_importing_the_same_roster_again_changes_nothing(db, again):
    run(db, "oneroster-1.1")
    before = [
        count(db, m)
        for m in (School, User, SchoolClass, Student, Family, Guardian, Enrollment, ClassTeacher)
    ]
    plan = run(db, f"oneroster-{again}")  # 1.2 of the same people: the same sourcedIds
    assert plan.errors == [] and plan.refused == []
    assert all(c == ZERO for c in plan.counts().values()), plan.counts()
    after = [
        count(db, m)
        for m in (School, User, SchoolClass, Student, Family, Guardian, Enrollment, ClassTeacher)
    ]
    assert after == before


def test_a_changed_file_updates_in_place_and_deactivates_who_left(db):
    run(db, "oneroster-1.1")
    lena = student(db, "S5")
    families = count(db, Family)
    plan = run(db, "oneroster-1.1-changed")
    counts = plan.counts()
    assert counts["students"] == {"created": 1, "updated": 1, "deactivated": 1}
    assert counts["teachers"] == {"created": 0, "updated": 1, "deactivated": 0}
    assert counts["classes"] == {"created": 0, "updated": 1, "deactivated": 0}
    assert counts["guardians"] == {"created": 0, "updated": 1, "deactivated": 0}
    assert counts["enrollments"] == {"created": 1, "updated": 0, "deactivated": 0}
    assert counts["families"] == ZERO and count(db, Family) == families
    db.session.expire_all()
    assert student(db, "S3").grade == "4"
    # Lena left: inactive, never deleted (her visits and notes stay).
    assert db.session.get(Student, lena.id).active is False
    mia = student(db, "S6")
    assert mia.grade == "K" and mia.family_id == student(db, "S1").family_id
    assert db.session.scalar(select(User.name).where(User.sourced_id == "T2")) == "James Chen-Li"
    # Importing the changed copy again: nothing more to do.
    assert all(c == ZERO for c in run(db, "oneroster-1.1-changed").counts().values())


def test_a_broken_copy_reports_each_file_and_line_and_changes_nothing(db):
    plan = run(db, "oneroster-1.1-broken")
    problems = {(e.file, e.line) for e in plan.errors}
    messages = " ".join(e.message for e in plan.errors)
    assert ("users.csv", 7) in problems and "givenName and familyName" in messages
    assert ("users.csv", 15) in problems and "sourcedId S1 is already on line 6" in messages
    assert ("enrollments.csv", 11) in problems and "class C99 is not in classes.csv" in messages
    assert ("orgs.csv", 4) in problems and "status must be active or tobedeleted" in messages
    assert count(db, Student) == 0 and count(db, School) == 0 and count(db, User) == 0


def test_a_dry_run_plans_without_writing(db):
    plan = run(db, "oneroster-1.1", dry_run=True)
    assert plan.counts()["students"]["created"] == 5
    assert count(db, Student) == 0 and count(db, AuditEvent) == 0


def test_a_coordinator_imports_into_their_school_only(db):
    run(db, "oneroster-1.1")
    lincoln = db.session.scalar(select(School).where(School.sourced_id == "ORG-LIN"))
    plan = run(db, "oneroster-1.1-changed", school=lincoln)
    counts = plan.counts()
    # Lincoln's changes go through; Washington's rows are refused line by line.
    assert counts["students"] == {"created": 1, "updated": 1, "deactivated": 0}
    refused = {(r.file, r.line) for r in plan.refused}
    assert ("orgs.csv", 4) in refused and ("users.csv", 4) in refused
    assert db.session.get(Student, student(db, "S5").id).active is True


def test_a_school_made_by_hand_is_taken_over_by_its_code(db):
    school = make_school(code="LIN", name="Lincoln")
    coordinator = make_user(Role.COORDINATOR, school)
    db.session.commit()
    plan = run(db, "oneroster-1.1", school=school)
    assert plan.counts()["schools"]["updated"] == 1
    db.session.refresh(school)
    assert school.sourced_id == "ORG-LIN" and school.name == "Lincoln Elementary"
    assert count(db, Student, Student.school_id == school.id) == 3
    assert coordinator.sourced_id is None


def _template(db, text: str, school=None, dry_run=False):
    plan = services.run({"roster.csv": text}, school=school, dry_run=dry_run, by=None)
    db.session.commit()
    return plan


def test_the_csv_template_imports_with_the_same_guarantees(db):
    school = make_school(code="LIN")
    db.session.commit()
    text = (DATA / "template.csv").read_text()
    plan = _template(db, text)
    assert plan.errors == [] and plan.format == "CSV template"
    counts = plan.counts()
    assert counts["students"]["created"] == 4
    assert counts["families"]["created"] == 3  # Lopez (two siblings), Nguyen, Okafor
    assert counts["guardians"]["created"] == 3
    ana = db.session.scalar(select(Student).where(Student.sis_id == "10234"))
    luis = db.session.scalar(select(Student).where(Student.sis_id == "10235"))
    assert ana.school_id == school.id and ana.family_id == luis.family_id
    assert ana.family.home_language == "es" and ana.family.address_line1 == "12 Oak St"
    sam = db.session.scalar(select(Student).where(Student.sis_id == "10250"))
    assert sam.grade == "2" and sam.family.placeholder
    # Again: nothing. Then a changed grade and a student gone.
    assert all(c == ZERO for c in _template(db, text).counts().values())
    lines = text.splitlines()
    lines[1] = lines[1].replace(",3,LIN,", ",4,LIN,")
    changed = _template(db, "\n".join(lines[:-1]) + "\n").counts()
    assert changed["students"] == {"created": 0, "updated": 1, "deactivated": 1}


def test_template_errors_and_refusals_by_line(db):
    make_school(code="LIN")
    other = make_school(code="WAS")
    db.session.commit()
    text = (
        "student_id,first_name,last_name,grade,school_code,guardian1_name,guardian1_email\n"
        "1,Ana,Lopez,3,LIN,,\n"
        "2,,Lopez,3,LIN,,\n"
        "3,Sam,Okafor,3,NOPE,,\n"
        "4,Lena,Park,3,WAS,,\n"
        "1,Ana,Lopez,3,LIN,,\n"
        "5,Mia,Lopez,3,LIN,Rosa,not-an-email\n"
    )
    plan = _template(db, text)
    errors = {(e.line, e.message) for e in plan.errors}
    assert (3, "Empty: first_name.") in errors
    assert (4, "No school has the code NOPE.") in errors
    assert (6, "student 1 of LIN is already on line 2.") in errors
    assert (7, "guardian1_email is not an email address.") in errors
    assert count(db, Student) == 0
    lincoln = db.session.scalar(select(School).where(School.code == "LIN"))
    header = text.splitlines()[0]
    plan = _template(db, f"{header}\n1,Ana,Lopez,3,LIN,,\n4,Lena,Park,3,WAS,,\n", school=lincoln)
    assert plan.errors == [] and plan.counts()["students"]["created"] == 1
    assert [(r.line, r.reason) for r in plan.refused] == [
        (3, f"Lena Park: {other.name} is not your school.")
    ]


def test_an_upload_that_is_no_roster_is_refused_clearly():
    from fieldapp.roster.parse import UploadError, parse, read_upload

    with pytest.raises(UploadError, match="empty"):
        read_upload("x.zip", b"")
    with pytest.raises(UploadError, match="neither a OneRoster set"):
        parse(read_upload("x.csv", b"name,age\nA,3\n"))
    with pytest.raises(UploadError, match="Upload a OneRoster zip"):
        read_upload("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00")
    broken_zip = b"PK\x03\x04" + b"\x00" * 40
    with pytest.raises(UploadError, match="not a readable zip"):
        read_upload("roster.zip", broken_zip)
    with pytest.raises(UploadError, match="not UTF-8"):
        read_upload("roster.csv", "student_id,é\n".encode("latin-1"))
    with pytest.raises(UploadError, match="No users.csv"):
        parse({"a.csv": "x\n", "b.csv": "y\n"})
    errors = parse({"orgs.csv": "sourcedId,name\n1,A\n"}).errors
    assert [(e.file, e.line, e.message) for e in errors] == [
        ("orgs.csv", 1, "Missing column: type."),
        ("users.csv", 0, "The set has no users.csv."),
    ]


def test_a_delta_file_changes_only_what_it_lists(db, tmp_path):
    import shutil

    run(db, "oneroster-1.1")
    delta = tmp_path / "delta"
    shutil.copytree(DATA / "oneroster-1.1", delta)
    manifest = (delta / "manifest.csv").read_text().replace("file.users,bulk", "file.users,delta")
    (delta / "manifest.csv").write_text(manifest)
    users = (delta / "users.csv").read_text().splitlines()
    header, rows = users[0], users[1:]
    lena = next(r for r in rows if r.startswith("S5,"))
    ana = next(r for r in rows if r.startswith("S1,")).replace(",03,", ",04,")
    (delta / "users.csv").write_text(
        "\n".join([header, lena.replace("S5,,", "S5,tobedeleted,", 1), ana]) + "\n"
    )
    for name in ("classes.csv", "enrollments.csv", "orgs.csv"):
        (delta / name).unlink()
    plan = services.run(read_folder(delta), school=None, dry_run=False, by=None)
    db.session.commit()
    assert plan.errors == []
    assert plan.counts()["students"] == {"created": 0, "updated": 1, "deactivated": 1}
    db.session.expire_all()
    assert student(db, "S5").active is False and student(db, "S1").grade == "4"
    assert student(db, "S4").active is True  # absent from a delta file: untouched


def test_students_entered_by_hand_are_taken_over_by_their_school_id(db):
    from tests.factories import make_student

    school = make_school(code="LIN")
    by_hand = make_student(school, sis_id="1001", first_name="Anita", last_name="Lopez")
    family = by_hand.family_id
    db.session.commit()
    plan = run(db, "oneroster-1.1", school=school)
    assert plan.counts()["students"]["created"] == 2  # Luis and Minh; Ana is Anita
    db.session.refresh(by_hand)
    assert by_hand.sourced_id == "S1" and by_hand.first_name == "Ana"
    assert by_hand.family_id == family  # her family, as the coordinator made it, stays
    assert count(db, Student, Student.sis_id == "1001") == 1
