"""The kinds of item a phone sends besides contacts and reflections: a visit's time (schedule),
a draft of the reflection, a follow-up done. Each is stored once, by /sync or by its form."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from fieldapp import receipts
from fieldapp.models import (
    AuditEvent,
    FollowUp,
    ReflectionDraft,
    SyncReceipt,
    TeamMember,
    Visit,
    VisitMode,
    VisitStatus,
)
from tests.conftest import TEST_PASSWORD
from tests.factories import make_school, make_visit
from tests.sync.conftest import contact_item, due, happened_visit, reflection_item

TZ = ZoneInfo("America/Los_Angeles")


def count(db, model, *where):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def tomorrow() -> date:
    return datetime.now(TZ).date() + timedelta(days=1)


def item(kind, item_id=None, written_at=None, **fields):
    return {
        "id": item_id or str(uuid.uuid4()),
        "kind": kind,
        "written_at": (written_at or datetime.now(UTC) - timedelta(minutes=2)).isoformat(),
        **fields,
    }


def schedule_item(visit, item_id=None, **data):
    return item(
        "schedule",
        item_id,
        visit_id=visit.id,
        data={
            "date": tomorrow().isoformat(),
            "start_time": "17:30",
            "mode": "home",
            "place": "",
            **data,
        },
    )


def draft_item(visit, item_id=None, written_at=None, **data):
    return item("draft", item_id, written_at, visit_id=visit.id, data=data)


def done_item(follow_up, item_id=None):
    return item("follow_up_done", item_id, follow_up_id=follow_up.id, data={})


def answer(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)
    (result,) = response.json["results"]
    return result


@pytest.fixture
def agreed(db):
    """A visit whose family agreed to a visit: ready to be scheduled."""
    visit = make_visit(
        make_school(),
        status=VisitStatus.CONTACTING,
        family_agreed_at=datetime.now(UTC) - timedelta(days=1),
    )
    db.session.commit()
    return visit


@pytest.fixture
def happened(db):
    visit = happened_visit()
    db.session.commit()
    return visit


@pytest.fixture
def follow_up(db, happened):
    """A follow-up owned by the visit's second member."""
    row = FollowUp(
        family_id=happened.family_id,
        visit=happened,
        owner=happened.members[1],
        description="Send the library form",
        due_on=date.today() + timedelta(days=7),
    )
    db.session.add(row)
    db.session.commit()
    return row


# ---- schedule ------------------------------------------------------------------------------


def test_an_agreement_then_a_time_both_from_the_queue(db, send, login):
    visit = make_visit(make_school())
    db.session.commit()
    login(visit.members[0])
    agreed = contact_item(visit, outcome="agreed")
    when = schedule_item(visit)
    body = send(agreed, when).json
    assert [r["status"] for r in body["results"]] == ["stored", "stored"]
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    assert visit.status == VisitStatus.SCHEDULED and visit.mode == VisitMode.HOME
    local = visit.scheduled_start.astimezone(TZ)
    assert (local.date(), local.hour, local.minute) == (tomorrow(), 17, 30)
    assert visit.place == visit.family.address
    receipt = db.session.scalar(select(SyncReceipt).where(SyncReceipt.client_id == when["id"]))
    assert (receipt.user_id, receipt.kind) == (visit.members[0].id, "schedule")


def test_a_time_sent_three_times_is_stored_once(db, agreed, send, login):
    login(agreed.members[0])
    when = schedule_item(agreed)
    assert [answer(send(when)) for _ in range(3)] == [{"id": when["id"], "status": "stored"}] * 3
    assert count(db, SyncReceipt) == 1
    assert count(db, AuditEvent, AuditEvent.action == "visit.schedule") == 1


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"date": "2020-01-01"}, "not in the past"),
        ({"start_time": ""}, "Choose a start time."),
        ({"mode": "neutral", "place": ""}, "Enter the address of the place."),
        ({"date": "soon"}, "Date"),
    ],
)
def test_a_time_gets_the_schedule_form_s_refusals(db, agreed, send, login, data, reason):
    login(agreed.members[0])
    result = answer(send(schedule_item(agreed, **data)))
    assert result["status"] == "refused" and reason in result["reason"]
    assert count(db, SyncReceipt) == 0
    assert db.session.get(Visit, agreed.id).scheduled_start is None


