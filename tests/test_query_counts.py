"""The number of SQL statements a page issues stays flat as the data grows (no N+1)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from fieldapp.models import Role, VisitStatus
from tests.factories import make_round, make_school, make_user, make_visit


@contextmanager
def count_queries(engine):
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def build(n: int):
    """A school with a coordinator, a pair and ``n`` visits of every kind for the pair."""
    school = make_school()
    coordinator = make_user(Role.COORDINATOR, school)
    me, partner = make_user(Role.VISITOR, school), make_user(Role.VISITOR, school)
    rnd = make_round(school)
    now = datetime.now(UTC)
    visits = []
    for i in range(n):
        visits.append(make_visit(school, team=[me, partner], round=rnd))
        make_visit(school, team=[], round=rnd)
        make_visit(
            school,
            team=[me, partner],
            round=rnd,
            status=VisitStatus.SCHEDULED,
            scheduled_start=now + timedelta(days=1, hours=i),
            family_agreed_at=now,
        )
    return {
        "coordinator": coordinator,
        "visitor": me,
        "school": school,
        "round": rnd,
        "visit": visits[0],
    }


PAGES = [
    ("visitor", "/visits/"),
    ("visitor", "/visits/{visit}"),
    ("visitor", "/families/{family}"),
    ("coordinator", "/schools/{school}/"),
    ("coordinator", "/rounds/{round}"),
    ("coordinator", "/training/roster"),
]


@pytest.mark.parametrize(("role", "url"), PAGES, ids=[u for _, u in PAGES])
def test_queries_do_not_grow_with_the_data(app, db, client, login, role, url):
    counts = []
    for n in (2, 12):
        world = build(n)
        login(world[role])
        path = url.format(
            visit=world["visit"].id,
            family=world["visit"].family_id,
            school=world["school"].id,
            round=world["round"].id,
        )
        with count_queries(db.engine) as statements:
            response = client.get(path)
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], f"{url}: {counts[0]} statements, then {counts[1]}"
    assert counts[1] <= 20, f"{url}: {counts[1]} statements"
