"""WCAG 2.2 AA, checked by axe-core (from npm, used by the tests only) on every main page of every
role, in English and in Spanish, at phone and desktop sizes: any serious or critical violation
fails. And a keyboard-only visitor completes a reflection.

How many pages were checked is printed at the end of the run (tests/conftest.py collects the
``axe_pages`` property of each test)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp import demo
from fieldapp.extensions import db
from fieldapp.models import (
    Reflection,
    Role,
    RoleAssignment,
    Round,
    Student,
    TeamMember,
    TrainingCompletion,
    TrainingSession,
    User,
    Visit,
    VisitMode,
    VisitStatus,
)
from tests.browser.conftest import PHONE
from tests.browser.test_offline import A, new_visit
from tests.conftest import ON_POSTGRES
from tests.factories import make_visit

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 800}
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
FAILING = {"serious", "critical"}

# Each role's main pages; {names} are filled from the demo data.
PAGES = {
    None: ["/login", "/password/forgot"],
    "visitor1@demo.test": [
        "/visits/",
        "/visits/{visit}",
        "/visits/{due}/reflection",
        "/visits/{visit}/reschedule",
        "/families/{family}",
        "/training/me",
        "/account",
        "/visits/{visit}/invitation",
    ],
    "coordinator@demo.test": [
        "/schools/{school}/",
        "/schools/{school}/rounds",
        "/rounds/{round}",
        "/schools/{school}/roster",
        "/schools/{school}/hours",
        "/families/{family}",
        "/training/roster",
        "/reports/",
        "/reports/impact",
        "/schools/{school}/messages",
        "/schools/{school}/relationships",
        "/roster-imports/",
    ],
    "trainer@demo.test": [
        "/training/",
        "/training/roster",
        "/training/sessions/{session}",
        "/training/sessions/{session}/completions/{completed}/take-back",
        "/reports/training",
    ],
    "admin@demo.test": [
        "/admin/",
        "/admin/schools",
        "/admin/privacy/",
        "/admin/privacy/audit",
        "/admin/privacy/families?q=a",
        "/admin/privacy/families/{family}",
        "/reports/district",
        "/reports/impact",
        "/admin/api-tokens/",
    ],
}


def demo_ids(live_server) -> dict[str, int]:
    """The first visitor's coming visit, one of theirs waiting for a reflection, their family,
    the coordinator's school and round, a training session."""

    def find():
        visitor = db.session.scalar(select(User).where(User.email == "visitor1@demo.test"))
        coordinator = db.session.scalar(select(User).where(User.email == "coordinator@demo.test"))
        theirs = (
            select(Visit)
            .join(TeamMember, TeamMember.visit_id == Visit.id)
            .where(TeamMember.user_id == visitor.id, Visit.status == VisitStatus.SCHEDULED)
            .order_by(Visit.scheduled_start)
        )
        now = datetime.now(UTC)
        coming = db.session.scalars(theirs.where(Visit.scheduled_start > now)).first()
        due = db.session.scalars(theirs.where(Visit.scheduled_start < now)).first()
        if due is None:  # another test wrote its reflection: one more, like it
            school = next(r.school for r in visitor.roles if r.school_id)
            partner = next(m.user for m in coming.team if m.user_id != visitor.id)
            due = make_visit(
                school,
                round=coming.round,  # the demo's round: a new one would become the current one
                team=[visitor, partner],
                status=VisitStatus.SCHEDULED,
                mode=VisitMode.HOME,
                scheduled_start=now - timedelta(hours=1),
                family_agreed_at=now - timedelta(days=2),
            )
            db.session.commit()
        school_id = db.session.scalar(
            select(RoleAssignment.school_id).where(
                RoleAssignment.user_id == coordinator.id,
                RoleAssignment.role == Role.COORDINATOR,
            )
        )
        session_id = db.session.scalar(select(TrainingSession.id).order_by(TrainingSession.id))
        return {
            "visit": coming.id,
            "due": due.id,
            "family": coming.family_id,
            "school": school_id,
            "round": db.session.scalar(select(Round.id).where(Round.school_id == school_id)),
            "session": session_id,
            "completed": db.session.scalar(
                select(TrainingCompletion.user_id).where(
                    TrainingCompletion.session_id == session_id
                )
            ),
            "student": db.session.scalar(select(Student.id)),
        }

    return live_server.query(find)