def test_a_time_before_the_family_agreed_is_refused_by_the_rule(db, send, login):
    visit = make_visit(make_school())
    db.session.commit()
    login(visit.members[0])
    result = answer(send(schedule_item(visit)))
    assert result["status"] == "refused"
    assert "The family has not agreed to a visit yet" in result["reason"]
    assert count(db, SyncReceipt) == 0


def test_a_time_for_a_cancelled_visit_is_refused_with_its_reason(db, agreed, send, login):
    agreed.status = VisitStatus.CANCELLED
    agreed.status_reason = "The family moved away"
    db.session.commit()
    login(agreed.members[0])
    result = answer(send(schedule_item(agreed)))
    assert result["reason"] == "The visit was cancelled meanwhile: The family moved away"
    assert count(db, SyncReceipt) == 0


def test_a_time_for_a_visit_given_to_another_team_is_refused(db, agreed, send, login):
    writer = agreed.members[0]
    db.session.execute(TeamMember.__table__.delete().where(TeamMember.user_id == writer.id))
    db.session.commit()
    login(writer)
    result = answer(send(schedule_item(agreed)))
    assert result["status"] == "refused" and "no longer assigned to you" in result["reason"]


def test_a_time_refused_in_spanish_for_a_spanish_speaker(db, agreed, send, login):
    writer = agreed.members[0]
    writer.locale = "es"
    db.session.commit()
    login(writer)
    result = answer(send(schedule_item(agreed, start_time="")))
    assert result["status"] == "refused" and "Elija una hora de inicio." in result["reason"]


# ---- exactly once, form and queue ----------------------------------------------------------


def form_schedule(client, visit, client_id, headers=None):
    return client.post(
        f"/visits/{visit.id}/schedule",
        data={
            "date": tomorrow().isoformat(),
            "start_time": "17:30",
            "mode": "home",
            "client_id": client_id,
        },
        headers=headers or {},
    )


def test_a_time_sent_by_its_form_then_from_the_queue_is_stored_once(
    db, agreed, client, send, login
):
    login(agreed.members[0])
    when = schedule_item(agreed)
    assert form_schedule(client, agreed, when["id"]).status_code == 303
    assert answer(send(when)) == {"id": when["id"], "status": "stored"}
    assert count(db, SyncReceipt) == 1
    assert count(db, AuditEvent, AuditEvent.action == "visit.schedule") == 1


def test_a_time_sent_from_the_queue_then_by_its_form_is_stored_once(
    db, agreed, client, send, login
):
    login(agreed.members[0])
    when = schedule_item(agreed)
    assert answer(send(when))["status"] == "stored"
    again = form_schedule(client, agreed, when["id"])
    assert again.status_code == 303 and again.headers["X-Fieldapp-Stored"] == when["id"]
    assert count(db, SyncReceipt) == 1
    assert count(db, AuditEvent, AuditEvent.action == "visit.schedule") == 1


def test_a_follow_up_done_by_its_form_then_from_the_queue_is_stored_once(
    db, follow_up, client, send, login
):
    login(follow_up.owner)
    done = done_item(follow_up)
    client.post(f"/follow-ups/{follow_up.id}/done", data={"client_id": done["id"]})
    assert answer(send(done)) == {"id": done["id"], "status": "stored"}
    assert count(db, SyncReceipt) == 1
    assert count(db, AuditEvent, AuditEvent.action == "follow_up.done") == 1


def test_a_draft_sent_from_the_queue_then_by_its_form_is_stored_once(
    db, happened, client, send, login
):
    login(happened.members[0])
    draft = draft_item(happened, hopes_and_dreams="Half a thought")
    assert answer(send(draft))["status"] == "stored"
    again = client.post(
        f"/visits/{happened.id}/reflection/draft",
        data={"hopes_and_dreams": "Half a thought", "client_id": draft["id"]},
    )
    assert again.headers["X-Fieldapp-Stored"] == draft["id"]
    assert count(db, SyncReceipt) == 1 and count(db, ReflectionDraft) == 1


