# ruff: noqa: E501 -- CSV files as vendors write them, one row per line
"""OneRoster sets shaped like other vendors' (IMS 1.1 base sample, 1.2 with roles.csv and
``metadata.*`` columns), and home languages: read where files carry them, else unknown."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fieldapp.models import Family, Role, RoleAssignment, SchoolClass, Student, User
from fieldapp.roster import services
from fieldapp.roster.parse import language_code
from tests.factories import make_user

ORGS = """sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
D1,active,,Oak Valley Unified,district,OVU,
LIN,active,,Lincoln Elementary,school,LIN,D1
"""
# IMS 1.1: role and orgSourcedIds on users.csv; grades optional; staff beyond teachers.
USERS_11 = """sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,metadata.homeLanguage
T1,active,,true,LIN,teacher,t1,,Maria,Garcia,,,mgarcia@lin.test,,,,,,
A1,active,,true,LIN,aide,a1,,Ana,Aide,,,aide@lin.test,,,,,,
P1,active,,true,LIN,administrator,p1,,Pat,Principal,,,principal@lin.test,,,,,,
X1,active,,true,LIN,proctor,x1,,Pam,Proctor,,,proctor@lin.test,,,,,,
D9,active,,true,D1,administrator,d9,,Dee,District,,,dee@district.test,,,,,,
S1,active,,true,LIN,student,s1,,Ana,Lopez,,1001,,,,G1,,,Spanish
S2,active,,true,LIN,student,s2,,Minh,Nguyen,,1002,,,,G2,03,,
S3,active,,true,LIN,student,s3,,Sam,Okafor,,1003,,,,,03,,Parseltongue
S4,active,,true,LIN,student,s4,,Lena,Park,,1004,,,,,03,,es-MX
S5,active,,true,LIN,student,s5,,Omar,Ali,,1005,,,,,03,,
G1,active,,true,LIN,parent,,,Rosa,Lopez,,,rosa@example.org,,,S1,,,
G2,active,,true,LIN,guardian,,,Thi,Nguyen,,,,,(510) 555-0102,S2,,,vie
"""
CLASSES = """sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects
C1,active,,Room 12,,,,homeroom,,LIN,,
CD,active,,District choir,,,,scheduled,,D1,,
"""
ENROLLMENTS = """sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate
E1,active,,C1,LIN,T1,teacher,true,,
E2,active,,C1,LIN,S1,student,false,,
E3,active,,CD,D1,S2,student,false,,
"""


def _set_11() -> dict[str, str]:
    return {
        "orgs.csv": ORGS,
        "users.csv": USERS_11,
        "classes.csv": CLASSES,
        "enrollments.csv": ENROLLMENTS,
    }


def _run(db, files, **kw):
    plan = services.run(files, school=None, dry_run=False, by=None, **kw)
    db.session.commit()
    return plan


def _family(db, sid: str) -> Family:
    return db.session.scalar(select(Student).where(Student.sourced_id == sid)).family


def _warnings(plan) -> list[tuple[str, int, str]]:
    return [(w.file, w.line, w.message) for w in plan.warnings]


def test_the_ims_11_sample_shape_imports_what_the_spec_allows(db):
    plan = _run(db, _set_11())
    assert plan.errors == [], plan.errors
    warnings = _warnings(plan)
    # No grade (optional in 1.1): imported as "grade not given", with a warning on its line.
    ana = db.session.scalar(select(Student).where(Student.sourced_id == "S1"))
    assert ana.grade == ""
    assert any(f == "users.csv" and line == 7 and "no grade" in m for f, line, m in warnings)
    # Staff beyond teachers: visitors (trainable staff) at their school, never app admins.
    for email in ("aide@lin.test", "principal@lin.test", "proctor@lin.test"):
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None, email
        roles = {
            r.role
            for r in db.session.scalars(
                select(RoleAssignment).where(RoleAssignment.user_id == user.id)
            )
        }
        assert roles == {Role.VISITOR}
    # A district administrator has no school: skipped, and said so with the real reason.
    assert db.session.scalar(select(User).where(User.email == "dee@district.test")) is None
    assert any(
        f == "users.csv" and line == 6 and "Oak Valley Unified" in m and "district" in m
        for f, line, m in warnings
    )
    # A class at the district: its real problem, not "not in orgs.csv"; the rest imports.
    assert db.session.scalar(select(SchoolClass).where(SchoolClass.sourced_id == "CD")) is None
    assert db.session.scalar(select(SchoolClass).where(SchoolClass.sourced_id == "C1")) is not None
    assert any(
        f == "classes.csv" and line == 3 and "District choir" in m and "district" in m
        for f, line, m in warnings
    )
    assert not any("not in orgs.csv" in e.message for e in plan.errors)
    summary = plan.summary()
    assert summary["warnings_total"] == len(plan.warnings) and summary["errors_total"] == 0


def test_languages_from_metadata_columns_and_unknown_otherwise(db):
    plan = _run(db, _set_11())
    assert _family(db, "S1").home_language == "es"  # "Spanish"
    assert _family(db, "S4").home_language == "es"  # "es-MX"
    assert _family(db, "S2").home_language == "vi"  # only the guardian's row: "vie"
    assert _family(db, "S3").home_language is None  # "Parseltongue": unknown, with a warning
    assert _family(db, "S5").home_language is None  # nothing said: unknown, never English
    assert any(
        line == 9 and "Parseltongue" in m and "metadata.homelanguage" in m
        for _, line, m in _warnings(plan)
    )
    assert plan.unknown_language == 2


def test_a_reimport_never_replaces_a_language_set_by_hand(db):
    _run(db, _set_11())
    okafor, ali = _family(db, "S3"), _family(db, "S5")
    okafor.home_language = "so"
    db.session.commit()
    again = _run(db, _set_11())
    assert again.errors == []
    assert _family(db, "S3").home_language == "so"
    assert _family(db, "S5").home_language is None and ali.id == _family(db, "S5").id
    assert again.counts()["families"] == {"created": 0, "updated": 0, "deactivated": 0}
    # A language the files start giving fills an unknown one, and only that.
    files = _set_11()
    files["users.csv"] = files["users.csv"].replace(",03,,\n", ",03,,Somali\n")
    _run(db, files)
    assert _family(db, "S5").home_language == "so"
    assert _family(db, "S4").home_language == "es"  # its own language is kept


def test_a_12_set_with_roles_and_demographics(db):
    users = """sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,metadata.primaryLanguage
