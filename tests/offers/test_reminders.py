"""Day-before reminders run on the task queue, once each, never twice."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from fieldapp import clock, tasks
from fieldapp.models import ReminderSent, Role, VisitMode, VisitStatus
from tests.factories import make_user, make_visit
from tests.smtp_sink import SmtpSink


def scheduled_in(hours: float, **kw):
    start = clock.now() + timedelta(hours=hours)
    return make_visit(
        status=VisitStatus.SCHEDULED,
        mode=VisitMode.HOME,
        place="12 Elm St",
        scheduled_start=start,
        family_agreed_at=clock.now() - timedelta(days=2),
        **kw,
    )


def test_the_team_is_reminded_the_day_before_once(app, db):
    tomorrow = scheduled_in(20)
    scheduled_in(50)  # the day after tomorrow: not yet
    db.session.commit()
    app.config["BASE_URL"] = "https://visits.example.org"
    with SmtpSink() as sink:
        app.config.update(sink.config())
        assert tasks.run_reminders() == 2
        assert tasks.run_reminders() == 0  # a rerun sends nothing
    assert len(sink.messages) == 2
    body = sink.messages[0].get_content()
    assert f"https://visits.example.org/visits/{tomorrow.id}/invitation?kind=reminder" in body
    # The visit's page, not its address; no family name in the subject.
    assert f"https://visits.example.org/visits/{tomorrow.id}\r\n" in body
    assert "12 Elm St" not in body
    assert tomorrow.family.name not in sink.messages[0]["Subject"]
    assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == 1


def test_a_visit_moved_to_a_new_time_is_reminded_again(app, db):
    visit = scheduled_in(10)
    db.session.commit()
    assert tasks.run_reminders() == 2
    visit.scheduled_start = visit.scheduled_start + timedelta(hours=3)
    db.session.commit()
    assert tasks.run_reminders() == 2


def test_a_cancelled_visit_or_an_inactive_partner_gets_none(app, db):
    visit = scheduled_in(10)
    visit.team[1].user.active = False
    cancelled = scheduled_in(12, team=[make_user(Role.VISITOR), make_user(Role.VISITOR)])
    cancelled.status = VisitStatus.CANCELLED
    db.session.commit()
    assert tasks.run_reminders() == 1


def test_the_reminder_text_for_the_family_is_in_their_language(db, client, login):
    visit = scheduled_in(20)
    login(visit.team[0].user)
    html = client.get(f"/visits/{visit.id}/invitation?kind=reminder").get_data(as_text=True)
    assert "para recordarle nuestra visita" in html and "sms:" in html


def test_the_visit_page_of_a_scheduled_visit_links_the_reminder_text(db, client, login):
    visit = scheduled_in(20)
    login(visit.team[0].user)
    html = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert f"/visits/{visit.id}/invitation?kind=reminder" in html
