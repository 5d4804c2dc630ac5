"""The admin disables a visitor who has open visits: the prompt lists them, offers trained
people of the school in the visitor's place, and reassigns them before disabling. And the
coordinator's screens this work changed, on a phone."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.auth.services import create_account
from fieldapp.extensions import db
from fieldapp.models import (
    Role,
    School,
    TeamMember,
    TrainingCompletion,
    TrainingKind,
    User,
    Visit,
)
from fieldapp.rules import OPEN_STATUSES
from tests.browser.conftest import SCREENS, save_screenshot


def _a_pair_with_open_visits() -> list[int]:
    """Three new trained visitors at the demo's Chávez school: Sam and Pat share two open
    visits of the school's round; Kai is free. Their own, so that no other test's people move."""
    school = db.session.scalar(select(School).where(School.code == "CCE"))
    today = date.today()
    people = {}
    for name in ("Sam Rivera", "Pat Nguyen", "Kai Moreno"):
        user, _ = create_account(
            name=name,
            email=f"{name.split()[0].lower()}.people@demo.test",
            role=Role.VISITOR,
            school=school,
            by=None,
        )
        db.session.add(
            TrainingCompletion(
                user_id=user.id,
                kind=TrainingKind.FOUNDATIONAL,
                completed_on=today - timedelta(days=30),
                valid_until=None,
            )
        )
        people[name] = user
    db.session.flush()
    visits = db.session.scalars(
        select(Visit)
        .where(Visit.school_id == school.id, Visit.status.in_(OPEN_STATUSES), ~Visit.team.any())
        .order_by(Visit.id.desc())
        .limit(2)
    ).all()
    for visit in visits:
        visit.team = [TeamMember(user=people["Sam Rivera"]), TeamMember(user=people["Pat Nguyen"])]
    db.session.commit()
    return [v.id for v in visits]


def _team_names(visit_ids: list[int]) -> list[list[str]]:
    return [sorted(u.name for u in db.session.get(Visit, i).members) for i in visit_ids]


def test_disable_a_visitor_with_open_visits_and_reassign_them_from_the_prompt(
    page, live_server, sign_in
):
    visit_ids = live_server.query(_a_pair_with_open_visits)
    assert len(visit_ids) == 2, "the demo round has visits without a team"
    sign_in("admin@demo.test")
    page.goto(f"{live_server.url}/admin/")
    search = page.get_by_label("Find a person")
    search.fill("Sam Rivera")
    search.press("Enter")  # as a person does; keys sent before htmx took over still answer
    row = page.locator("#people tbody tr")
    expect(row).to_have_count(1)
    row.get_by_role("link", name="Disable…").click()
    expect(page.get_by_role("heading", name="Disable Sam Rivera?")).to_be_visible()
    cards = page.locator(".disable-visits > li")
    expect(cards).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Each visit comes with a trained person of the school already chosen, never the partner.
    for choice in cards.locator("select").all():
        assert choice.input_value() != ""
        assert "Pat Nguyen" not in choice.inner_text()
    save_screenshot(page, "admin-disable-prompt-390")
    for choice in cards.locator("select").all():
        choice.select_option(label="Kai Moreno")
    page.get_by_role("button", name="Reassign and disable the account").click()
    expect(page.get_by_text("Sam Rivera is disabled and signed out.")).to_be_visible()
    expect(page.get_by_text("2 visits have a new team member.")).to_be_visible()
    assert live_server.query(lambda: _team_names(visit_ids)) == [["Kai Moreno", "Pat Nguyen"]] * 2
    assert (
        live_server.query(
            lambda: db.session.scalar(select(User.active).where(User.name == "Sam Rivera"))
        )
        is False
    )
    # The person's page: name, staff id for payroll, roles.
    # Typed and then Enter, as a person does: on a busy machine the keys can come before htmx
    # has taken over the page the disable led to, and only the form's own submit answers then.
    search = page.get_by_label("Find a person")
    search.fill("Kai Moreno")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"q=Kai"))  # the search answered (a late one moves the URL)
    save_screenshot(page, "admin-people-390")
    page.locator("#people").get_by_role("link", name="Kai Moreno").click()
    page.get_by_label("Staff id").fill("E-2049")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Kai Moreno is saved.")).to_be_visible()
    expect(page.get_by_label("Staff id")).to_have_value("E-2049")
    save_screenshot(page, "admin-person-390")


def test_the_coordinators_screens_on_a_phone(page, live_server, sign_in):
    sign_in("coordinator@demo.test")
    attention = page.get_by_role("heading", name="Needs attention")
    expect(attention).to_be_visible()
    # What needs attention starts within the first screen, before the shortcuts.
    assert attention.bounding_box()["y"] < 844
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    save_screenshot(page, "coordinator-dashboard-attention-390")

    page.get_by_role("link", name="Students and families").first.click()
    expect(page.get_by_role("heading", name="Students and families")).to_be_visible()
    expect(page.get_by_text("Guardian:").first).to_be_visible()
    save_screenshot(page, "coordinator-roster-390")
    page.screenshot(path=str(SCREENS / "coordinator-roster-390-top.png"))  # the first screen

    page.go_back()
    page.get_by_role("link", name="Hours for pay").click()
    expect(page.get_by_role("heading", name="Hours for pay")).to_be_visible()
    save_screenshot(page, "coordinator-hours-390")
    page.screenshot(path=str(SCREENS / "coordinator-hours-390-top.png"))
