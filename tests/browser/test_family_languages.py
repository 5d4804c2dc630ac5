"""Every family in its own language (#22), on a small old phone (360×640): in each family
language the family's page opens in the family's recorded language, with the right ``lang`` and
``dir``, no English words of the app, nothing sideways, no serious accessibility problem; the
family picks a time and is thanked in their language with the day in its own words.
Screenshots of Arabic (right to left) and Vietnamese."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from fieldapp import clock, demo
from fieldapp.extensions import db
from fieldapp.i18n import FAMILY_LANGUAGES, html_lang, in_language, text_direction
from fieldapp.messages.services import day_and_time
from fieldapp.models import Role, Visit, VisitMode
from tests.browser.conftest import save_screenshot
from tests.browser.test_accessibility import axe_problems
from tests.factories import make_family, make_school, make_student, make_user, make_visit
from tests.offers.test_family_languages import english_phrases

OLD_PHONE = {"width": 360, "height": 640}
# The words, lang and dir of the page are the same from both databases: the SQLite run goes
# through every language, the PostgreSQL run through Spanish and Arabic (right to left); the
# offers' queries run on PostgreSQL in tests/offers for every language.
ON_POSTGRES_TOO = {"es", "ar"}
SCREENSHOTS = {"ar", "vi"}


def _offer(code: str) -> tuple[str, str]:
    """A visit of a family whose home language is ``code``, two times offered: (link path,
    the second time as the family's language writes it)."""
    from fieldapp.offers import services

    school = make_school(name="Garfield Elementary", timezone="America/Los_Angeles")
    ana = make_user(Role.VISITOR, school, name="Ana Lopez", password=demo.DEMO_PASSWORD)
    luis = make_user(Role.VISITOR, school, name="Luis Park", password=demo.DEMO_PASSWORD)
    family = make_family(name="Reyes", home_language=code)
    visit = make_visit(school, team=[ana, luis], family=family)
    make_student(school, family, first_name="Sofia", last_name="Reyes")
    start = clock.now().replace(hour=1, minute=30, second=0, microsecond=0) + timedelta(days=3)
    offer, token = services.offer_slots(
        visit, [start, start + timedelta(days=1)], [VisitMode.HOME, VisitMode.NEUTRAL],
        by=ana, now=clock.now(),
    )  # fmt: skip
    with in_language(code, family=True):
        second = day_and_time(offer.slots[1].start, school.timezone, code)
    db.session.commit()
    return f"/o/{token}", second, visit.id


@pytest.mark.parametrize(
    "code",
    [
        code if code in ON_POSTGRES_TOO else pytest.param(code, marks=pytest.mark.sqlite_only)
        for code in FAMILY_LANGUAGES
    ],
)
def test_a_family_picks_a_time_in_their_own_language(browser, live_server, code):
    link, second, visit_id = live_server.query(lambda: _offer(code))
    # An English phone: the family's recorded language still comes first. bypass_csp: the app's
    # CSP (rightly) refuses the axe script the test adds to the page.
    context = browser.new_context(
        locale="en-US",
        viewport=OLD_PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        bypass_csp=True,
    )
    phone = context.new_page()
    phone.goto(f"{live_server.url}{link}")
    expect(phone.locator("html")).to_have_attribute("lang", html_lang(code))
    expect(phone.locator("html")).to_have_attribute("dir", text_direction(code))
    text = phone.locator("body").inner_text()
    if code != "en":
        left = [phrase for phrase in english_phrases(code) if phrase in text]
        assert not left, left
    assert phone.evaluate("document.documentElement.scrollWidth") <= OLD_PHONE["width"]
    assert not axe_problems(phone)
    if code in SCREENSHOTS:
        save_screenshot(phone, f"family-offer-{code}-360x640")
    # The folded switch: opened, every language in its own words, this one marked.
    phone.locator(".language-switch summary").click()
    expect(phone.locator(".language-switch [aria-current]")).to_have_text(FAMILY_LANGUAGES[code])
    expect(phone.locator(".language-switch a")).to_have_count(len(FAMILY_LANGUAGES) - 1)
    assert phone.evaluate("document.documentElement.scrollWidth") <= OLD_PHONE["width"]
    if code in SCREENSHOTS:
        save_screenshot(phone, f"family-offer-switch-{code}-360x640")

    times = phone.locator("input[name=slot]")
    expect(times).to_have_count(2)
    phone.get_by_role("radio", name=second).check()
    phone.locator("input[name=mode]").nth(1).check()
    phone.locator("button[value=choose]").click()
    expect(phone.locator("p.banner.success")).to_contain_text(second)
    expect(phone.locator("html")).to_have_attribute("lang", html_lang(code))
    if code != "en":
        thanks = phone.locator("body").inner_text()
        assert not [phrase for phrase in english_phrases(code) if phrase in thanks]
    if code in SCREENSHOTS:
        save_screenshot(phone, f"family-offer-thanks-{code}-360x640")
    context.close()

    def chosen():
        visit = db.session.get(Visit, visit_id)
        return visit.status.value, visit.mode

    assert live_server.query(chosen) == ("scheduled", VisitMode.NEUTRAL)
