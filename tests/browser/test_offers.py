"""Families choose the time (#12): the team offers three times; the family, in a fresh browser
with no session and Spanish as its language, opens the link and picks a time and a neutral
place; the visit is scheduled for both partners, each gets an email through SMTP, and the
calendar feed holds the visit. Screenshots of the family's page at 360×640, in both languages."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp import clock, demo
from fieldapp.extensions import db
from fieldapp.models import Role, Visit, VisitMode, VisitStatus
from fieldapp.visits import feeds
from tests.browser.conftest import save_screenshot
from tests.browser.test_accessibility import axe_problems
from tests.factories import make_family, make_school, make_student, make_user, make_visit
from tests.smtp_sink import SmtpSink

OLD_PHONE = {"width": 360, "height": 640}


def _world() -> dict:
    school = make_school(name="Garfield Elementary", timezone="America/Los_Angeles")
    ana = make_user(Role.VISITOR, school, name="Ana Lopez", password=demo.DEMO_PASSWORD)
    luis = make_user(Role.VISITOR, school, name="Luis Park", password=demo.DEMO_PASSWORD)
    family = make_family(name="Reyes", address_line1="77 Secret Lane", home_language="es")
    visit = make_visit(school, team=[ana, luis], family=family)
    make_student(school, family, first_name="Sofia", last_name="Reyes")
    db.session.commit()
    return {"visit": visit.id, "ana": ana.email, "luis": luis.email, "ana_id": ana.id}


def test_the_family_chooses_the_time_in_spanish(page, browser, sign_in, live_server, screenshot):
    world = live_server.query(_world)
    with SmtpSink() as sink:
        live_server.app.config.update(sink.config())
        try:
            _offer_choose_and_check(page, browser, sign_in, live_server, world, sink)
        finally:
            live_server.app.config.pop("SMTP_HOST", None)
            live_server.app.config.pop("SMTP_PORT", None)


def _offer_choose_and_check(page, browser, sign_in, live_server, world, sink):
    # The team offers three times, from the visit's page.
    sign_in(world["ana"])
    page.goto(f"{live_server.url}/visits/{world['visit']}")
    page.get_by_role("link", name="Offer times to the family").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Offer times to the family")
    here = clock.now().astimezone(ZoneInfo("America/Los_Angeles"))
    for i in range(3):
        day = here.date() + timedelta(days=2 + i)
        slot = page.get_by_role("group", name=f"Time {i + 1}")
        slot.get_by_label("Date").fill(day.isoformat())
        slot.get_by_label("Start time").fill("16:30")
    page.get_by_role("button", name="Make the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Send the times to the family")
    link = page.locator("a[href*='/o/']").first.get_attribute("href")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/o/[A-Za-z0-9_-]{22}", link)
    expect(page.locator("a[href^='sms:']")).to_have_count(1)

    # The family: a fresh browser, no session, Spanish, a small old phone.
    family = browser.new_context(
        locale="es-ES", viewport=OLD_PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    phone = family.new_page()
    phone.goto(link)
    expect(phone.locator("html")).to_have_attribute("lang", "es")
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "¿Le gustaría recibir una visita de la escuela de su hijo o hija?"
    )
    expect(phone.get_by_text("Ana y Luis", exact=False)).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= OLD_PHONE["width"]
    assert "Reyes" not in phone.content() and "Secret" not in phone.content()
    save_screenshot(phone, "family-offer-es-360x640")
    phone.locator(".language-switch summary").click()  # the folded switch: a globe, "Español"
    phone.get_by_role("link", name="English").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Would you like a visit from your child's school?"
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= OLD_PHONE["width"]
    save_screenshot(phone, "family-offer-en-360x640")
    phone.locator(".language-switch summary").click()
    phone.get_by_role("link", name="Español").click()

    times = phone.get_by_role("group", name="¿Qué horario le viene bien?").get_by_role("radio")
    expect(times).to_have_count(3)
    times.nth(1).check()
    phone.get_by_role("radio", name="Lugar neutral").check()
    phone.get_by_label("¿Quiere decirnos algo? (opcional)").fill("La biblioteca de la calle 5")
    phone.get_by_role("button", name="Sí, este horario nos viene bien").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("¡Gracias!")
    save_screenshot(phone, "family-offer-thanks-es-360x640")
    family.close()

    # The visit is scheduled, on My visits of both partners.
    def scheduled():
        visit = db.session.get(Visit, world["visit"])
        return visit.status, visit.mode, [m.user.email for m in visit.team]

    status, mode, emails = live_server.query(scheduled)
    assert status == VisitStatus.SCHEDULED and mode == VisitMode.NEUTRAL
    for email in emails:
        page.context.clear_cookies()  # the next partner, on their own phone
        sign_in(email)
        page.goto(f"{live_server.url}/visits/")
        upcoming = page.locator("section[aria-labelledby='h-upcoming']")
        expect(upcoming.get_by_text("Reyes family")).to_be_visible()

    # An email reached the SMTP sink for each partner.
    for email in emails:
        mails = sink.to(email)
        assert len(mails) == 1 and mails[0]["Subject"].startswith("Visit scheduled: ")
        assert "Reyes" not in mails[0]["Subject"]

    # The calendar feed holds the visit.
    def feed_token():
        from fieldapp.models import User

        user = db.session.scalar(select(User).where(User.email == world["ana"]))
        token = feeds.open_feed(user, now=clock.now())
        db.session.commit()
        return token

    token = live_server.query(feed_token)
    body = page.request.get(f"{live_server.url}/calendar/{token}.ics").text()
    # No public address is configured here, so the UID's host is the stable "fieldapp" (never
    # the address the request came in on, which would change the UID behind a new proxy).
    assert f"UID:visit-{world['visit']}@fieldapp" in body


def _offer() -> str:
    from fieldapp.offers import services

    world = _world()
    visit = db.session.get(Visit, world["visit"])
    here = clock.now().astimezone(ZoneInfo("America/Los_Angeles"))
    starts = [
        datetime.combine(here.date() + timedelta(days=3 + i), time(17), here.tzinfo)
        for i in range(3)
    ]
    _made, token = services.offer_slots(visit, starts, list(VisitMode), by=None, now=clock.now())
    db.session.commit()
    return token


def test_the_familys_pages_have_no_serious_accessibility_problem(browser, live_server):
    token = live_server.query(_offer)
    context = browser.new_context(
        viewport=OLD_PHONE, locale="es-ES", bypass_csp=True, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    problems = {}
    for url in (f"/o/{token}", f"/o/{token}?lang=en", "/o/not-a-real-link-at-all"):
        page.goto(f"{live_server.url}{url}")
        found = axe_problems(page)
        if found:
            problems[url] = found
    context.close()
    assert not problems, problems