def test_an_id_stored_by_someone_else_is_refused_for_every_kind(
    db, follow_up, happened, send, login
):
    first, second = happened.members
    login(second)
    done = done_item(follow_up)
    assert answer(send(done))["status"] == "stored"
    login(first)
    for reused in (
        draft_item(happened, done["id"], hopes_and_dreams="Mine"),
        {**reflection_item(happened), "id": done["id"]},
    ):
        result = answer(send(reused))
        assert result["status"] == "refused" and "another item" in result["reason"]
    assert count(db, ReflectionDraft) == 0
    assert db.session.get(Visit, happened.id).status == VisitStatus.SCHEDULED


def test_the_same_time_at_the_same_moment_from_two_tabs_is_stored_once(
    app, db, agreed, monkeypatch
):
    """Both requests pass the "stored already?" check before either stores: the unique id on
    the receipt ends the race, and the loser's retry finds the item stored."""
    writer = agreed.members[0]
    clients = [app.test_client() for _ in range(2)]
    for c in clients:
        c.post("/login", data={"email": writer.email, "password": TEST_PASSWORD})
    items = [schedule_item(agreed)]
    checked = threading.Barrier(2, timeout=10)
    real_stored_by = receipts.stored_by
    first_checks = set()

    def stored_by_after_both_checked(client_id):
        found = real_stored_by(client_id)
        name = threading.current_thread().name
        if name not in first_checks:  # each tab's first check waits for the other's
            first_checks.add(name)
            checked.wait()
        return found

    answers = []

    def tab(c):
        answers.append(c.post("/sync", json={"items": items}))

    threads = [
        threading.Thread(target=tab, args=(c,), name=f"tab{i}") for i, c in enumerate(clients)
    ]
    monkeypatch.setattr(receipts, "stored_by", stored_by_after_both_checked)
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [200, 200]
    assert [a.json["results"][0]["status"] for a in answers] == ["stored", "stored"]
    assert count(db, SyncReceipt) == 1
    assert count(db, AuditEvent, AuditEvent.action == "visit.schedule") == 1


# ---- drafts ----------------------------------------------------------------------------------


def stored_draft(db, visit, user):
    db.session.expire_all()
    return db.session.scalar(
        select(ReflectionDraft).where(
            ReflectionDraft.visit_id == visit.id, ReflectionDraft.user_id == user.id
        )
    )


def test_a_draft_is_kept_with_the_time_it_was_written(db, happened, send, login):
    writer = happened.members[0]
    login(writer)
    written = datetime.now(UTC) - timedelta(minutes=10)
    draft = draft_item(happened, written_at=written, hopes_and_dreams="A vet", client_id="x")
    assert answer(send(draft)) == {"id": draft["id"], "status": "stored"}
    row = stored_draft(db, happened, writer)
    assert row.data == {"hopes_and_dreams": "A vet"}  # what was typed, not the item's own id
    assert abs(row.updated_at - written) < timedelta(seconds=1)


def test_an_older_draft_than_the_stored_one_changes_nothing(db, happened, send, login):
    writer = happened.members[0]
    login(writer)
    now = datetime.now(UTC)
    newer = draft_item(happened, written_at=now - timedelta(minutes=1), hopes_and_dreams="Newer")
    older = draft_item(happened, written_at=now - timedelta(minutes=5), hopes_and_dreams="Old")
    assert answer(send(newer))["status"] == "stored"
    assert answer(send(older)) == {"id": older["id"], "status": "stored"}
    assert stored_draft(db, happened, writer).data == {"hopes_and_dreams": "Newer"}
    newest = draft_item(happened, written_at=now, hopes_and_dreams="Newest")
    assert answer(send(newest))["status"] == "stored"
    assert stored_draft(db, happened, writer).data == {"hopes_and_dreams": "Newest"}


def test_a_draft_after_the_reflection_recreates_nothing(db, happened, send, login):
    writer = happened.members[0]
    login(writer)
    early = datetime.now(UTC) - timedelta(minutes=30)
    assert answer(send(reflection_item(happened)))["status"] == "stored"
    assert count(db, ReflectionDraft) == 0
    late = draft_item(happened, written_at=early, hopes_and_dreams="Stale")
    assert answer(send(late)) == {"id": late["id"], "status": "stored"}
    assert count(db, ReflectionDraft) == 0
    assert db.session.get(Visit, happened.id).status == VisitStatus.COMPLETED


