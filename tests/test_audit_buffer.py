"""Reading a record stays on the audit trail without a commit of its own (fieldapp.audit): each
read view leaves its event once the request has ended; with the per-process buffer on (as on a
server, ``AUDIT_FLUSH_SECONDS = 1``) the view commits nothing and the event is written within
the second by the buffer's thread; a worker killed a second after the read lost nothing, and
one stopped normally writes what waits as it exits."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, select

from fieldapp import audit, create_app
from fieldapp.extensions import db as _db
from fieldapp.models import AuditEvent, Role
from tests.conftest import TEST_PASSWORD, FreshContextClient
from tests.factories import make_school, make_user, make_visit
from tests.servers import free_port, wait_until_serving

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def events(db, action=None):
    db.session.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalars(query).all()


@pytest.fixture
def visit(db):
    visit = make_visit(make_school())
    db.session.commit()
    return visit


@pytest.mark.parametrize(
    ("url", "action", "role"),
    [
        ("/visits/{visit}", "visit.view", "visitor"),
        ("/families/{family}", "family.view", "visitor"),
        ("/families/{family}?kept=1", "family.kept", "visitor"),
        ("/families/{family}/edit", "family.view", "coordinator"),
        ("/schools/{school}/roster", "roster.view", "coordinator"),
    ],
)
def test_every_read_view_leaves_its_event_once_the_request_ended(
    db, client, login, visit, url, action, role
):
    person = visit.members[0] if role == "visitor" else make_user(Role.COORDINATOR, visit.school)
    login(person)
    before = len(events(db, action))
    response = client.get(
        url.format(visit=visit.id, family=visit.family_id, school=visit.school_id)
    )
    assert response.status_code == 200
    found = events(db, action)
    assert len(found) == before + 1
    assert found[-1].actor_id == person.id and found[-1].ip == "127.0.0.1"


@pytest.fixture
def buffered(app_config):
    """An app as on a server: read events wait in the buffer, written every 0.3 s."""
    app = create_app({**app_config, "AUDIT_FLUSH_SECONDS": 0.3})
    app.test_client_class = FreshContextClient
    with app.app_context():
        yield app
        audit.buffer(app).seconds = 0  # the thread stops writing; nothing else writes
        _db.session.remove()
        _db.engine.dispose()


def test_a_read_commits_nothing_and_its_event_is_written_within_a_second(buffered):
    app, db = buffered, _db
    visit = make_visit(make_school())
    db.session.commit()
    client = app.test_client()
    assert client.post(
        "/login", data={"email": visit.members[0].email, "password": TEST_PASSWORD}
    ).status_code in (302, 303)
    client.get("/visits/")  # the session's first activity noted: not what we count below

    here = threading.get_ident()
    commits = []

    def note(_conn):
        if threading.get_ident() == here:  # not the buffer's thread
            commits.append(_conn)

    event.listen(db.engine, "commit", note)
    try:
        before = datetime.now(UTC)
        started = time.monotonic()
        assert client.get(f"/visits/{visit.id}").status_code == 200
        after = datetime.now(UTC)
        assert commits == []  # the page's own request: no commit, no fsync
        while not events(db, "visit.view") and time.monotonic() - started < 3:
            time.sleep(0.05)
        waited = time.monotonic() - started
    finally:
        event.remove(db.engine, "commit", note)
    written = events(db, "visit.view")
    assert len(written) == 1 and waited < 1.0, waited  # by the buffer's own thread
    assert written[0].actor_id == visit.members[0].id and written[0].object_id == visit.id
    assert before <= written[0].at <= after  # when it was read


def test_the_buffer_keeps_its_events_while_the_database_refuses_them(app, db, monkeypatch):
    buffer = audit.buffer(app)
    with app.test_request_context():
        audit.viewed("family.view", detail_kept=True)
    monkeypatch.setattr(buffer, "app", None)  # no app, no database: the write fails
    assert buffer.flush() == 0 and len(buffer.rows) == 1
    monkeypatch.undo()
    assert buffer.flush() == 1
    assert [e.detail for e in events(db, "family.view")] == [{"detail_kept": True}]


@pytest.mark.parametrize(
    ("flush_seconds", "wait", "stop"),
    [
        ("1", 1.5, signal.SIGKILL),  # a crash a second after the read: the thread wrote it
        ("60", 0, signal.SIGTERM),  # a normal stop long before the next write: written at exit
    ],
)
def test_a_worker_stopped_after_the_read_lost_no_event(
    app_config, db, tmp_path, flush_seconds, wait, stop
):
    visit = make_visit(make_school())
    db.session.commit()
    port = free_port()
    log = tmp_path / "server.log"
    env = {
        **os.environ,
        "FIELDAPP_DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"],
        "FIELDAPP_SECRET_KEY": "crash-test-only",
        "FIELDAPP_INSTANCE_PATH": str(tmp_path / "instance"),
        "FIELDAPP_AUDIT_FLUSH_SECONDS": flush_seconds,
    }
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_serving(f"{url}/healthz", server, log)
            from tests.test_two_servers import Browser

            browser = Browser()
            status, _, _ = browser.sign_in(url, visit.members[0].email, TEST_PASSWORD)
            assert status == 303
            status, _, page = browser.request(f"{url}/visits/{visit.id}")
            assert status == 200 and re.search(r"<html", page)
            time.sleep(wait)
        finally:
            if stop == signal.SIGKILL:
                os.killpg(server.pid, stop)  # the master and its worker: no exit handlers
            else:
                server.send_signal(stop)  # gunicorn stops its workers gracefully
            server.wait(timeout=30)
    assert [e.object_id for e in events(db, "visit.view")] == [visit.id]
