"""Each HTMX fragment is light: at most 10 KB on the wire (compressed), on the demo district."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fieldapp import clock, demo
from fieldapp.models import Round, TeamMember, TrainingSession, User, Visit, VisitStatus

LIMIT = 10 * 1024
HX = {"HX-Request": "true", "Accept-Encoding": "br, gzip"}


@pytest.fixture
def demo_world(app, db):
    demo.seed()
    db.session.commit()

    def user(name):
        return db.session.scalar(select(User).where(User.email == f"{name}@demo.test"))

    visitor, coordinator = user("visitor1"), user("coordinator")
    visit = db.session.scalars(
        select(Visit)
        .join(TeamMember)
        .where(TeamMember.user_id == visitor.id, Visit.status == VisitStatus.TO_ARRANGE)
    ).first()
    due = db.session.scalars(
        select(Visit)
        .join(TeamMember)
        .where(
            TeamMember.user_id == visitor.id,
            Visit.status == VisitStatus.SCHEDULED,
            Visit.scheduled_start < clock.now(),
        )
    ).first()
    school_id = coordinator.school_ids(coordinator.roles[0].role).pop()
    rnd = db.session.scalars(select(Round).where(Round.school_id == school_id)).first()
    session = db.session.scalars(select(TrainingSession)).first()
    return {
        "visitor": visitor,
        "coordinator": coordinator,
        "trainer": user("trainer"),
        "admin": user("admin"),
        "visit": visit.id,
        "due": due.id,
        "school": school_id,
        "round": rnd.id,
        "session": session.id,
    }


FRAGMENTS = [
    ("visitor", "post", "/visits/{visit}/contacts", {"method": "call", "outcome": "no_answer"}),
    ("visitor", "post", "/visits/{due}/reflection/draft", {"strengths": "Loves drawing"}),
    ("coordinator", "get", "/rounds/{round}?show=all", None),
    ("coordinator", "get", "/rounds/{round}?show=unassigned", None),
    ("coordinator", "get", "/schools/{school}/roster?q=a", None),
    ("trainer", "get", "/training/roster", None),
    ("trainer", "get", "/training/sessions/{session}/walk-ins?q=a", None),
    ("admin", "get", "/admin/privacy/audit", None),
    ("admin", "get", "/admin/privacy/families?q=a", None),
    ("coordinator", "get", "/reports/?grade=1", None),
    ("admin", "get", "/reports/?grade=1", None),
    ("admin", "get", "/reports/district?sort=coverage", None),
    ("trainer", "get", "/reports/training", None),
]


def test_each_htmx_fragment_is_at_most_10_kb(demo_world, client, login):
    """One seeded district, every fragment in turn (seeding per fragment would cost a minute)."""
    sizes = {}
    for role, method, url, data in FRAGMENTS:
        login(demo_world[role], demo.DEMO_PASSWORD)
        path = url.format(**demo_world)
        response = getattr(client, method)(path, headers=HX, data=data)
        assert response.status_code == 200, (path, response.status_code)
        body = response.data
        if len(body) > 500:  # anything worth compressing is compressed
            assert response.headers.get("Content-Encoding") in ("br", "gzip"), path
        assert b"<html" not in body, path  # a fragment, not a whole page
        sizes[path] = len(body)
    print("\n".join(f"{n:>6} bytes  {p}" for p, n in sizes.items()))
    assert max(sizes.values()) <= LIMIT, sizes
