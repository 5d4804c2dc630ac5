"""Planning a round and assigning its visits, as a coordinator does it on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import RoleAssignment, Round, Student, User, Visit
from tests.browser.conftest import SCREENS
from tests.browser.test_accessibility import axe_problems, new_context
from tests.browser.test_accessibility import sign_in as sign_in_by_field_names

COORDINATOR = "coordinator@demo.test"


def _school_and_student():
    school_id = db.session.scalar(
        select(RoleAssignment.school_id).join(User).where(User.email == COORDINATOR)
    )
    sis_id = db.session.scalar(
        select(Student.sis_id).where(Student.school_id == school_id).order_by(Student.id).limit(1)
    )
    return school_id, sis_id


def _rounds() -> int:
    return db.session.scalar(select(func.count()).select_from(Round))


def test_the_plan_form_previews_the_targeting_warning_before_anything_is_made(
    page, live_server, sign_in, screenshot
):
    school_id, sis_id = live_server.query(_school_and_student)
    before = live_server.query(_rounds)
    sign_in(COORDINATOR)
    page.goto(f"{live_server.url}/schools/{school_id}/rounds/new")
    page.get_by_label("Name").fill("Just one student")
    page.get_by_label("From").fill("2027-09-01")
    page.get_by_label("To").fill("2027-10-15")
    page.get_by_label("Chosen students").check()
    page.get_by_label("Student ids").fill(f"{sis_id} S-TYPO")
    page.get_by_role("button", name="Preview").click()
    error = page.locator("#students-error")
    expect(error).to_contain_text("S-TYPO")
    expect(error).to_be_in_viewport()  # the page shows what went wrong, where
    expect(page.locator("#preview")).to_have_count(0)

    page.get_by_label("Student ids").fill(sis_id)
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview")
    expect(preview).to_contain_text("This round will make 1 visit.")
    expect(preview.locator(".flash-warning").first).to_contain_text("picks individual students")
    expect(preview.get_by_role("heading", name="Coverage by grade")).to_be_visible()
    expect(page.locator("#students-error")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("rounds-plan-preview-390")
    expect(preview.get_by_role("heading", name="Preview")).to_be_in_viewport()
    page.screenshot(path=str(SCREENS / "rounds-plan-preview-390-seen.png"))  # what a phone shows
    assert live_server.query(_rounds) == before  # nothing made by a preview

    # The grade boxes: each box on its label's line.
    box = page.locator("#grades-0").bounding_box()
    label = page.locator("label:has(#grades-0) span").bounding_box()
    assert abs((box["y"] + box["height"] / 2) - (label["y"] + label["height"] / 2)) < 8
    assert label["x"] > box["x"] + box["width"]


def test_a_refused_bulk_assignment_keeps_the_ticked_visits_and_the_team(
    page, live_server, sign_in, screenshot
):
    sign_in(COORDINATOR)
    page.get_by_role("link", name="Assign visits").click()
    cards = page.locator(".board-visits > li.card")
    expect(cards.first).to_be_visible()
    before = cards.count()
    assert before >= 2
    boxes = page.locator('.board-visits input[name="visits"]')
    ids = [boxes.nth(0).get_attribute("value"), boxes.nth(1).get_attribute("value")]
    boxes.nth(0).check()
    boxes.nth(1).check()
    first = page.get_by_label("First visitor")
    options = first.locator("option:not([disabled]):not([value=''])")
    person = options.first.get_attribute("value")
    first.select_option(person)
    # Only one visitor chosen: refused, and nothing the coordinator did is lost.
    page.get_by_role("button", name="Assign the ticked visits").click()
    expect(page.locator("#team-error")).to_contain_text("team of two or three")
    for visit_id in ids:
        expect(page.locator(f'input[name="visits"][value="{visit_id}"]')).to_be_checked()
    expect(page.get_by_label("First visitor")).to_have_value(person)
    screenshot("rounds-board-refused-390")
    page.locator("#team-error").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENS / "rounds-board-refused-390-seen.png"))

    second = options.nth(1).get_attribute("value")
    page.get_by_label("Second visitor").select_option(second)
    page.get_by_role("button", name="Assign the ticked visits").click()
    expect(page.locator("#board .flash-success")).to_contain_text("2 visits assigned")
    expect(cards).to_have_count(before - 2)
    undo = page.get_by_role("button", name=re.compile("Undo your last change of teams"))
    expect(undo).to_be_visible()
    screenshot("rounds-board-assigned-390")

    # Undo puts the two visits back without a team, as the demo had them.
    undo.click()
    expect(page.locator("#board .flash-success")).to_contain_text("Undone: 2 visits")
    expect(cards).to_have_count(before)
    teams = live_server.query(
        lambda: [len(db.session.get(Visit, int(i)).team) for i in ids]  # noqa: B023
    )
    assert teams == [0, 0]

    page.get_by_role("button", name="Tick all shown").click()
    expect(page.locator('.board-visits input[name="visits"]:checked')).to_have_count(before)


@pytest.mark.parametrize("locale", ["en-US", "es-ES"])
def test_the_preview_and_a_refused_board_have_no_serious_accessibility_problem(
    browser, live_server, locale
):
    school_id, sis_id = live_server.query(_school_and_student)
    context = new_context(browser, locale)
    page = context.new_page()
    sign_in_by_field_names(page, live_server.url, COORDINATOR)
    page.goto(f"{live_server.url}/schools/{school_id}/rounds/new")
    page.locator("input[name=name]").fill("Axe")
    page.locator("input[name=starts_on]").fill("2027-09-01")
    page.locator("input[name=ends_on]").fill("2027-10-15")
    page.locator("input[name=scope][value=students]").check()
    page.locator("input[name=students]").fill(f"{sis_id} NOPE")
    page.locator("button[name=preview]").click()
    expect(page.locator("#students-error")).to_be_visible()
    problems = {"plan with an error": axe_problems(page)}
    page.locator("input[name=students]").fill(sis_id)
    page.locator("button[name=preview]").click()
    expect(page.locator("#preview")).to_be_visible()
    problems["plan preview"] = axe_problems(page)

    round_id = live_server.query(
        lambda: db.session.scalar(select(Round.id).where(Round.school_id == school_id))
    )
    page.goto(f"{live_server.url}/rounds/{round_id}")
    page.locator('.board-visits input[name="visits"]').first.check()
    page.locator(".team-picker button.primary").click()  # no team chosen: refused
    expect(page.locator("#team-error")).to_be_visible()
    problems["board refused"] = axe_problems(page)
    context.close()
    assert not any(problems.values()), problems
