"""A coordinator uploads the roster template on a phone, reads the dry run, applies it."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import func, select

from fieldapp import demo
from fieldapp.extensions import db
from fieldapp.models import Role, School, Student
from tests.browser.conftest import save_screenshot
from tests.factories import make_school, make_user

ROWS = (
    "student_id,first_name,last_name,grade,school_code,home_language,"
    "guardian1_name,guardian1_relationship,guardian1_phone\n"
    "501,Ana,Lopez,3,RTS,es,Rosa Lopez,mother,(510) 555-0123\n"
    "502,Luis,Lopez,1,RTS,es,Rosa Lopez,mother,(510) 555-0123\n"
    "503,Sam,Okafor,K,RTS,,,,\n"
)


def test_a_coordinator_dry_runs_and_applies_a_roster(page, live_server, sign_in, tmp_path):
    # A school of its own, so that the demo district the other browser tests read is untouched.
    def school_and_coordinator():
        school = make_school(code="RTS", name="Roster Test School")
        user = make_user(Role.COORDINATOR, school, password=demo.DEMO_PASSWORD)
        db.session.commit()
        return school.id, user.email

    school_id, email = live_server.query(school_and_coordinator)
    roster = tmp_path / "roster.csv"
    roster.write_text(ROWS)

    sign_in(email)
    page.goto(f"{live_server.url}/schools/{school_id}/")
    page.get_by_role("link", name="Import the roster").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Roster import")
    expect(page.get_by_label("Dry run")).to_be_checked()
    expect(page.get_by_role("link", name="roster template (CSV)")).to_be_visible()
    page.get_by_label("Roster file").set_input_files(roster)
    page.get_by_role("button", name="Upload").click()

    expect(page.get_by_role("heading", name="Dry run: what this import would do")).to_be_visible()
    students = page.locator(".import-counts tr", has_text="Students")
    expect(students).to_contain_text("3")
    count = live_server.query(
        lambda: db.session.scalar(
            select(func.count()).select_from(Student).where(Student.school_id == school_id)
        )
    )
    assert count == 0  # a dry run changes nothing

    page.get_by_role("button", name="Apply this import").click()
    # The import runs as a task after the upload and the page follows its progress.
    expect(page.get_by_role("heading", name="Imported")).to_be_visible(timeout=20_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_text("Students, new: 3").click()  # open the examples
    expect(page.get_by_text("Ana Lopez")).to_be_visible()
    save_screenshot(page, "roster-import-result-390")

    def imported():
        school = db.session.get(School, school_id)
        rows = db.session.scalars(select(Student).where(Student.school_id == school.id)).all()
        return sorted(s.full_name for s in rows), len({s.family_id for s in rows})

    names, families = live_server.query(imported)
    assert names == ["Ana Lopez", "Luis Lopez", "Sam Okafor"]
    assert families == 2  # the Lopez siblings share their mother


def test_the_progress_bar_follows_a_background_import(page, live_server, sign_in):
    from fieldapp.models import ImportStatus, RosterImport

    def running_import():
        school = make_school(code="RTP", name="Progress School")
        user = make_user(Role.COORDINATOR, school, password=demo.DEMO_PASSWORD)
        job = RosterImport(
            filename="district.zip",
            school_id=school.id,
            created_by_id=user.id,
            status=ImportStatus.RUNNING,
            progress=20,
            stage="Reading classes",
        )
        db.session.add(job)
        db.session.commit()
        return job.id, user.email

    job_id, email = live_server.query(running_import)

    def advance(**values):
        def change():
            job = db.session.get(RosterImport, job_id)
            for key, value in values.items():
                setattr(job, key, value)
            db.session.commit()

        live_server.query(change)

    sign_in(email)
    page.goto(f"{live_server.url}/roster-imports/{job_id}")
    bar = page.locator("#import-status progress")
    expect(bar).to_have_attribute("value", "20")
    advance(progress=55, stage="Comparing classes and families")
    expect(bar).to_have_attribute("value", "55")  # polled, no reload
    expect(page.get_by_text("Comparing classes and families")).to_be_visible()
    empty = {
        k: {"created": 0, "updated": 0, "deactivated": 0}
        for k in (
            "schools",
            "teachers",
            "classes",
            "teachers_of_record",
            "students",
            "enrollments",
            "families",
            "guardians",
        )
    }
    advance(
        status=ImportStatus.PLANNED,
        progress=100,
        stage="Finished",
        result={"counts": empty, "examples": {}, "refused_total": 0, "errors": []},
        upload=b"x",
    )
    expect(page.get_by_role("heading", name="Dry run: what this import would do")).to_be_visible()
    expect(page.get_by_role("button", name="Apply this import")).to_be_visible()
    expect(page.locator("#import-status[hx-trigger]")).to_have_count(0)  # polling stopped


def test_a_coordinator_sets_the_languages_the_roster_did_not_give(
    page, live_server, sign_in, tmp_path
):
    def school_and_coordinator():
        school = make_school(code="RTL", name="Language Test School")
        user = make_user(Role.COORDINATOR, school, password=demo.DEMO_PASSWORD)
        db.session.commit()
        return school.id, user.email

    school_id, email = live_server.query(school_and_coordinator)
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "student_id,first_name,last_name,grade,school_code,home_language,"
        "guardian1_name,guardian1_relationship,guardian1_phone\n"
        "601,Ana,Lopez,3,RTL,Spanish,Rosa Lopez,mother,(510) 555-0177\n"
        "602,Sam,Okafor,K,RTL,,Ngozi Okafor,mother,(510) 555-0199\n"
    )
    sign_in(email)
    page.goto(f"{live_server.url}/roster-imports/")
    page.get_by_label("Roster file").set_input_files(roster)
    page.get_by_label("Dry run").uncheck()
    page.get_by_role("button", name="Upload").click()
    # The import runs as a task after the upload and the page follows its progress.
    expect(page.get_by_role("heading", name="Imported")).to_be_visible(timeout=20_000)
    banner = page.locator("#unknown-language")
    expect(banner).to_contain_text("1 new family has no home language in the files")
    save_screenshot(page, "roster-import-unknown-language-390")

    banner.get_by_role("link", name="Set them at Language Test School").click()
    expect(page.get_by_label("Home language", exact=True)).to_have_value("unknown")
    rows = page.locator("table.roster tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Okafor")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    save_screenshot(page, "roster-unknown-languages-390")

    rows.first.get_by_role("combobox").select_option("so")
    rows.first.get_by_role("button", name="Set").click()
    expect(page.get_by_text("home language set to Somali")).to_be_visible()
    expect(page.locator("table.roster tbody tr")).to_have_count(0)
    language = live_server.query(
        lambda: (
            db.session.scalar(
                select(Student).where(Student.school_id == school_id, Student.sis_id == "602")
            ).family.home_language
        )
    )
    assert language == "so"
