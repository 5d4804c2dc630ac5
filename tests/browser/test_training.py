"""A trainer marks attendance on a tablet by tapping names."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AuditEvent
from tests.browser.conftest import save_screenshot

TABLET = {"width": 820, "height": 1180}


def test_a_trainer_marks_attendance_by_tapping_on_a_tablet(browser, live_server):
    context = browser.new_context(viewport=TABLET, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email").fill("trainer@demo.test")
    page.get_by_label("Password").fill("fieldapp-demo-2026")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Refresher: second visits and academics").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Refresher: second visits and academics"
    )

    for name in ("Tom Becker", "Omar Hassan"):
        button = page.locator("li.person", has_text=name).get_by_role("button")
        expect(button).to_have_attribute("aria-pressed", "false")
        button.tap()
        button = page.locator("li.person", has_text=name).get_by_role("button")
        expect(button).to_have_attribute("aria-pressed", "true")
        expect(button).to_contain_text("Present")
    expect(page.locator("#present-count")).to_contain_text("2 present of")  # updated in place
    save_screenshot(page, "trainer-attendance-820x1180")

    # A mistaken tap is undone with another tap; what is marked survives a reload.
    becker = page.locator("li.person", has_text="Tom Becker").get_by_role("button")
    becker.tap()
    expect(
        page.locator("li.person", has_text="Tom Becker").get_by_role("button")
    ).to_have_attribute("aria-pressed", "false")
    page.reload()
    expect(
        page.locator("li.person", has_text="Omar Hassan").get_by_role("button")
    ).to_have_attribute("aria-pressed", "true")
    expect(
        page.locator("li.person", has_text="Tom Becker").get_by_role("button")
    ).to_have_attribute("aria-pressed", "false")
    expect(page.get_by_text(re.compile(r"1 present of \d+"))).to_be_visible()

    # The refresher is three weeks ahead: nobody can be certified for it yet.
    expect(page.locator("#completion")).to_contain_text(
        "The session has not started: completion can be recorded from"
    )
    expect(page.get_by_role("button", name="Record completion")).to_have_count(0)
    context.close()


def test_a_trainer_takes_back_a_mistaken_completion(page, sign_in, live_server, screenshot):
    """One tap marks Lucia present, her completion is pre-ticked; recorded by mistake, it is
    taken back with a reason, and then her attendance can be un-ticked too."""
    sign_in("trainer@demo.test")
    page.get_by_role("link", name="Foundational home visit training").click()
    row = page.locator("li.person", has_text="Lucia Ferreira")
    row.get_by_role("button").click()
    expect(row.get_by_role("button")).to_have_attribute("aria-pressed", "true")
    completion = page.locator("#completion")
    expect(completion.get_by_label("Lucia Ferreira")).to_be_checked()  # pre-ticked
    page.get_by_role("button", name="Record completion").click()
    expect(page.get_by_text("Training completed for 1 person.")).to_be_visible()
    expect(completion.get_by_text("Lucia Ferreira (completed)")).to_be_visible()
    completion.get_by_text("Lucia Ferreira (completed)").scroll_into_view_if_needed()
    screenshot("training-completed-390x844")

    # Un-ticking her attendance is refused while the completion stands.
    page.locator("li.person", has_text="Lucia Ferreira").get_by_role("button").click()
    expect(page.get_by_text("take the completion back first")).to_be_visible()

    page.get_by_role("link", name="Take back Lucia Ferreira’s completion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Take back a completion")
    page.get_by_role("button", name="Take back the completion").click()
    expect(page.get_by_text("Say why the completion is taken back.")).to_be_visible()
    page.get_by_label("Why is the completion taken back?").fill(
        "Ticked by mistake: she left at noon."
    )
    screenshot("training-take-back-390x844")
    page.get_by_role("button", name="Take back the completion").click()
    expect(page.get_by_text("Lucia Ferreira’s completion was taken back.")).to_be_visible()
    expect(page.locator("#completion").get_by_text("Lucia Ferreira (completed)")).to_have_count(0)

    row = page.locator("li.person", has_text="Lucia Ferreira")
    row.get_by_role("button").click()
    expect(
        page.locator("li.person", has_text="Lucia Ferreira").get_by_role("button")
    ).to_have_attribute("aria-pressed", "false")
    events = live_server.query(
        lambda: db.session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "training.revoke")
        ).all()
    )
    assert any(e["reason"] == "Ticked by mistake: she left at noon." for e in events)

    # The trained-staff roster links each certificate; Lucia has none again.
    page.get_by_role("link", name="Trained staff").first.click()
    expect(page.get_by_role("link", name="Certificate of Ana Morales")).to_be_visible()
    expect(page.get_by_role("link", name="Certificate of Lucia Ferreira")).to_have_count(0)
    screenshot("training-roster-390x844")


def test_each_checkbox_of_the_session_form_sits_on_its_label_s_line(page, sign_in, screenshot):
    sign_in("trainer@demo.test")
    page.get_by_role("link", name="New session").click()
    boxes = page.locator(".checks li")
    expect(boxes.first).to_be_visible()
    for i in range(boxes.count()):
        box = boxes.nth(i).locator("input").bounding_box()
        label = boxes.nth(i).locator("label").bounding_box()
        middle = box["y"] + box["height"] / 2
        assert label["y"] <= middle <= label["y"] + label["height"]  # same line
        assert box["x"] + box["width"] <= label["x"]  # box first, then its label
    screenshot("training-new-session-390x844")


def test_a_trainer_finds_a_name_on_the_roster_and_marks_them_there(page, sign_in, screenshot):
    """Typing part of a name keeps the roster to it (the list swapped in place, the address
    kept for a reload); tapping the one found marks them present and the count follows."""
    sign_in("trainer@demo.test")
    page.get_by_role("link", name="Foundational home visit training").click()
    expect(page.locator("li.person", has_text="Lucia Ferreira")).to_be_visible()
    everyone = page.locator("li.person").count()
    assert everyone > 1
    # Typed and then Enter, as a person does: on a busy machine the keys can come before htmx
    # has taken over the page, and only the form's own submit answers then.
    search = page.get_by_label("Find by name")
    search.fill("ferr")
    search.press("Enter")
    expect(page.locator("li.person")).to_have_count(1)
    expect(page.locator("li.person")).to_contain_text("Lucia Ferreira")
    expect(page).to_have_url(re.compile(r"name=ferr"))
    page.locator("li.person").get_by_role("button").click()
    expect(page.locator("li.person").get_by_role("button")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator("#present-count")).to_contain_text("1 present of")
    screenshot("training-session-filtered-390x844")
    page.reload()
    expect(page.get_by_label("Find by name")).to_have_value("ferr")
    expect(page.locator("li.person")).to_have_count(1)
    search = page.get_by_label("Find by name")
    search.fill("")
    search.press("Enter")
    expect(page.locator("li.person")).to_have_count(everyone)
