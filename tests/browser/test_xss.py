"""Stored XSS, end to end: a reflection's shared text with markup in it, written by a visitor
and read by the student's teacher of record, runs nothing and shows as typed."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.models import Reflection, TeamMember, User, Visit, VisitMode, VisitStatus

PAYLOAD = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>'
CSP_WORDS = ("Content Security Policy", "Content-Security-Policy", "Refused to")


def _visit_with_a_teacher_off_the_team():
    """One of visitor1's open visits whose student's teacher of record is not on the team, made
    ready for its reflection (it happened an hour ago). The last one: the visitor path test
    takes the first."""
    v1 = db.session.scalar(select(User).where(User.email == "visitor1@demo.test"))
    visits = db.session.scalars(
        select(Visit)
        .join(TeamMember)
        .where(
            TeamMember.user_id == v1.id,
            Visit.status.in_([VisitStatus.TO_ARRANGE, VisitStatus.CONTACTING]),
        )
        .order_by(Visit.id.desc())
    ).all()
    for visit in visits:
        team = {m.user_id for m in visit.team}
        teachers = [
            t for s in visit.students for c in s.classes for t in c.teachers if t.id not in team
        ]
        if teachers and visit.family and not visit.family.do_not_contact:
            now = clock.now()
            visit.status = VisitStatus.SCHEDULED
            visit.mode = VisitMode.HOME
            visit.family_agreed_at = now - timedelta(days=2)
            visit.scheduled_start = now - timedelta(hours=1)
            db.session.commit()
            return visit.id, visit.family_id, teachers[0].email
    raise AssertionError("the demo has no such visit")


def _watch_console(page) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    return messages


def _assert_inert(page, messages: list[str]) -> None:
    assert page.evaluate("typeof window.__xss") == "undefined", "the payload ran"
    assert page.locator("img[src='x']").count() == 0, "the payload became an element"
    violations = [m for m in messages if any(w in m for w in CSP_WORDS)]
    assert not violations, violations


def test_markup_in_a_reflection_runs_nowhere(page, live_server, sign_in):
    visit_id, family_id, teacher = live_server.query(_visit_with_a_teacher_off_the_team)
    messages = _watch_console(page)

    sign_in("visitor1@demo.test")
    page.goto(f"{live_server.url}/visits/{visit_id}/reflection")
    page.get_by_label("Their hopes and dreams for the child").fill(PAYLOAD)
    page.get_by_label("The family's strengths and knowledge").fill(PAYLOAD)
    page.get_by_label("How long was the visit? (minutes)").fill("40")
    page.get_by_role("button", name="Save the reflection and complete the visit").click()
    expect(page.get_by_text("Reflection saved")).to_be_visible()
    stored = live_server.query(
        lambda: db.session.scalar(
            select(Reflection.hopes_and_dreams).where(Reflection.visit_id == visit_id)
        )
    )
    assert stored == PAYLOAD  # kept as typed: escaping is the page's job, not the database's
    _assert_inert(page, messages)

    # The teacher of record opens the relationship card.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()  # on the server's word
    sign_in(teacher)
    page.goto(f"{live_server.url}/families/{family_id}")
    learned = page.locator("dl.learned dd")
    expect(learned.first).to_have_text(PAYLOAD)  # shown literally, as text
    assert page.get_by_text(PAYLOAD, exact=True).count() >= 1
    _assert_inert(page, messages)

    # Coming back to the card through a boosted (HTMX) navigation swaps the page in: still inert.
    page.goto(f"{live_server.url}/")
    page.evaluate(
        "url => htmx.ajax('GET', url, {target: '#main', select: '#main', swap: 'outerHTML'})",
        f"/families/{family_id}",
    )
    expect(page.locator("dl.learned dd").first).to_have_text(PAYLOAD)
    page.wait_for_timeout(300)  # an onerror would fire once the broken image is tried
    _assert_inert(page, messages)
