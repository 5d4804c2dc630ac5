"""Messages to families on a phone: the visitor opens the invitation of a Spanish-speaking family
and sends it as a text message; the coordinator words the school's text."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Family, TeamMember, User, Visit, VisitStatus
from tests.browser.conftest import PHONE, save_screenshot
from tests.browser.test_accessibility import DESKTOP, axe_problems, new_context
from tests.browser.test_accessibility import sign_in as axe_sign_in


def _spanish_visit():
    """visitor1's open visit with a Spanish-speaking family that can be texted."""
    v1 = db.session.scalar(select(User).where(User.email == "visitor1@demo.test"))
    visits = db.session.scalars(
        select(Visit)
        .join(TeamMember)
        .join(Family, Visit.family_id == Family.id)
        .where(
            TeamMember.user_id == v1.id,
            Family.home_language == "es",
            Family.do_not_contact.is_(False),
            Visit.status.in_([VisitStatus.TO_ARRANGE, VisitStatus.CONTACTING]),
        )
    ).all()
    visit = next(v for v in visits if any(g.phone for g in v.family.guardians))
    return visit.id, visit.school_id


def test_the_visitor_sends_the_invitation_in_spanish(page, live_server, sign_in):
    visit_id, _ = live_server.query(_spanish_visit)
    sign_in("visitor1@demo.test")
    page.goto(f"{live_server.url}/visits/{visit_id}")
    page.get_by_role("link", name="Invitation to send the family").click()
    expect(page.get_by_role("heading", name="The text (Spanish)")).to_be_visible()
    text = page.locator("#invitation-text")
    expect(text).to_have_value(re.compile(r"^¡Hola! Somos Ana y "))
    sms = page.get_by_role("link", name="Send as a text message to").first
    expect(sms).to_be_visible()
    href = sms.get_attribute("href")
    assert href.startswith("sms:+1") and "?body=%C2%A1Hola%21%20Somos%20Ana%20y%20" in href
    copy = page.get_by_role("button", name="Copy the text")
    expect(copy).to_be_visible()  # shown by the script; without it, the text is there to select
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    copy.click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    save_screenshot(page, "messages-invitation-390x844")


def test_the_coordinator_words_the_schools_text(page, live_server, sign_in):
    _, school_id = live_server.query(_spanish_visit)
    sign_in("coordinator@demo.test")
    page.goto(f"{live_server.url}/schools/{school_id}/")
    page.get_by_role("link", name="Messages to families").click()
    page.get_by_role("link", name="Edit this text").nth(1).click()  # English, Spanish, …
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitation to a visit: Spanish")
    body = page.get_by_label("Text of the message")
    body.fill("Hola, somos {visitors}. ¿Le viene bien {tiempo}?")
    page.get_by_role("button", name="Save the text").click()
    expect(page.get_by_text("{tiempo} is not a placeholder this text can use")).to_be_visible()
    expect(body).to_have_value("Hola, somos {visitors}. ¿Le viene bien {tiempo}?")
    body.fill("Hola, somos {visitors}. ¿Le viene bien {time}?")
    page.get_by_role("button", name="Save the text").click()
    expect(page.get_by_text("Saved. Visitors now send this text.")).to_be_visible()
    expect(page.locator(".preview")).to_contain_text("Hola, somos Ana y Luis. ¿Le viene bien el ")
    save_screenshot(page, "messages-editor-390x844")
    page.get_by_role("button", name="Reset to the default").click()
    expect(page.get_by_text("Back to the default text.")).to_be_visible()


@pytest.mark.parametrize("locale", ["en-US", "es-ES"])
def test_the_messages_pages_have_no_serious_accessibility_problem(browser, live_server, locale):
    visit_id, school_id = live_server.query(_spanish_visit)
    pages = {
        "visitor1@demo.test": [f"/visits/{visit_id}/invitation"],
        "coordinator@demo.test": [
            f"/schools/{school_id}/messages",
            f"/schools/{school_id}/messages/invitation/es",
        ],
    }
    problems = {}
    for email, urls in pages.items():
        context = new_context(browser, locale)
        page = context.new_page()
        axe_sign_in(page, live_server.url, email)
        for url in urls:
            assert page.goto(f"{live_server.url}{url}").ok
            for size in (PHONE, DESKTOP):
                page.set_viewport_size(size)
                if found := axe_problems(page):
                    problems[f"{url} at {size['width']}px"] = found
        context.close()
    assert not problems, problems


def test_a_family_of_unknown_language_is_not_texted_in_a_guess(page, live_server, sign_in):
    from fieldapp import demo
    from fieldapp.models import Role
    from tests.factories import make_family, make_school, make_user, make_visit

    def world():
        school = make_school(code="ULS", name="Unknown Language School")
        team = [make_user(Role.VISITOR, school, password=demo.DEMO_PASSWORD) for _ in range(2)]
        visit = make_visit(school, team=team, family=make_family(home_language=None))
        db.session.commit()
        return visit.id, team[0].email

    visit_id, email = live_server.query(world)
    sign_in(email)
    page.goto(f"{live_server.url}/visits/{visit_id}/invitation")
    expect(page.get_by_role("alert")).to_contain_text("home language is not known")
    expect(page.get_by_role("link", name=re.compile("Send as a text message"))).to_have_count(0)
    save_screenshot(page, "invitation-unknown-language-390")
    page.get_by_role("link", name="Spanish").click()
    expect(page.get_by_role("link", name=re.compile("Send as a text message"))).to_be_visible()
    expect(page.locator("#invitation-text")).to_have_attribute("lang", "es")
