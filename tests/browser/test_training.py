"""A trainer marks attendance on a tablet by tapping names."""

from __future__ import annotations

import re

from playwright.sync_api import expect

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

    # Omar stayed the whole session: his completion is recorded.
    page.locator("#completion").get_by_label("Omar Hassan").check()
    page.get_by_role("button", name="Record completion").click()
    expect(page.get_by_text("Training completed for 1 person.")).to_be_visible()
    expect(page.locator("#completion").get_by_text("Omar Hassan (completed)")).to_be_visible()
    context.close()
