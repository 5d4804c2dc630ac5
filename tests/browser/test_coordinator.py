"""The coordinator's dashboard and assignment board, on a laptop and on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import save_screenshot

SIZES = {"laptop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("size", SIZES)
def test_dashboard_and_board_fit_the_screen(browser, live_server, size):
    context = browser.new_context(viewport=SIZES[size])
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email").fill("coordinator@demo.test")
    page.get_by_label("Password").fill("fieldapp-demo-2026")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Coverage by grade")).to_be_visible()
    width = SIZES[size]["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    save_screenshot(page, f"coordinator-dashboard-{width}")

    page.get_by_role("link", name="Assign visits").click()
    expect(page.get_by_role("heading", name="Staff")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    save_screenshot(page, f"coordinator-board-{width}")
    context.close()


def test_the_coordinator_takes_a_suggestion_in_place(browser, live_server):
    context = browser.new_context(viewport=SIZES["phone"])
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email").fill("coordinator@demo.test")
    page.get_by_label("Password").fill("fieldapp-demo-2026")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Assign visits").click()
    cards = page.locator(".board-visits > li.card")
    expect(cards.first).to_be_visible()
    before = cards.count()
    assert before > 0
    family = cards.first.locator("strong").first.inner_text()
    cards.first.get_by_role("button", name="Assign these two").click()
    expect(page.locator("#board .flash-success")).to_contain_text(re.compile("1 visit assigned"))
    expect(cards).to_have_count(before - 1)
    expect(page.locator(".board-visits").get_by_text(family, exact=True)).to_have_count(0)
    context.close()
