"""Background work on an existing task queue, Huey: ``SqliteHuey`` in the instance folder by
default, ``RedisHuey`` when ``FIELDAPP_REDIS_URL`` is set (several app servers, one queue).

``make run`` starts the consumer beside the web server (``scripts/serve.sh``); by hand:
``PYTHONPATH=. .venv/bin/huey_consumer fieldapp.tasks.huey``. Tests run tasks at once, in the
calling process (``FIELDAPP_TASKS_IMMEDIATE=1``), and one test runs a real consumer.
"""

from __future__ import annotations

import os
from contextlib import nullcontext
from functools import cache
from pathlib import Path

from flask import Flask, has_app_context
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab

ROOT = Path(__file__).resolve().parent.parent


def make_huey() -> Huey:
    if os.environ.get("FIELDAPP_TASKS_IMMEDIATE") == "1":
        return MemoryHuey("fieldapp", immediate=True)
    redis_url = os.environ.get("FIELDAPP_REDIS_URL")
    if redis_url:
        return RedisHuey("fieldapp", url=redis_url)
    instance = Path(os.environ.get("FIELDAPP_INSTANCE_PATH") or ROOT / "instance")
    instance.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("fieldapp", filename=str(instance / "tasks.db"))


huey = make_huey()


@cache
def _consumer_app() -> Flask:
    from fieldapp import create_app

    return create_app()


def app_context():
    """The caller's app context (a web request, a test), else the consumer's own app."""
    return nullcontext() if has_app_context() else _consumer_app().app_context()


def run_purge() -> dict[str, int]:
    from fieldapp import clock
    from fieldapp.extensions import db
    from fieldapp.privacy import services

    with app_context():
        report = services.purge(now=clock.now())
        db.session.commit()
        return {
            "reflections": report.reflections,
            "private_notes": report.private_notes,
            "audit_events": report.audit_events,
        }


purge = huey.task()(run_purge)


@huey.periodic_task(crontab(hour="10", minute="15"))  # 10:15 UTC: night in the Americas
def nightly_purge() -> None:
    """Retention is applied every night, not only when someone remembers ``flask purge``."""
    run_purge()


def run_optimize() -> str:
    """Planner statistics kept fresh: SQLite's ``PRAGMA optimize`` (ANALYZE where it pays);
    PostgreSQL's autovacuum does this by itself."""
    from sqlalchemy import text

    from fieldapp.extensions import db

    with app_context():
        if db.engine.dialect.name != "sqlite":
            return "left to autovacuum"
        with db.engine.connect() as conn:
            conn.execute(text("PRAGMA optimize=0x10002"))  # 0x10000: look at every table
        return "optimized"


@huey.periodic_task(crontab(hour="10", minute="45"))
def nightly_optimize() -> None:
    run_optimize()


def run_roster_import(import_id: int) -> str:
    """A roster import, parsed, planned and (unless a dry run) applied, off the web request."""
    from fieldapp.extensions import db
    from fieldapp.models import ImportStatus, RosterImport
    from fieldapp.roster import services

    with app_context():
        job = db.session.get(RosterImport, import_id)
        if job is None:
            return "gone"
        if job.status != ImportStatus.QUEUED:
            return job.status.value  # queued twice, or retried: it already ran
        services.execute(job)
        return job.status.value


roster_import = huey.task()(run_roster_import)


def run_visit_scheduled_mail(visit_id: int) -> int:
    """Tell the team that the family chose a time (one email each). Returns how many went."""
    from fieldapp import mail
    from fieldapp.extensions import db
    from fieldapp.models import Visit
    from fieldapp.offers import services

    with app_context():
        visit = db.session.get(Visit, visit_id)
        if visit is None:
            return 0
        mails = services.scheduled_mails(visit)
        for to, subject, body in mails:
            mail.send(to, subject, body)
        return len(mails)


visit_scheduled_mail = huey.task()(run_visit_scheduled_mail)


def run_reminders() -> int:
    """Day-before reminders to the teams (``fieldapp.offers.reminders``). Returns the emails
    sent. Each visit's reminder is claimed and committed before its emails go: never twice."""
    from flask import current_app, url_for

    from fieldapp import clock, mail
    from fieldapp.extensions import db
    from fieldapp.offers import reminders

    with app_context():
        now = clock.now()
        base_url = current_app.config.get("BASE_URL")
        sent = 0
        for visit in db.session.scalars(reminders.due(now)).all():
            if not reminders.claim(visit, now):
                db.session.rollback()
                continue
            text_url = None
            if base_url:
                with current_app.test_request_context(base_url=base_url):
                    text_url = url_for(
                        "messages.invitation", visit_id=visit.id, kind="reminder", _external=True
                    )
            outgoing = reminders.mails(visit, text_url, now)
            db.session.commit()
            for to, subject, body in outgoing:
                mail.send(to, subject, body)
                sent += 1
        return sent


send_reminders = huey.task()(run_reminders)


@huey.periodic_task(crontab(minute="5"))  # every hour
def hourly_reminders() -> None:
    run_reminders()
