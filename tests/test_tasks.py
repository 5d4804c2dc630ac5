"""Background work on Huey: the retention purge as a task, and a real consumer process taking
it from the queue (SQLite file by default; Redis when a server is there)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fieldapp import audit, clock, tasks
from fieldapp.models import AuditEvent
from fieldapp.privacy import retention
from tests.conftest import ON_POSTGRES, REDIS_URL, redis_database

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _old_and_new_events(db):
    retention.set_retention(reflection_years=None, audit_days=30, by=None)
    old = audit.record("test.old")
    old.at = clock.now() - timedelta(days=31)
    audit.record("test.new")
    db.session.commit()


def test_the_purge_task_applies_the_retention(app, db):
    _old_and_new_events(db)
    result = tasks.purge()  # immediate in tests: runs here, now
    assert result.get() == {
        "reflections": 0,
        "private_notes": 0,
        "attendance_months": 0,
        "audit_events": 1,
    }
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert "test.old" not in actions
    assert {"test.new", "privacy.purge"} <= actions


def test_the_purge_runs_every_night_on_its_own(app):
    def due(hour, minute):
        return [t.name for t in tasks.huey.read_periodic(datetime(2026, 11, 29, hour, minute))]

    assert due(10, 15) == ["nightly_purge"]
    assert due(10, 45) == ["nightly_optimize"]
    assert due(10, 16) == []


def test_the_planner_statistics_are_refreshed(app, db):
    from tests.conftest import ON_POSTGRES

    assert tasks.run_optimize() == ("left to autovacuum" if ON_POSTGRES else "optimized")


BACKENDS = ["sqlite"] + (["redis"] if REDIS_URL else [])


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_real_consumer_runs_queued_work(app, app_config, db, tmp_path, backend):
    if ON_POSTGRES and not REDIS_URL:
        pytest.fail("scripts/with-postgres.sh starts Redis beside PostgreSQL: it did not")
    _old_and_new_events(db)
    db.session.remove()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "FIELDAPP_DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"],
        "FIELDAPP_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    env.pop("FIELDAPP_TASKS_IMMEDIATE")
    env.pop("FIELDAPP_REDIS_URL", None)
    if backend == "redis":
        env["FIELDAPP_REDIS_URL"] = redis_database(2)
        subprocess.run(  # a queue of our own on the shared server
            [sys.executable, "-c", "from fieldapp.tasks import huey; huey.flush()"],
            env=env,
            check=True,
            cwd=ROOT,
        )
    consumer = subprocess.Popen(
        [str(BIN / "huey_consumer"), "fieldapp.tasks.huey", "--workers", "1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        queued = subprocess.run(
            [
                sys.executable,
                "-c",
                "from fieldapp import tasks; print(tasks.purge().get(blocking=True, timeout=60))",
            ],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
    finally:
        consumer.terminate()
        log = consumer.communicate(timeout=30)[0]
    assert queued.returncode == 0, queued.stderr + log
    assert "'audit_events': 1" in queued.stdout, queued.stdout + log
    assert "fieldapp.tasks.run_purge" in log or "run_purge" in log, log
    gone = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "test.old")
    )
    assert gone == 0
