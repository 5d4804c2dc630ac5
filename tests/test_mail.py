"""Every email the app sends, read back by a second parser (the stdlib's in strict mode): it
carries Date and a Message-ID at the sender's domain, and carries nothing README's "What an email
may carry" keeps out (no family's name in a subject, no home address anywhere)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from fieldapp import clock, tasks
from fieldapp.models import Role, VisitMode, VisitStatus
from tests.factories import make_family, make_school, make_user, make_visit

STRICT = BytesParser(policy=policy.strict)
SENDER = "District home visits <no-reply@visits.example.org>"


def outbox(app) -> list[bytes]:
    return [p.read_bytes() for p in sorted((Path(app.instance_path) / "outbox").glob("*.eml"))]


@pytest.fixture
def every_kind_of_email(app, db, client, login):
    """A reset, an invitation, a visit's scheduled notice and its reminder, in English and
    Spanish; returns the raw messages and the family's name and address."""
    app.config.update(MAIL_FROM=SENDER, BASE_URL="https://visits.example.org")
    school = make_school()
    ana = make_user(Role.VISITOR, school, email="ana@school.example", last_login_at=clock.now())
    luis = make_user(Role.VISITOR, school, email="luis@school.example", locale="es")
    family = make_family(name="Reyes family", address_line1="77 Secret Lane")
    visit = make_visit(
        school,
        team=[ana, luis],
        family=family,
        status=VisitStatus.SCHEDULED,
        mode=VisitMode.HOME,
        place=family.address,
        scheduled_start=clock.now() + timedelta(hours=20),
        family_agreed_at=clock.now() - timedelta(days=1),
    )
    db.session.commit()
    client.post("/password/forgot", data={"email": ana.email})
    login(make_user(Role.ADMIN))
    client.post(f"/admin/users/{luis.id}/sign-in-link")
    assert tasks.run_visit_scheduled_mail(visit.id) == 2
    assert tasks.run_reminders() == 2
    sent = outbox(app)
    assert len(sent) == 6
    return sent, family


def test_every_email_has_a_date_and_a_message_id(every_kind_of_email):
    sent, _family = every_kind_of_email
    ids = set()
    for raw in sent:
        message = STRICT.parsebytes(raw)  # raises on any defect
        assert all(not value.defects for value in message.values())
        # RFC 5322's "-0000": the time is UTC, the sender's local zone is not said (the
        # parser gives it without a tzinfo).
        assert str(message["Date"]).endswith(" -0000")
        date = message["Date"].datetime.replace(tzinfo=UTC)
        assert abs(datetime.now(UTC) - date) < timedelta(minutes=5)
        assert re.fullmatch(r"<[^<>@\s]+@visits\.example\.org>", message["Message-ID"])
        ids.add(message["Message-ID"])
        assert message["From"] == SENDER
    assert len(ids) == len(sent)  # each its own


def test_no_email_names_the_family_in_its_subject_or_quotes_the_address(every_kind_of_email):
    sent, family = every_kind_of_email
    subjects = []
    for raw in sent:
        message = STRICT.parsebytes(raw)
        subject, body = str(message["Subject"]), message.get_content()
        subjects.append(subject)
        assert "Reyes" not in subject
        assert "Secret Lane" not in subject + body
    # What the team needs is behind the visit's page (signed in), not in the email.
    assert any("Visita programada" in s for s in subjects)
    assert any("Reminder: visit" in s for s in subjects)
    bodies = [STRICT.parsebytes(raw).get_content() for raw in sent]
    assert sum("https://visits.example.org/visits/" in b for b in bodies) == 4
