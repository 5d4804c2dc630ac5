"""The sync endpoint driven by random phones (hypothesis): items sent in any order, repeated,
twice at the same moment from two tabs or from both team members, with answers lost on the way.
However it goes, the server ends with exactly one row per distinct item it accepted, nothing for
an item it refused, and nothing else; and it never answers one item two different ways."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from fieldapp.models import ContactAttempt, HoursEntry, Reflection, VisitStatus
from tests.conftest import TEST_PASSWORD
from tests.factories import make_school, make_user
from tests.sync.conftest import contact_item, happened_visit, reflection_item


@dataclass
class Team:
    school: object
    members: list
    tabs: dict  # (member index, tab) -> a client signed in as that member


@pytest.fixture
def team(app, db):
    school = make_school()
    members = [make_user(school=school), make_user(school=school)]
    db.session.commit()
    tabs = {}
    for who, member in enumerate(members):
        for tab in (0, 1):  # two tabs of the same phone: two clients, one person
            client = app.test_client()
            response = client.post(
                "/login", data={"email": member.email, "password": TEST_PASSWORD}
            )
            assert response.status_code in (302, 303)
            tabs[who, tab] = client
    return Team(school, members, tabs)


# What a phone may hold: (who wrote it, what it is). "bad" items fail validation; "cancelled"
# ones are for a visit cancelled meanwhile: both are refused, every time.
KINDS = ["reflection", "contact", "bad", "cancelled"]
items_st = st.lists(st.tuples(st.integers(0, 1), st.sampled_from(KINDS)), min_size=1, max_size=6)


def ops_st(n: int):
    batch = st.lists(st.integers(0, n - 1), min_size=1, max_size=2 * n)  # repeats, any order
    return st.lists(
        st.one_of(
            st.tuples(st.just("send"), batch, st.booleans()),  # bool: the answer is lost
            st.tuples(st.just("two_tabs"), batch, st.just(False)),
            st.tuples(st.just("both_writers"), batch, st.just(False)),
        ),
        min_size=1,
        max_size=6,
    )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_phones_leave_one_row_per_accepted_item_and_nothing_else(db, team, data):
    members = team.members
    reflect = happened_visit(team.school, team=members)
    contact = happened_visit(team.school, team=members)
    contact.status = VisitStatus.CONTACTING
    gone = happened_visit(team.school, team=members)
    gone.status = VisitStatus.CANCELLED
    db.session.commit()

    specs = data.draw(items_st, label="items")
    items, expected = [], {}
    for who, kind in specs:
        item_id = str(uuid.uuid4())
        if kind == "reflection":
            item = reflection_item(reflect, item_id, hopes_and_dreams=f"by {who}")
        elif kind == "contact":
            item = contact_item(contact, item_id, note=f"by {who}")
        elif kind == "bad":
            item = reflection_item(reflect, item_id, duration_minutes="0")
        else:
            item = contact_item(gone, item_id)
        items.append((who, item))
        expected[item_id] = "stored" if kind in ("reflection", "contact") else "refused"

    answers: dict[str, set] = {}

    def post(who: int, tab: int, batch: list[int], lost: bool = False):
        mine = [items[i][1] for i in batch if items[i][0] == who]
        if not mine:
            return
        response = team.tabs[who, tab].post("/sync", json={"items": mine})
        assert response.status_code == 200
        results = response.json["results"]
        assert [r["id"] for r in results] == [i["id"] for i in mine]
        if not lost:  # a lost answer never reached the phone; the server's work stands
            for r in results:
                answers.setdefault(r["id"], set()).add(tuple(sorted(r.items())))

    def at_once(*calls):
        barrier = threading.Barrier(len(calls))
        failures = []

        def run(args):
            try:
                barrier.wait()
                post(*args)
            except BaseException as exc:  # reported below, in the test's thread
                failures.append(exc)

        threads = [threading.Thread(target=run, args=(c,)) for c in calls]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if failures:
            raise failures[0]

    for op, batch, lost in data.draw(ops_st(len(items)), label="ops"):
        if op == "send":
            for who in (0, 1):
                post(who, 0, batch, lost)
        elif op == "two_tabs":
            for who in (0, 1):
                at_once((who, 0, batch), (who, 1, batch))
        else:
            at_once((0, 0, batch), (1, 0, batch))

    # The phones send whatever they still hold (everything, as no answer is trusted blindly).
    for who in (0, 1):
        post(who, 0, list(range(len(items))))

    for item_id, seen in answers.items():
        assert len(seen) == 1, f"{item_id} was answered two ways: {seen}"
        assert dict(next(iter(seen)))["status"] == expected[item_id]

    db.session.expire_all()
    stored = [i for i, status in expected.items() if status == "stored"]
    client_ids = [
        *db.session.scalars(
            select(Reflection.client_id).where(Reflection.visit_id.in_([reflect.id, gone.id]))
        ),
        *db.session.scalars(
            select(ContactAttempt.client_id).where(
                ContactAttempt.visit_id.in_([contact.id, gone.id])
            )
        ),
    ]
    assert sorted(client_ids) == sorted(stored)  # one row each, and nothing else
    reflections = [item["id"] for _, item in items if item["kind"] == "reflection"]
    paid = db.session.scalar(
        select(func.count()).select_from(HoursEntry).where(HoursEntry.visit_id == reflect.id)
    )
    completed_by_a_reflection = any(expected[i] == "stored" for i in reflections)
    assert paid == (2 if completed_by_a_reflection else 0)  # the visit is paid once
    db.session.rollback()