def new_context(browser, locale: str):
    # bypass_csp: the app's CSP (rightly) refuses the axe script the test adds to the page.
    return browser.new_context(
        viewport=PHONE, locale=locale, bypass_csp=True, is_mobile=True, has_touch=True
    )


def sign_in(page, base: str, email: str) -> None:
    """By the fields' names, so that it works in any language."""
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(demo.DEMO_PASSWORD)
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_load_state("networkidle")


# axe reads the rendered page (HTML, CSS, ARIA), made by the same templates on both databases: the
# SQLite run analyses it. The PostgreSQL run still opens every page of every role and language
# (their queries run, their status and language are checked) without analysing it again.
ANALYSE = not ON_POSTGRES


def axe_problems(page) -> list[str]:
    if not ANALYSE:
        return []
    if not page.evaluate("() => typeof axe === 'object'"):  # once a page, not once a width
        page.add_script_tag(path=str(AXE))
    # Only the violations in detail: the passes and the rest are not read here.
    result = page.evaluate(
        """async (tags) => await axe.run(document,
            {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})""",
        TAGS,
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in FAILING
    ]


@pytest.mark.parametrize("locale", ["en-US", "es-ES"])
@pytest.mark.parametrize("email", list(PAGES), ids=lambda e: (e or "signed-out").split("@")[0])
def test_every_main_page_has_no_serious_accessibility_problem(
    browser, live_server, email, locale, record_property
):
    ids = demo_ids(live_server)
    context = new_context(browser, locale)
    page = context.new_page()
    if email:
        sign_in(page, live_server.url, email)
    problems: dict[str, list[str]] = {}
    checked = 0
    for template in PAGES[email]:
        url = template.format(**ids)
        response = page.goto(f"{live_server.url}{url}")
        assert response.ok, (url, response.status)
        expect(page.locator("html")).to_have_attribute("lang", locale[:2])
        for size in (PHONE, DESKTOP) if ANALYSE else ():
            page.set_viewport_size(size)
            found = axe_problems(page)
            checked += 1
            if found:
                problems[f"{url} at {size['width']}px"] = found
    context.close()
    record_property("axe_pages", checked)
    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)


