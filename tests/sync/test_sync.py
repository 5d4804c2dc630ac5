"""The sync endpoint: each item a phone wrote offline is stored once, or refused with a reason."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from fieldapp import create_app
from fieldapp.models import (
    ContactAttempt,
    FollowUp,
    HoursEntry,
    Reflection,
    TeamMember,
    Visit,
    VisitStatus,
)
from tests.conftest import TEST_PASSWORD, FreshContextClient
from tests.factories import make_school, make_visit
from tests.sync.conftest import contact_item, due, happened_visit, reflection_item


def count(db, model, *where):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def visit(db):
    visit = happened_visit()
    db.session.commit()
    return visit


@pytest.fixture
def writer(visit, login):
    login(visit.members[0])
    return visit.members[0]


def test_an_item_sent_three_times_is_stored_once_with_the_same_answer(db, visit, writer, send):
    item = reflection_item(
        visit, **{"follow_ups-0-text": "Library card", "follow_ups-0-due_on": due()}
    )
    answers = [send(item) for _ in range(3)]
    assert {a.status_code for a in answers} == {200}
    assert [a.json for a in answers] == [{"results": [{"id": item["id"], "status": "stored"}]}] * 3
    assert count(db, Reflection, Reflection.client_id == item["id"]) == 1
    assert count(db, FollowUp) == 1 and count(db, HoursEntry) == 2
    assert db.session.get(Visit, visit.id).status == VisitStatus.COMPLETED


def test_a_contact_keeps_the_time_it_was_written(db, visit, writer, send):
    visit.status = VisitStatus.CONTACTING
    db.session.commit()
    item = contact_item(visit, note="Call after 6")
    assert send(item).json["results"][0]["status"] == "stored"
    attempt = db.session.scalar(
        select(ContactAttempt).where(ContactAttempt.client_id == item["id"])
    )
    assert attempt.note == "Call after 6" and attempt.by_id == writer.id
    written = datetime.fromisoformat(item["written_at"])
    assert abs(attempt.at.replace(tzinfo=UTC) - written) < timedelta(seconds=1)


def test_a_time_in_the_future_becomes_now(db, visit, writer, send):
    visit.status = VisitStatus.CONTACTING
    db.session.commit()
    item = {**contact_item(visit), "written_at": "2099-01-01T00:00:00Z"}
    send(item)
    at = db.session.scalar(select(ContactAttempt.at))
    assert at.replace(tzinfo=UTC) <= datetime.now(UTC)


def test_items_in_one_call_each_get_their_answer_in_order(db, visit, writer, send):
    good, bad = reflection_item(visit), reflection_item(visit, hopes_and_dreams="")
    body = send(bad, good).json
    assert [r["id"] for r in body["results"]] == [bad["id"], good["id"]]
    assert body["results"][0]["status"] == "refused"
    assert "hopes for their child" in body["results"][0]["reason"]
    assert body["results"][1] == {"id": good["id"], "status": "stored"}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"duration_minutes": "0"}, "between 5 and 300"),
        ({"hopes_and_dreams": "x" * 6000}, "under 5,000"),
        ({"follow_ups-0-text": "Call back", "follow_ups-0-due_on": ""}, "Choose a date"),
    ],
)
def test_the_same_validation_as_the_form(db, visit, writer, send, data, reason):
    answer = send(reflection_item(visit, **data)).json["results"][0]
    assert answer["status"] == "refused" and reason in answer["reason"]
    assert count(db, Reflection) == 0


def test_a_cancelled_visit_refuses_the_item_with_the_reason(db, visit, writer, send):
    visit.status = VisitStatus.CANCELLED
    visit.status_reason = "The family moved away"
    db.session.commit()
    item = reflection_item(visit)
    answer = send(item).json["results"][0]
    assert answer == {
        "id": item["id"],
        "status": "refused",
        "reason": "The visit was cancelled meanwhile: The family moved away",
    }
    assert count(db, Reflection) == 0
    assert send(item).json["results"][0] == answer  # the same answer again


def test_a_visit_given_to_another_team_refuses_the_item(db, visit, writer, send):
    db.session.execute(TeamMember.__table__.delete().where(TeamMember.user_id == writer.id))
    db.session.commit()
    answer = send(reflection_item(visit)).json["results"][0]
    assert answer["status"] == "refused" and "no longer assigned to you" in answer["reason"]


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "note"},
        {"visit_id": "12"},
        {"visit_id": 10**30},
        {"written_at": "yesterday"},
        {"data": ["a"]},
        {"data": {"duration_minutes": 40}},
    ],
)
def test_an_odd_item_is_refused_not_a_crash(db, visit, writer, send, change):
    answer = send({**reflection_item(visit), **change}).json["results"][0]
    assert answer["status"] == "refused" and answer["reason"]


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"items": "x"}', b'{"items": [1]}', b'{"items": [{"id": "x"}]}'],
)
def test_a_malformed_body_is_a_400_in_json(writer, client, body):
    response = client.post("/sync", data=body, content_type="application/json")
    assert response.status_code == 400 and response.json["error"] == "malformed"


def test_too_many_items_at_once_is_a_400(writer, visit, send):
    assert send(*[contact_item(visit) for _ in range(101)]).status_code == 400


def test_signed_out_is_a_401_in_json_not_a_redirect(visit, client, send):
    for response in (send(reflection_item(visit)), client.get("/sync/token")):
        assert response.status_code == 401 and response.json["error"] == "signed_out"


def test_an_ended_session_is_a_401_and_stores_nothing(db, app, visit, writer, send):
    app.config["CLOCK_OFFSET"] = timedelta(days=2)  # idle and absolute limits are long past
    response = send(reflection_item(visit))
    assert response.status_code == 401 and response.json["error"] == "signed_out"
    assert count(db, Reflection) == 0


def test_an_id_stored_by_someone_else_is_refused(db, visit, send, login):
    item = reflection_item(visit)
    login(visit.members[0])
    send(item)
    login(visit.members[1])
    answer = send(item).json["results"][0]
    assert answer["status"] == "refused" and "another item" in answer["reason"]


def test_the_same_item_at_the_same_moment_from_two_tabs_is_stored_once(app, db, visit, login):
    login(visit.members[0])
    clients = [app.test_client() for _ in range(2)]
    for c in clients:
        c.post("/login", data={"email": visit.members[0].email, "password": TEST_PASSWORD})
    items = [reflection_item(visit), *[contact_item(visit) for _ in range(3)]]
    barrier, answers = threading.Barrier(2), []

    def tab(c):
        barrier.wait()
        answers.append(c.post("/sync", json={"items": items}))

    threads = [threading.Thread(target=tab, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json["results"][0] == answers[1].json["results"][0]
    assert count(db, Reflection) == 1


def test_csrf_is_required_and_a_fresh_token_is_given(app_config, db, tmp_path):
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    app.test_client_class = FreshContextClient
    with app.app_context():
        visit = happened_visit()
        db.session.commit()
        user = visit.members[0]
        client = app.test_client()
        login_page = client.get("/login").get_data(as_text=True)
        csrf = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post(
            "/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": csrf}
        )
        item = reflection_item(visit)
        refused = client.post("/sync", json={"items": [item]})
        assert refused.status_code == 403 and refused.json["error"] == "csrf"
        token = client.get("/sync/token").json
        assert token["user"] == user.id
        ok = client.post("/sync", json={"items": [item]}, headers={"X-CSRFToken": token["token"]})
        assert ok.json["results"][0]["status"] == "stored"
        db.session.remove()
        db.engine.dispose()


def test_a_form_post_sent_again_with_its_phone_id_is_stored_once(db, writer, client):
    visit = make_visit(make_school(), team=[writer, make_visit().members[0]])
    db.session.commit()
    client_id = str(uuid.uuid4())
    for _ in range(2):
        response = client.post(
            f"/visits/{visit.id}/contacts",
            data={"method": "call", "outcome": "no_answer", "client_id": client_id},
        )
        assert response.status_code == 303
    assert count(db, ContactAttempt, ContactAttempt.client_id == client_id) == 1


def test_the_pages_kept_on_the_phone_are_the_visitor_s_own(db, visit, writer, client):
    later = happened_visit(team=visit.members)
    later.scheduled_start = datetime.now(UTC) + timedelta(days=2)
    far = happened_visit(team=visit.members)
    far.scheduled_start = datetime.now(UTC) + timedelta(days=20)
    other = happened_visit()
    db.session.commit()
    answer = client.get("/sync/pages").json
    assert answer["user"] == writer.id
    pages = answer["pages"]
    assert pages[0] == "/visits/"
    assert f"/visits/{visit.id}" in pages and f"/visits/{later.id}/reflection?ahead=1" in pages
    # Every visit on My visits is kept, however far out, with its family's card; never others'.
    assert f"/visits/{far.id}" in pages and f"/families/{far.family_id}?kept=1" in pages
    assert "/account" in pages
    assert f"/visits/{other.id}" not in pages and f"/families/{other.family_id}?kept=1" not in pages
    # The form kept ahead opens before the visit (its answer is checked when it is sent).
    ahead = client.get(f"/visits/{later.id}/reflection?ahead=1")
    assert ahead.status_code == 200 and "has not happened yet" in ahead.get_data(as_text=True)
    assert client.get(f"/visits/{later.id}/reflection").status_code == 303


def test_pages_say_whose_they_are(writer, client):
    assert client.get("/visits/").headers["X-Fieldapp-User"] == str(writer.id)
    client.post("/logout")
    assert client.get("/login").headers["X-Fieldapp-User"] == ""


def test_the_app_shell(client):
    sw = client.get("/sw.js")
    assert sw.status_code == 200 and sw.mimetype == "text/javascript"
    body = sw.get_data(as_text=True)
    # The files are listed under their versioned URLs (a hash of each file).
    assert '"/static/app.js?v=' in body and '"/static/vendor/htmx-2.0.11.min.js?v=' in body
    assert '"/offline"' in body
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    assert {i["sizes"] for i in manifest.json["icons"]} == {"192x192", "512x512"}
    with client.get(manifest.json["icons"][0]["src"]) as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/png"
    offline = client.get("/offline")
    assert offline.status_code == 200 and "No signal" in offline.get_data(as_text=True)


def test_the_service_worker_version_follows_the_static_files(app, client):
    first = client.get("/sw.js").get_data(as_text=True)
    app.config["SW_VERSION"] = "next"
    assert 'const V = "next"' in client.get("/sw.js").get_data(as_text=True)
    assert 'const V = "next"' not in first