T1,active,,true,t1,,Maria,Garcia,,,mgarcia@lin.test,,,,,,
C9,active,,true,c9,,Cora,Counselor,,,cora@lin.test,,,,,,
D9,active,,true,d9,,Dee,District,,,dee@district.test,,,,,,
S1,active,,true,s1,,Ana,Lopez,,1001,,,,,03,,vi
S2,active,,true,s2,,Minh,Nguyen,,1002,,,,,03,,
"""
    roles = """sourcedId,status,dateLastModified,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId,userSourcedId
R1,active,,primary,teacher,,,LIN,,T1
R2,active,,primary,counselor,,,LIN,,C9
R3,active,,primary,districtAdministrator,,,D1,,D9
R4,active,,primary,student,,,LIN,,S1
R5,active,,primary,student,,,LIN,,S2
"""
    # The spec's demographics has no language; a vendor's metadata column does.
    demographics = """sourcedId,status,dateLastModified,birthDate,sex,metadata.homeLanguage
S2,active,,2017-01-01,female,Tagalog
"""
    manifest = "propertyName,value\noneroster.version,1.2\n"
    plan = _run(
        db,
        {
            "manifest.csv": manifest,
            "orgs.csv": ORGS,
            "users.csv": users,
            "roles.csv": roles,
            "demographics.csv": demographics,
        },
    )
    assert plan.errors == [] and plan.format == "OneRoster 1.2"
    cora = db.session.scalar(select(User).where(User.email == "cora@lin.test"))
    assert cora is not None and {r.role for r in cora.roles} == {Role.VISITOR}
    assert db.session.scalar(select(User).where(User.email == "dee@district.test")) is None
    assert _family(db, "S1").home_language == "vi"
    assert _family(db, "S2").home_language == "tl"


def test_the_template_normalises_its_language_and_keeps_unknown_unknown(db):
    from tests.factories import make_school

    make_school(code="LIN")
    db.session.commit()
    header = "student_id,first_name,last_name,grade,school_code,home_language\n"
    rows = "1,Ana,Lopez,3,LIN,Spanish\n2,Sam,Okafor,3,LIN,xx-unknown\n3,Lena,Park,3,LIN,\n"
    plan = _run(db, {"roster.csv": header + rows})
    assert plan.errors == []
    by_id = {s.sis_id: s for s in db.session.scalars(select(Student))}
    assert by_id["1"].family.home_language == "es"
    assert by_id["2"].family.home_language is None
    assert by_id["3"].family.home_language is None
    assert [(w.file, w.line) for w in plan.warnings] == [("roster.csv", 3)]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("es", "es"),
        ("ES", "es"),
        ("es-MX", "es"),
        ("es_MX", "es"),
        ("spa", "es"),
        ("Spanish", "es"),
        ("español", "es"),
        ("Vietnamese", "vi"),
        ("vie", "vi"),
        ("chi", "zh"),
        ("Haitian Creole", "ht"),
        ("hmn", "hmn"),
        ("Hmong", "hmn"),
        ("Parseltongue", None),
        ("zz", None),
        ("", None),
    ],
)
def test_language_codes(value, code):
    assert language_code(value) == code


def test_the_command_line_lists_warnings_apart_from_errors(runner, db, tmp_path):
    for name, text in _set_11().items():
        (tmp_path / name).write_text(text)
    result = runner.invoke(args=["roster", "import", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Error" not in result.output
    assert "Teachers and other staff: 4 created" in result.output
    warnings = result.output.split("Warnings: ")[1]
    assert "classes.csv, line 3: Skipped: District choir belongs to Oak Valley Unified" in warnings
    assert "users.csv, line 7: The student has no grade" in warnings
    assert "Families whose home language the files do not give: 2" in result.output


def test_the_result_page_lists_warnings_apart_and_links_the_unknown_languages(db, client, login):
    import io
    import zipfile

    from fieldapp.models import RosterImport

    admin = make_user(Role.ADMIN)
    db.session.commit()
    login(admin)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in _set_11().items():
            z.writestr(name, text)
    form = {"file": (io.BytesIO(out.getvalue()), "vendor.zip"), "school_id": "0"}
    response = client.post("/roster-imports/", data=form, content_type="multipart/form-data")
    assert response.status_code == 303
    job = db.session.scalar(select(RosterImport).order_by(RosterImport.id.desc()))
    html = client.get(f"/roster-imports/{job.id}").get_data(as_text=True)
    assert "Imported" in html and "Problems, by file and line" not in html
    assert "Warnings: rows left out or read as less, by file and line" in html
    assert "Line 3: Skipped: District choir belongs to Oak Valley Unified" in html
    assert "2 new families have no home language in the files" in html
    school = db.session.scalar(select(Student).where(Student.sourced_id == "S1")).school
    link = f'href="/schools/{school.id}/roster?language=unknown"'
    assert link not in html  # an admin does not coordinate the school: no link it would refuse
    # A coordinator's import into their school links to the school's list.
    from tests.factories import make_school

    mine = make_school(code="WAS", name="Washington")
    coordinator = make_user(Role.COORDINATOR, mine)
    login(coordinator)
    files = {
        k: v.replace("LIN", "WAS").replace("Lincoln", "Washington") for k, v in _set_11().items()
    }
    files = {k: v.replace("S5,", "S6,").replace("1005", "2005") for k, v in files.items()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    form = {"file": (io.BytesIO(out.getvalue()), "vendor.zip"), "school_id": str(mine.id)}
    client.post("/roster-imports/", data=form, content_type="multipart/form-data")
    job = db.session.scalar(select(RosterImport).order_by(RosterImport.id.desc()))
    html = client.get(f"/roster-imports/{job.id}").get_data(as_text=True)
    assert job.status.value == "applied", html
    assert f'href="/schools/{mine.id}/roster?language=unknown"' in html