def test_a_keyboard_alone_completes_the_reflection(browser, live_server):
    due = new_visit(live_server)  # its own visit: the demo's stay as the other tests expect
    context = new_context(browser, "en-US")
    page = context.new_page()
    sign_in(page, live_server.url, A)
    page.goto(f"{live_server.url}/visits/{due}")

    def tab_to(locator, limit: int = 80) -> None:
        """Tab (never click) until ``locator`` has the focus; fails after ``limit`` presses."""
        for _ in range(limit):
            page.keyboard.press("Tab")
            if locator.evaluate("(el) => el === document.activeElement"):
                return
        raise AssertionError(f"Tab never reached {locator}")

    tab_to(page.get_by_role("link", name=re.compile("reflection", re.I)).first)
    page.keyboard.press("Enter")
    expect(page.locator("#reflection-form")).to_be_visible()
    field = page.get_by_label("Their hopes and dreams for the child")
    if not field.count():  # a second visit
        field = page.get_by_label("The academic focus you agreed on")
    tab_to(field)
    page.keyboard.type("To be a nurse, like her aunt")
    tab_to(page.get_by_label(re.compile("How long")))
    page.keyboard.type("50")
    tab_to(page.get_by_role("button", name="Save the reflection and complete the visit"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Reflection saved.")).to_be_visible()
    context.close()
    stored = live_server.query(
        lambda: db.session.scalars(select(Reflection).where(Reflection.visit_id == due)).all()
    )
    assert [
        (r.duration_minutes, "To be a nurse, like her aunt" in str(vars(r))) for r in stored
    ] == [(50, True)]


# The controls a thumb must hit, smaller than 44 × 44 CSS px. A checkbox or radio counts by its
# label (the whole label is the target); a link inside a sentence is exempt (WCAG 2.5.8).
SMALL_TARGETS = """() => {
  const small = [];
  for (const el of document.querySelectorAll("a[href], button, input, select, textarea, summary")) {
    if (el.type === "hidden" || !el.offsetParent || el.closest("[hidden], .skip")) continue;
    let target = el;
    if (el.type === "checkbox" || el.type === "radio") target = el.closest("label") || el;
    if (el.tagName === "A") {
      const texts = [...el.parentElement.childNodes].filter(
        (n) => n !== el && n.textContent.trim());
      if (texts.length) continue;  // inline, in a sentence
    }
    const box = target.getBoundingClientRect();
    if (box.height < 43.5 || box.width < 43.5)
      small.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.name || "").trim()}"`
        + ` ${Math.round(box.width)}×${Math.round(box.height)}`);
  }
  return small;
}"""


# What sticks out of the viewport sideways (a data table scrolls in its own box: allowed).
STICKING_OUT = """() => {
  const root = document.documentElement, width = root.clientWidth;
  if (root.scrollWidth <= width + 1) return null;
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && !el.closest(".table-wrap") && !el.closest("[hidden]"))
      out.push(`${el.tagName.toLowerCase()}.${el.className} right at ${Math.round(box.right)}`);
  }
  return {scrollWidth: root.scrollWidth, width, elements: out.slice(0, 6)};
}"""


@pytest.mark.parametrize("email", list(PAGES), ids=lambda e: (e or "signed-out").split("@")[0])
def test_pages_reflow_at_200_percent_zoom_and_targets_are_large(browser, live_server, email):
    """At 360 px zoomed to 200% (a 180 px wide viewport) nothing scrolls sideways; at 360 px
    every control is at least 44 × 44 px."""
    ids = demo_ids(live_server)
    context = new_context(browser, "en-US")
    page = context.new_page()
    if email:
        sign_in(page, live_server.url, email)
    wide, small = {}, {}
    for template in PAGES[email]:
        url = template.format(**ids)
        page.set_viewport_size({"width": 360, "height": 640})
        page.goto(f"{live_server.url}{url}")
        if found := page.evaluate(SMALL_TARGETS):
            small[url] = found
        page.set_viewport_size({"width": 180, "height": 320})
        if overflow := page.evaluate(STICKING_OUT):
            wide[url] = overflow
    context.close()
    assert not wide, f"pages that scroll sideways at 200% zoom (px too wide): {wide}"
    assert not small, json.dumps(small, indent=1)


def test_focus_follows_htmx_swaps_and_changes_are_announced(browser, live_server):
    """A boosted link lands the focus on the new page's content (a screen reader reads it from
    the top); a partial swap that took the focused element away puts the focus on the new part,
    and its heading is announced."""
    context = new_context(browser, "en-US")
    page = context.new_page()
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server.url, "admin@demo.test")
    page.get_by_role("link", name="Reports").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("district", ignore_case=True)
    page.wait_for_function("document.activeElement && document.activeElement.id === 'main'")

    page.goto(f"{live_server.url}/reports/district")
    sort = page.locator("#report th a").nth(1)
    sort.focus()
    sort.press("Enter")  # the table is swapped in place, with the link that had the focus
    page.wait_for_function(
        "document.activeElement && document.activeElement.closest('#report') !== null"
    )
    expect(page.locator("#announce")).not_to_be_empty()
    context.close()
