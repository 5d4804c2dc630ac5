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
from urllib.parse import urlsplit

from flask import Flask, current_app, has_app_context
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


def external_url(base_url: str, endpoint: str, **values) -> str:
    """A full link to this site from outside a request (a task, a command), at ``base_url``."""
    parts = urlsplit(base_url)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def run_purge() -> dict[str, int]:
    from fieldapp import clock
    from fieldapp.extensions import db
    from fieldapp.privacy import retention

    with app_context():
        report = retention.purge(now=clock.now())
        db.session.commit()
        return {
            "reflections": report.reflections,
            "private_notes": report.private_notes,
            "attendance_months": report.attendance_months,
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
        base_url = current_app.config.get("BASE_URL")
        visit_url = external_url(base_url, "visits.detail", visit_id=visit.id) if base_url else None
        mails = services.scheduled_mails(visit, visit_url)
        for to, subject, body in mails:
            mail.send(to, subject, body)
        return len(mails)


visit_scheduled_mail = huey.task()(run_visit_scheduled_mail)


def run_reminders() -> int:
    """Day-before reminders to the teams (``fieldapp.offers.reminders``). Returns the emails
    sent. Each visit's reminder is claimed and committed before its emails go: never twice."""
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
            text_url = visit_url = None
            if base_url:
                text_url = external_url(
                    base_url, "messages.invitation", visit_id=visit.id, kind="reminder"
                )
                visit_url = external_url(base_url, "visits.detail", visit_id=visit.id)
            outgoing = reminders.mails(visit, text_url, now, visit_url)
            db.session.commit()
            for to, subject, body in outgoing:
                mail.send(to, subject, body)
                sent += 1
        return sent


send_reminders = huey.task()(run_reminders)


@huey.periodic_task(crontab(minute="5"))  # every hour
def hourly_reminders() -> None:
    run_reminders()


def run_sign_in_link_mail(email: str, kind: str, locale: str, base_url: str) -> str:
    """A link to choose a password, for the account with this email if there is one. Runs off
    the request, so ``POST /password/forgot`` does the same work (one enqueue) for every address
    and a mail server that is down shows nowhere. The token is kept only once its email went: a
    retry makes a new one. ``locale``: the asker's language, for a person who chose none."""
    from fieldapp import clock, i18n, mail
    from fieldapp.auth import mails, services
    from fieldapp.extensions import db

    with app_context():
        valid = services.INVITATION_VALID if kind == mails.INVITATION else services.RESET_VALID
        try:
            started = services.start_reset(email, now=clock.now(), valid=valid)
            if started is None:
                db.session.commit()  # the refused request's audit row
                return "no account"
            user, token = started
            link = external_url(base_url, "auth.reset_password", token=token)
            with i18n.in_language(user.locale or locale):
                subject, body = mails.sign_in_link(user, link, kind)
            mail.send(user.email, subject, body)
        except Exception:
            db.session.rollback()
            raise
        db.session.commit()
        return "sent"


# A mail server that is down is tried again after 1, 2, 4, 8 and 16 minutes.
sign_in_link_mail = huey.task(retries=5, retry_delay=60, retry_backoff=2)(run_sign_in_link_mail)
