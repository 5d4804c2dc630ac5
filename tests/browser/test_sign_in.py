"""Each role signs in on a phone-sized screen and lands on its own home page."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from fieldapp import clock
from fieldapp.demo import TZ

HOMES = [
    ("visitor1@demo.test", "/visits/", "My visits"),
    ("coordinator@demo.test", "/schools/", "César Chávez Elementary"),
    ("trainer@demo.test", "/training/", "Training"),
    ("admin@demo.test", "/admin/", "Schools and people"),
]


@pytest.mark.parametrize(("email", "path", "heading"), HOMES, ids=[h[0] for h in HOMES])
def test_each_role_lands_on_its_home_page(page, sign_in, screenshot, email, path, heading):
    sign_in(email)
    expect(page).to_have_url(re.compile(re.escape(path)))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    # Nothing wider than the phone: no sideways scrolling at 390 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(f"home-{email.split('@')[0]}-390x844")


def test_a_wrong_password_is_said_next_to_the_field(page, sign_in):
    sign_in("visitor1@demo.test", "not the right password")
    error = page.locator("#password-error")
    expect(error).to_have_text(re.compile("do not match"))
    expect(page.get_by_label("Password")).to_have_attribute("aria-describedby", "password-error")
    expect(page.get_by_label("Email")).to_have_value("visitor1@demo.test")


def test_the_visitor_sees_today_s_visit_first_and_opens_it(page, sign_in, live_server, time_passes):
    # The demo's visits of today are in the late afternoon, school time: late in the evening
    # they are over and wait for their reflection. After 9 am there, the app's clock goes back
    # to 9 am (never forward: a visitor's session ends after 8 hours idle).
    def to_nine_am() -> timedelta:
        now = clock.now()
        nine = datetime.combine(now.astimezone(ZoneInfo(TZ)).date(), time(9), ZoneInfo(TZ))
        return min(nine - now, timedelta(0))

    sign_in("visitor1@demo.test")  # (signed in first: sign-in limits go by the real clock)
    time_passes(live_server.query(to_nine_am))
    page.reload()
    today = page.locator("section", has=page.get_by_role("heading", name=re.compile("^Today")))
    expect(today.locator(".card").first).to_be_visible()
    today.locator(".card h3 a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("family")
    expect(page.get_by_text("Scheduled", exact=True)).to_be_visible()


def test_sign_out_returns_to_sign_in(page, sign_in):
    sign_in("trainer@demo.test")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile("/login"))
    expect(page.get_by_text("You are signed out.")).to_be_visible()
