"""The pages' own forms take the phone's id for what they send (``client_id``) and say in a
header what became of it: ``X-Fieldapp-Stored`` or ``X-Fieldapp-Refused``. The header must be on
the answer the page's XMLHttpRequest finally sees, so an HTMX request is never answered with a
303 it would follow without a word."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from fieldapp.models import (
    AuditEvent,
    ContactAttempt,
    FollowUp,
    Reflection,
    ReflectionDraft,
    SyncReceipt,
    Visit,
    VisitStatus,
)
from tests.factories import make_school, make_visit
from tests.sync.conftest import happened_visit

TZ = ZoneInfo("America/Los_Angeles")
PLAIN: dict = {}
PARTIAL = {"HX-Request": "true"}
BOOSTED = {"HX-Request": "true", "HX-Boosted": "true"}


def count(db, model, *where):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@dataclass
class Route:
    """One form: where it posts, good and bad data, how its HTMX requests are made, and how
    many rows a stored one leaves."""

    name: str
    htmx: dict

    def setup(self, db):
        if self.name == "contact":
            visit = make_visit(make_school())
            db.session.commit()
            return visit.members[0], f"/visits/{visit.id}/contacts"
        if self.name == "schedule":
            visit = make_visit(
                make_school(),
                status=VisitStatus.CONTACTING,
                family_agreed_at=datetime.now(UTC) - timedelta(days=1),
            )
            db.session.commit()
            return visit.members[0], f"/visits/{visit.id}/schedule"
        visit = happened_visit()
        db.session.commit()
        if self.name == "reflection":
            return visit.members[0], f"/visits/{visit.id}/reflection"
        if self.name == "draft":
            return visit.members[0], f"/visits/{visit.id}/reflection/draft"
        follow_up = FollowUp(
            family_id=visit.family_id,
            visit=visit,
            owner=visit.members[1],
            description="Send the library form",
            due_on=date.today() + timedelta(days=7),
        )
        db.session.add(follow_up)
        db.session.commit()
        return visit.members[1], f"/follow-ups/{follow_up.id}/done"

    def good(self) -> dict:
        return {
            "contact": {"method": "call", "outcome": "no_answer", "note": "Rang twice"},
            "schedule": {
                "date": (datetime.now(TZ).date() + timedelta(days=1)).isoformat(),
                "start_time": "17:30",
                "mode": "home",
            },
            "reflection": {
                "hopes_and_dreams": "A scientist",
                "strengths": "Bilingual home",
                "duration_minutes": "40",
            },
            "draft": {"hopes_and_dreams": "Half a thought"},
            "follow_up_done": {},
        }[self.name]

    def bad(self) -> dict | None:
        """Data its form refuses with messages beside the fields (None: nothing to refuse)."""
        return {
            "contact": {"method": "call", "outcome": ""},
            "schedule": {"date": "", "start_time": "17:30", "mode": "home"},
            "reflection": {"hopes_and_dreams": "", "duration_minutes": "40"},
        }.get(self.name)

    def stored(self, db) -> int:
        """Rows only a stored item leaves (one each time it is really stored)."""
        if self.name == "contact":
            return count(db, ContactAttempt)
        if self.name == "schedule":
            return count(db, AuditEvent, AuditEvent.action == "visit.schedule")
        if self.name == "reflection":
            return count(db, Reflection)
        if self.name == "draft":
            return count(db, SyncReceipt, SyncReceipt.kind == "draft")
        return count(db, AuditEvent, AuditEvent.action == "follow_up.done")


ROUTES = [
    Route("contact", PARTIAL),
    Route("schedule", BOOSTED),
    Route("reflection", BOOSTED),
    Route("draft", PARTIAL),
    Route("follow_up_done", PARTIAL),
]
IDS = [r.name for r in ROUTES]


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
@pytest.mark.parametrize("how", ["plain", "htmx"])
def test_stored_and_stored_again_say_so_with_the_same_answer(db, client, login, route, how):
    user, url = route.setup(db)
    login(user)
    headers = route.htmx if how == "htmx" else PLAIN
    client_id = str(uuid.uuid4())
    data = {**route.good(), "client_id": client_id}
    first = client.post(url, data=data, headers=headers)
    again = client.post(url, data=data, headers=headers)
    for response in (first, again):
        assert response.headers["X-Fieldapp-Stored"] == client_id
        assert "X-Fieldapp-Refused" not in response.headers
        if how == "htmx":
            # Never a 303: the XMLHttpRequest would follow it and lose the header.
            assert response.status_code == 200
        else:
            assert response.status_code in (200, 303)
    assert (first.status_code, first.headers.get("HX-Redirect"), first.headers.get("Location")) == (
        again.status_code,
        again.headers.get("HX-Redirect"),
        again.headers.get("Location"),
    )
    if how == "plain" and route.name != "draft":
        assert first.status_code == 303  # with JavaScript off, as before
    assert route.stored(db) == 1


@pytest.mark.parametrize("route", [r for r in ROUTES if r.bad()], ids=lambda r: r.name)
@pytest.mark.parametrize("how", ["plain", "htmx"])
def test_refused_with_messages_beside_the_fields_says_so(db, client, login, route, how):
    user, url = route.setup(db)
    login(user)
    client_id = str(uuid.uuid4())
    response = client.post(
        url,
        data={**route.bad(), "client_id": client_id},
        headers=route.htmx if how == "htmx" else PLAIN,
    )
    assert response.status_code == 422
    assert response.headers["X-Fieldapp-Refused"] == client_id
    assert "X-Fieldapp-Stored" not in response.headers
    assert 'class="error"' in response.get_data(as_text=True)
    assert route.stored(db) == 0 and count(db, SyncReceipt) == 0


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
@pytest.mark.parametrize("client_id", ["not-a-uuid", "x" * 36, "1" * 500])
def test_a_malformed_id_is_a_400_with_a_message(db, client, login, route, client_id):
    user, url = route.setup(db)
    login(user)
    response = client.post(url, data={**route.good(), "client_id": client_id})
    assert response.status_code == 400
    assert "item id is not valid" in response.get_data(as_text=True)
    assert route.stored(db) == 0 and count(db, SyncReceipt) == 0


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_without_an_id_the_forms_work_as_before(db, client, login, route):
    user, url = route.setup(db)
    login(user)
    response = client.post(url, data=route.good(), headers=route.htmx)
    assert "X-Fieldapp-Stored" not in response.headers
    # As before: a boosted form follows its 303, a partial swaps its fragment.
    assert response.status_code == (303 if route.htmx is BOOSTED else 200)
    assert count(db, SyncReceipt) == 0
    plain = client.post(url, data=route.good())
    assert plain.status_code in (200, 303, 422) and "X-Fieldapp-Stored" not in plain.headers


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_an_id_stored_by_someone_else_is_refused(db, client, login, route):
    user, url = route.setup(db)
    someone = make_visit(make_school()).members[0]
    client_id = str(uuid.uuid4())
    db.session.add(SyncReceipt(client_id=client_id, user_id=someone.id, kind="schedule"))
    db.session.commit()
    login(user)
    response = client.post(url, data={**route.good(), "client_id": client_id})
    assert response.status_code == 409
    assert "already belongs to another item" in response.get_data(as_text=True)
    assert response.headers["X-Fieldapp-Refused"] == client_id
    assert "X-Fieldapp-Stored" not in response.headers
    assert route.stored(db) == 0


def test_htmx_success_is_a_200_that_redirects_the_page(db, client, login):
    route = Route("schedule", BOOSTED)
    user, url = route.setup(db)
    login(user)
    client_id = str(uuid.uuid4())
    response = client.post(url, data={**route.good(), "client_id": client_id}, headers=BOOSTED)
    assert response.status_code == 200
    visit_id = url.split("/")[2]
    assert response.headers["HX-Redirect"] == f"/visits/{visit_id}"
    # The flash waits for the page the redirect opens.
    assert "Scheduled for" in client.get(f"/visits/{visit_id}").get_data(as_text=True)


def test_a_contact_the_family_asked_to_end_asks_again_and_is_not_stored(db, client, login):
    route = Route("contact", PARTIAL)
    user, url = route.setup(db)
    login(user)
    client_id = str(uuid.uuid4())
    response = client.post(
        url,
        data={"method": "call", "outcome": "do_not_contact", "client_id": client_id},
        headers=PARTIAL,
    )
    assert response.status_code == 200 and "Yes, keep their wish" in response.get_data(as_text=True)
    assert response.headers["X-Fieldapp-Refused"] == client_id
    assert count(db, ContactAttempt) == 0


def test_a_draft_for_a_completed_visit_is_stored_and_changes_nothing(db, client, login):
    route = Route("draft", PARTIAL)
    user, url = route.setup(db)
    login(user)
    visit_url = url.removesuffix("/draft")
    client.post(visit_url, data=Route("reflection", BOOSTED).good())
    assert count(db, Reflection) == 1
    client_id = str(uuid.uuid4())
    response = client.post(url, data={"hopes_and_dreams": "Late", "client_id": client_id})
    assert response.headers["X-Fieldapp-Stored"] == client_id
    assert count(db, ReflectionDraft) == 0 and count(db, SyncReceipt) == 0
    partial = client.post(
        url, data={"hopes_and_dreams": "Late", "client_id": str(uuid.uuid4())}, headers=PARTIAL
    )
    assert "X-Fieldapp-Stored" in partial.headers
    assert "can no longer take a draft" in partial.get_data(as_text=True)
    assert count(db, ReflectionDraft) == 0


def test_a_draft_for_a_cancelled_visit_is_refused(db, client, login):
    route = Route("draft", PARTIAL)
    user, url = route.setup(db)
    login(user)
    visit = db.session.get(Visit, int(url.split("/")[2]))
    visit.status = VisitStatus.CANCELLED
    db.session.commit()
    client_id = str(uuid.uuid4())
    response = client.post(
        url, data={"hopes_and_dreams": "x", "client_id": client_id}, headers=PARTIAL
    )
    assert response.status_code == 409
    assert response.headers["X-Fieldapp-Refused"] == client_id
    assert count(db, ReflectionDraft) == 0


def test_an_older_draft_from_the_form_loses_to_the_newer_one(db, client, login):
    route = Route("draft", PARTIAL)
    user, url = route.setup(db)
    login(user)
    now = datetime.now(UTC)
    client.post(url, data={"hopes_and_dreams": "Newer", "written_at": now.isoformat()})
    late = (now - timedelta(minutes=3)).isoformat()
    response = client.post(
        url,
        data={"hopes_and_dreams": "Older", "written_at": late, "client_id": str(uuid.uuid4())},
        headers=PARTIAL,
    )
    assert "X-Fieldapp-Stored" in response.headers
    db.session.expire_all()
    assert db.session.scalar(select(ReflectionDraft.data)) == {"hopes_and_dreams": "Newer"}


@pytest.mark.parametrize("route", [ROUTES[0], ROUTES[2]], ids=["contact", "reflection"])
@pytest.mark.parametrize("queue_first", [False, True], ids=["form-first", "queue-first"])
def test_a_contact_or_reflection_by_its_form_and_from_the_queue_is_stored_once(
    db, client, login, send, route, queue_first
):
    user, url = route.setup(db)
    login(user)
    item = {
        "id": str(uuid.uuid4()),
        "kind": route.name,
        "visit_id": int(url.split("/")[2]),
        "written_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        "data": route.good(),
    }
    by_form = {**route.good(), "client_id": item["id"]}
    if queue_first:
        assert send(item).json["results"][0]["status"] == "stored"
    response = client.post(url, data=by_form, headers=route.htmx)
    assert response.status_code == 200 and response.headers["X-Fieldapp-Stored"] == item["id"]
    if not queue_first:
        assert send(item).json["results"][0] == {"id": item["id"], "status": "stored"}
    assert route.stored(db) == 1


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_the_same_form_sent_twice_at_once_is_stored_once_and_both_confirmed(
    app, db, route, monkeypatch
):
    """Both posts pass the "stored already?" check before either stores: the unique id ends
    the race, and the loser answers as the winner did, never with a 500."""
    import threading

    from fieldapp import receipts
    from tests.conftest import TEST_PASSWORD

    user, url = route.setup(db)
    clients = [app.test_client() for _ in range(2)]
    for c in clients:
        c.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    data = {**route.good(), "client_id": str(uuid.uuid4())}
    checked = threading.Barrier(2, timeout=10)
    real_stored_by, first_checks = receipts.stored_by, set()

    def stored_by_after_both_checked(client_id):
        found = real_stored_by(client_id)
        if threading.current_thread().name not in first_checks:
            first_checks.add(threading.current_thread().name)
            checked.wait()
        return found

    monkeypatch.setattr(receipts, "stored_by", stored_by_after_both_checked)
    answers = []
    threads = [
        threading.Thread(
            target=lambda c=c: answers.append(c.post(url, data=data, headers=route.htmx)),
            name=f"tab{i}",
        )
        for i, c in enumerate(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.status_code for a in answers) == [200, 200]
    assert [a.headers.get("X-Fieldapp-Stored") for a in answers] == [data["client_id"]] * 2
    assert route.stored(db) == 1
