"""A visitor makes a calendar link on a phone, adds it (the webcal link), and turns it off."""

from __future__ import annotations

import re
from datetime import timedelta

from icalendar import Calendar
from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.models import Role, TeamMember, User, Visit, VisitStatus
from fieldapp.visits import feeds


def _scheduled_uids(email: str) -> set[str]:
    person = db.session.scalar(select(User).where(User.email == email))
    since = clock.now() - timedelta(days=feeds.DAYS_BACK)
    ids = db.session.scalars(
        select(Visit.id)
        .join(TeamMember)
        .where(
            TeamMember.user_id == person.id,
            Visit.status == VisitStatus.SCHEDULED,
            Visit.scheduled_start >= since,
            Visit.school_id.in_(person.school_ids(Role.VISITOR)),
        )
    )
    return {f"visit-{i}@fieldapp" for i in ids}  # never the address it was fetched at


def test_a_visitor_makes_adds_and_turns_off_a_calendar_link(
    page, context, sign_in, live_server, screenshot
):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in("visitor1@demo.test")
    page.goto(f"{live_server.url}/account")
    section = page.locator("#calendar-feed")
    expect(section.get_by_role("heading", name="Calendar feed")).to_be_visible()
    section.scroll_into_view_if_needed()
    screenshot("account-calendar-feed-off-390x844")

    page.reload()  # as below: a page without the screenshot's injected style
    section.get_by_role("button", name="Create calendar link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your calendar link")
    link = page.get_by_label("Calendar link").input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/calendar/[A-Za-z0-9_-]{43}\.ics", link)
    add = page.get_by_role("link", name="Add to my calendar")
    expect(add).to_have_attribute("href", "webcal://" + link.split("://", 1)[1])
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("calendar-link-390x844")

    # What the phone's calendar gets: exactly the visitor's scheduled visits.
    response = page.request.get(link)
    assert response.status == 200
    events = Calendar.from_ical(response.body()).walk("VEVENT")
    expected = live_server.query(lambda: _scheduled_uids("visitor1@demo.test"))
    assert expected and {str(e["uid"]) for e in events} == expected

    page.get_by_role("link", name="Done").click()
    expect(section.get_by_text("On", exact=True)).to_be_visible()
    expect(section.get_by_role("button", name="Replace link")).to_be_visible()
    assert link not in page.content()
    section.scroll_into_view_if_needed()
    screenshot("account-calendar-feed-on-390x844")

    # A fresh page after the screenshot: Playwright hides the caret with a style it injects,
    # which htmx's next swap would carry over (a CSP report that is the test's, not the app's).
    page.reload()
    section.get_by_role("button", name="Turn off").click()
    expect(page.get_by_text("Your calendar feed is off")).to_be_visible()
    expect(section.get_by_role("button", name="Create calendar link")).to_be_visible()
    assert page.request.get(link).status == 404