def test_a_draft_for_a_cancelled_visit_is_refused_with_its_reason(db, happened, send, login):
    happened.status = VisitStatus.CANCELLED
    db.session.commit()
    login(happened.members[0])
    result = answer(send(draft_item(happened, hopes_and_dreams="x")))
    assert result["status"] == "refused"
    assert result["reason"] == "The visit was cancelled meanwhile."
    assert count(db, ReflectionDraft) == 0


def test_a_draft_for_a_visit_of_another_team_is_refused(db, happened, send, login):
    other = happened_visit()
    db.session.commit()
    login(happened.members[0])
    result = answer(send(draft_item(other, hopes_and_dreams="x")))
    assert result["status"] == "refused" and "no longer assigned to you" in result["reason"]
    assert count(db, ReflectionDraft) == 0


@pytest.mark.parametrize(
    "change",
    [{"written_at": "yesterday"}, {"data": {"hopes_and_dreams": 3}}, {"visit_id": "1"}],
)
def test_an_odd_draft_is_refused_not_a_crash(db, happened, send, login, change):
    login(happened.members[0])
    result = answer(send({**draft_item(happened, hopes_and_dreams="x"), **change}))
    assert result["status"] == "refused" and result["reason"]
    assert count(db, ReflectionDraft) == 0


# ---- follow-ups done -------------------------------------------------------------------------


def test_a_follow_up_done_from_the_queue(db, follow_up, send, login):
    owner = follow_up.owner
    login(owner)
    done = done_item(follow_up)
    assert answer(send(done)) == {"id": done["id"], "status": "stored"}
    db.session.expire_all()
    row = db.session.get(FollowUp, follow_up.id)
    assert row.done_at is not None and row.done_by_id == owner.id
    assert answer(send(done)) == {"id": done["id"], "status": "stored"}
    assert count(db, AuditEvent, AuditEvent.action == "follow_up.done") == 1


def test_a_follow_up_done_already_is_answered_stored(db, follow_up, send, login):
    follow_up.done_at = datetime.now(UTC) - timedelta(days=1)
    db.session.commit()
    login(follow_up.owner)
    done = done_item(follow_up)
    assert answer(send(done)) == {"id": done["id"], "status": "stored"}
    assert count(db, AuditEvent, AuditEvent.action == "follow_up.done") == 0


def test_only_the_owner_marks_a_follow_up_done(db, follow_up, happened, send, login):
    login(happened.members[0])  # on the team, but not the owner
    result = answer(send(done_item(follow_up)))
    assert result["status"] == "refused" and "no longer yours" in result["reason"]
    assert db.session.get(FollowUp, follow_up.id).done_at is None


@pytest.mark.parametrize("follow_up_id", [None, "7", 2**40, 999_999])
def test_a_follow_up_that_is_not_there_is_refused(db, follow_up, send, login, follow_up_id):
    login(follow_up.owner)
    result = answer(send({**done_item(follow_up), "follow_up_id": follow_up_id}))
    assert result["status"] == "refused" and "no longer yours" in result["reason"]


def test_every_kind_in_one_call(db, happened, follow_up, send, login):
    login(follow_up.owner)
    items = [
        draft_item(happened, hopes_and_dreams="Half"),
        done_item(follow_up),
        reflection_item(
            happened, **{"follow_ups-0-text": "Library card", "follow_ups-0-due_on": due()}
        ),
    ]
    body = send(*items).json
    assert [r["status"] for r in body["results"]] == ["stored"] * 3
    # The reflection cleared the draft it replaced.
    assert count(db, ReflectionDraft) == 0 and count(db, SyncReceipt) == 2


def test_a_follow_up_refused_in_spanish_for_a_spanish_speaker(db, follow_up, happened, send, login):
    writer = happened.members[0]
    writer.locale = "es"
    db.session.commit()
    login(writer)
    result = answer(send(done_item(follow_up)))
    assert (
        result["reason"]
        == "Este seguimiento ya no es suyo (puede que se haya asignado a otra persona)."
    )
