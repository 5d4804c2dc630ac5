"""The team's private note on a phone: read it on the visit page, correct it (with and without
JavaScript); the school's coordinator, on the same visit page, does not see it."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp import clock, demo
from fieldapp.extensions import db
from fieldapp.models import PrivateNote, Reflection, Role, RoleAssignment, User, Visit
from tests.browser.conftest import PHONE, save_screenshot


def _completed_visit_with_a_note():
    """A completed visit of the demo with its team's private note: (id, member, partner,
    coordinator of its school, the note)."""
    visit, note = db.session.execute(
        select(Visit, PrivateNote.text)
        .join(Reflection, Reflection.visit_id == Visit.id)
        .join(PrivateNote, PrivateNote.reflection_id == Reflection.id)
        .order_by(Visit.id)
    ).first()
    coordinator = db.session.scalar(
        select(User.email)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == Role.COORDINATOR, RoleAssignment.school_id == visit.school_id)
    )
    member, partner = (m.user.email for m in visit.team[:2])
    return visit.id, member, partner, coordinator, note


def _completed_long_ago(visit_id: int, *, days: int, minus_minutes: int) -> None:
    visit = db.session.get(Visit, visit_id)
    visit.completed_at = clock.now() - timedelta(days=days) + timedelta(minutes=minus_minutes)
    db.session.commit()


def test_the_team_reads_and_corrects_its_note_and_the_coordinator_does_not_see_it(
    page, live_server, sign_in, browser, time_passes
):
    visit_id, member, partner, coordinator, note = live_server.query(_completed_visit_with_a_note)
    sign_in(member)
    page.goto(f"{live_server.url}/visits/{visit_id}")
    section = page.locator("#private-note")
    expect(section.get_by_role("heading", name="Private to the team")).to_be_visible()
    expect(section).to_contain_text(note)
    expect(section).to_contain_text("Only the visit's team sees this")
    save_screenshot(page, "private-note-visit-page")

    section.get_by_role("link", name="Correct the private note").click()
    field = page.get_by_label("Private note for the team")
    expect(field).to_have_value(note)
    expect(page.get_by_text("The team can correct it for 14 days")).to_be_visible()
    save_screenshot(page, "private-note-form")
    page.reload()  # a full-page screenshot leaves style="" on the textarea, which htmx would copy
    field = page.get_by_label("Private note for the team")
    corrected = note + " Mum prefers texts in Spanish."
    field.fill(corrected)
    # The form stayed open past the time the team may correct it: refused beside the field,
    # with what was typed kept.
    live_server.query(lambda: _completed_long_ago(visit_id, days=14, minus_minutes=10))
    time_passes(timedelta(minutes=15))
    page.get_by_role("button", name="Save the private note").click()
    expect(page.locator(".field .error")).to_contain_text("The time to correct this note is over")
    expect(page.get_by_role("button", name="Save the private note")).to_have_count(0)
    expect(page.get_by_label("Private note for the team")).to_have_value(corrected)
    save_screenshot(page, "private-note-too-late")
    page.goto(f"{live_server.url}/visits/{visit_id}")
    expect(page.locator("#private-note")).to_contain_text("Read-only: the team could correct it")
    expect(page.locator("#private-note").get_by_role("link")).to_have_count(0)
    save_screenshot(page, "private-note-read-only")
    time_passes(timedelta(0))
    page.goto(f"{live_server.url}/visits/{visit_id}/private-note")
    page.get_by_label("Private note for the team").fill(corrected)
    page.get_by_role("button", name="Save the private note").click()
    expect(page).to_have_url(f"{live_server.url}/visits/{visit_id}#private-note")
    expect(page.locator("#private-note")).to_contain_text(corrected)
    expect(page.get_by_text("The team's private note is saved.")).to_be_visible()
    save_screenshot(page, "private-note-corrected")

    # The partner, on a phone with JavaScript off: the same, with plain forms.
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    plain = context.new_page()
    plain.goto(f"{live_server.url}/login")
    plain.get_by_label("Email").fill(partner)
    plain.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    plain.get_by_role("button", name="Sign in").click()
    plain.goto(f"{live_server.url}/visits/{visit_id}/private-note")
    plain.get_by_label("Private note for the team").fill("Corrected without JavaScript.")
    plain.get_by_role("button", name="Save the private note").click()
    expect(plain.locator("#private-note")).to_contain_text("Corrected without JavaScript.")
    context.close()

    page.context.clear_cookies()
    sign_in(coordinator)
    page.goto(f"{live_server.url}/visits/{visit_id}")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("#private-note")).to_have_count(0)
    assert "Corrected without JavaScript." not in page.content()
