"""An admin makes an API token on a phone, sees it once, and revokes it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import save_screenshot


def test_an_admin_makes_and_revokes_a_token_on_a_phone(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email").fill("admin@demo.test")
    page.get_by_label("Password").fill("fieldapp-demo-2026")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/admin/")
    page.get_by_role("link", name="API tokens for the schools’ own systems").click()
    expect(page.get_by_role("heading", name="API tokens", exact=True)).to_be_visible()

    page.get_by_label("Name").fill("SIS nightly sync")
    page.get_by_role("button", name="Make the token").click()
    expect(page.get_by_role("heading", name="Token made")).to_be_visible()
    secret = page.locator(".secret code").inner_text()
    assert re.fullmatch(r"fa_[A-Za-z0-9_-]{43}", secret)
    page.get_by_role("link", name="Done").click()

    card = page.locator(".card", has_text="SIS nightly sync")
    expect(card).to_contain_text("Never used")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    save_screenshot(page, "admin-api-tokens-390")

    page.on("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="Revoke").click()
    expect(page.locator(".card", has_text="SIS nightly sync")).to_contain_text("Revoked")
    assert secret not in page.content()
    context.close()
