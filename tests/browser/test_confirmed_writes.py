"""In a real browser, the answers the phone's script relies on: a form sent with the phone's
id for it (``client_id``) is answered with ``X-Fieldapp-Stored`` on the response the page's
XMLHttpRequest sees (htmx, boosted or not), and the page goes on as without the id."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from sqlalchemy import func, select

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.i18n import family_label
from fieldapp.models import FollowUp, SyncReceipt, TeamMember, User, Visit, VisitStatus

TZ = ZoneInfo("America/Los_Angeles")
VISITOR = "visitor5@demo.test"  # a pair at Parks whose visits no other browser test uses
PAIR = {"visitor5@demo.test", "visitor6@demo.test"}


def _agreed_visit():
    """A visit of VISITOR's trained pair, the family having agreed: ready to schedule."""
    visits = db.session.scalars(
        select(Visit)
        .join(TeamMember)
        .join(User, User.id == TeamMember.user_id)
        .where(User.email == VISITOR, Visit.status.in_([VisitStatus.TO_ARRANGE]))
        .order_by(Visit.id)
    ).all()
    visit = next(v for v in visits if {m.user.email for m in v.team} <= PAIR)
    visit.status = VisitStatus.CONTACTING
    visit.family_agreed_at = datetime.now(UTC) - timedelta(hours=2)
    db.session.commit()
    return visit.id, family_label(visit.family.name)


def _follow_up_of_visitor():
    visitor = db.session.scalar(select(User).where(User.email == VISITOR))
    visit = db.session.scalars(
        select(Visit).join(TeamMember).where(TeamMember.user_id == visitor.id)
    ).first()
    follow_up = FollowUp(
        family_id=visit.family_id,
        visit=visit,
        owner=visitor,
        description="Bring the library card form",
        due_on=date.today() + timedelta(days=5),
    )
    db.session.add(follow_up)
    db.session.commit()
    return follow_up.id, visit.family_id


def _receipts(client_id):
    return db.session.scalar(
        select(func.count()).select_from(SyncReceipt).where(SyncReceipt.client_id == client_id)
    )


def give_id(page, form_selector: str) -> str:
    """What the phone's script does before it sends a form: a new id in its hidden input."""
    client_id = str(uuid.uuid4())
    page.locator(f"{form_selector} input[name=client_id]").evaluate(
        "(input, id) => { input.value = id; }", client_id
    )
    return client_id


def test_a_time_saved_with_the_phone_s_id_is_confirmed_and_opens_the_visit(
    page, live_server, sign_in, screenshot
):
    visit_id, family = live_server.query(_agreed_visit)
    sign_in(VISITOR)
    page.goto(f"{live_server.url}/visits/{visit_id}/schedule")
    form = page.locator("#schedule-form")
    expect(form).to_have_attribute("data-offline", "schedule")
    expect(form).to_have_attribute("data-visit", str(visit_id))
    expect(form).to_have_attribute("data-label", family)
    tomorrow = live_server.query(lambda: clock.today(TZ)) + timedelta(days=1)
    page.get_by_label("Date").fill(tomorrow.isoformat())
    page.get_by_label("Start time").fill("18:00")
    page.get_by_text("At home", exact=True).click()
    screenshot("schedule-form-390x844")
    client_id = give_id(page, "#schedule-form")
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/schedule")
    ) as answer:
        page.get_by_role("button", name="Save the time").click()
    response = answer.value
    # What the XMLHttpRequest saw: the confirmation, not a 303 followed silently.
    assert response.status == 200
    assert response.headers["x-fieldapp-stored"] == client_id
    expect(page.get_by_text(re.compile("Scheduled for"))).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/visits/{visit_id}")
    expect(page.locator(".badge")).to_have_text("Scheduled")
    assert live_server.query(lambda: _receipts(client_id)) == 1


def test_a_wrong_time_is_refused_beside_the_field_and_says_so(page, live_server, sign_in):
    visit_id, _family = live_server.query(_agreed_visit)
    sign_in(VISITOR)
    page.goto(f"{live_server.url}/visits/{visit_id}/schedule")
    page.get_by_label("Start time").fill("18:00")
    client_id = give_id(page, "#schedule-form")
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/schedule")
    ) as answer:
        page.get_by_role("button", name="Save the time").click()
    assert answer.value.status == 422
    assert answer.value.headers["x-fieldapp-refused"] == client_id
    assert live_server.query(lambda: _receipts(client_id)) == 0


def test_a_follow_up_marked_done_with_the_phone_s_id_is_confirmed_in_place(
    page, live_server, sign_in, screenshot
):
    follow_up_id, family_id = live_server.query(_follow_up_of_visitor)
    sign_in(VISITOR)
    page.goto(f"{live_server.url}/families/{family_id}")
    item = page.locator(f"#follow-up-{follow_up_id}")
    form = item.locator("form")
    expect(form).to_have_attribute("data-offline", "follow_up_done")
    expect(form).to_have_attribute("data-follow-up", str(follow_up_id))
    item.scroll_into_view_if_needed()
    screenshot("family-card-follow-up-390x844")
    client_id = give_id(page, f"#follow-up-{follow_up_id} form")
    with page.expect_response(lambda r: r.url.endswith(f"/follow-ups/{follow_up_id}/done")) as a:
        item.get_by_role("button", name="Mark done").click()
    assert a.value.status == 200 and a.value.headers["x-fieldapp-stored"] == client_id
    expect(page.locator(f"#follow-up-{follow_up_id}")).to_contain_text("Done")
    expect(page.locator(f"#follow-up-{follow_up_id} form")).to_have_count(0)
    assert live_server.query(lambda: _receipts(client_id)) == 1
