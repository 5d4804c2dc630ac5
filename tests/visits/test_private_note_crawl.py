"""Nobody but the visit's team reads its private note: signed in as every other role, follow
every link from the home page, open the visit, the family's card, the family-rights pages and
their JSON export, the CSV exports, the API and the calendar feeds — the note's words are
nowhere. The team, crawled the same way, does find them (so the crawl can see a leak)."""

from __future__ import annotations

import re
from collections import deque
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urljoin, urlsplit

import pytest

from fieldapp.api import tokens
from fieldapp.models import PrivateNote, ReflectionDraft, Role
from fieldapp.visits import feeds
from tests.factories import make_school, make_student, make_user
from tests.visits.test_private_note import completed_visit

MARKER = "zq7-PRIVATE-TEAM-NOTE-marker"
DRAFT_MARKER = "zq7-DRAFT-PRIVATE-marker"
PAGE_LIMIT = 250
HREF = re.compile(r'href="([^"#]*)')
# Signing out or switching language is not reading: the crawl stays signed in, in English.
SKIP = ("/logout", "/language", "/static/", "/sw.js")


def _links(base: str, html: str) -> list[str]:
    found = []
    for href in HREF.findall(html):
        url = urlsplit(urljoin(base, href.replace("&amp;", "&")))
        if url.scheme and url.netloc != "localhost":
            continue  # maps, tel:, sms:, mailto:
        if url.scheme not in ("", "http") or not url.path.startswith("/"):
            continue
        path = url.path + (f"?{url.query}" if url.query else "")
        if not any(path.startswith(s) for s in SKIP):
            found.append(path)
    return found


def crawl(client, extra: list[str]) -> dict[str, str]:
    """GET the home page and every page reachable by links from it, then ``extra``; returns
    each page's body by path (redirects followed, so a 303 to a page is that page)."""
    seen: dict[str, str] = {}
    queue = deque(["/", *extra])
    while queue and len(seen) < PAGE_LIMIT:
        path = queue.popleft()
        if path in seen:
            continue
        response = client.get(path, follow_redirects=True)
        assert response.status_code < 500, path
        body = response.get_data(as_text=True)
        seen[path] = body
        if response.mimetype == "text/html":
            queue.extend(p for p in _links(path, body) if p not in seen)
    assert len(seen) < PAGE_LIMIT, "the crawl did not finish"
    return seen


@pytest.fixture
def app_config(app_config):
    return {**app_config, "API_SETTLE_SECONDS": 0}  # what was just written is pulled at once


@pytest.fixture
def world(db):
    school, elsewhere = make_school(), make_school()
    visit = completed_visit(db, note=MARKER, school=school)
    teacher = make_user(Role.VISITOR, school)  # teaches the student, not on the team
    make_student(school, visit.family, teacher=teacher)
    # A draft of the next visit's reflection holds a private note too.
    db.session.add(
        ReflectionDraft(
            visit_id=visit.id,
            user_id=visit.members[1].id,
            data={"hopes_and_dreams": "Half", "private_note": DRAFT_MARKER},
        )
    )
    admin = make_user(Role.ADMIN)
    _, secret = tokens.create_token(school, "SIS", by=admin)
    people = {
        "admin": admin,
        "coordinator": make_user(Role.COORDINATOR, school),
        "trainer": make_user(Role.TRAINER),
        "teacher_of_the_student": teacher,
        "visitor_same_school": make_user(Role.VISITOR, school),
        "visitor_other_school": make_user(Role.VISITOR, elsewhere),
        "team_member": visit.members[1],
    }
    now = datetime.now(UTC)
    feeds_by_person = {
        name: feeds.open_feed(p, now=now)
        for name, p in people.items()
        if name.startswith(("teacher", "visitor", "team"))
    }
    db.session.commit()
    assert db.session.query(PrivateNote).one().text == MARKER
    return visit, people, secret, feeds_by_person


def _extra(visit, feed: str | None) -> list[str]:
    school, family = visit.school_id, visit.family_id
    start, end = date.today() - timedelta(days=365), date.today() + timedelta(days=1)
    urls = [
        f"/visits/{visit.id}",
        f"/visits/{visit.id}/private-note",
        f"/visits/{visit.id}/reflection/merge",
        f"/families/{family}",
        "/admin/privacy/families?q=Family",
        f"/admin/privacy/families/{family}",
        f"/admin/privacy/families/{family}/export.json",
        "/admin/privacy/audit?q=visit",
        f"/schools/{school}/",
        f"/schools/{school}/relationships",
        f"/schools/{school}/relationships.csv?start={start}&end={end}",
        f"/schools/{school}/roster",
        f"/schools/{school}/hours.csv",
        "/reports/",
        "/reports/district",
        "/reports/district.csv",
    ]
    if feed:
        urls.append(f"/calendar/{feed}.ics")
    return urls


OUTSIDERS = [
    "admin",
    "coordinator",
    "trainer",
    "teacher_of_the_student",
    "visitor_same_school",
    "visitor_other_school",
]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_no_other_role_finds_the_note_anywhere(db, client, login, world, who):
    visit, people, _, feeds_by_person = world
    login(people[who])
    pages = crawl(client, _extra(visit, feeds_by_person.get(who)))
    leaks = [path for path, body in pages.items() if MARKER in body or DRAFT_MARKER in body]
    assert leaks == []
    # The crawl went where this role may go (a crawl that saw nothing proves nothing).
    reached = {
        "admin": f"/admin/privacy/families/{visit.family_id}/export.json",
        "coordinator": f"/families/{visit.family_id}",
        "teacher_of_the_student": f"/families/{visit.family_id}",
        "trainer": "/training/",
        "visitor_same_school": "/visits/",
        "visitor_other_school": "/visits/",
    }[who]
    assert reached in pages
    if who in ("coordinator", "teacher_of_the_student"):
        assert "To become a pilot" in pages[f"/families/{visit.family_id}"]  # the shared part
    if who == "admin":
        assert '"private_note_of_visit_team"' in pages[reached]  # listed, without its words


def test_the_school_s_systems_never_get_the_note_from_the_api(db, client, world):
    visit, _, secret, _ = world
    headers = {"Authorization": f"Bearer {secret}"}
    student = visit.students[0].id
    for path in ("/visits", "/follow-ups", "/relationship-cards", f"/relationship-cards/{student}"):
        response = client.get(f"/api/v1{path}", headers=headers)
        body = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert MARKER not in body and DRAFT_MARKER not in body, path
    cards = client.get("/api/v1/relationship-cards", headers=headers).get_data(as_text=True)
    assert "To become a pilot" in cards


def test_the_team_s_own_crawl_finds_the_note(db, client, login, world):
    visit, people, _, feeds_by_person = world
    login(people["team_member"])
    pages = crawl(client, _extra(visit, feeds_by_person["team_member"]))
    found = {path for path, body in pages.items() if MARKER in body}
    # The visit page, the form to correct it, and the merge page (one version: back to the visit).
    assert found == {
        f"/visits/{visit.id}",
        f"/visits/{visit.id}/private-note",
        f"/visits/{visit.id}/reflection/merge",
    }
