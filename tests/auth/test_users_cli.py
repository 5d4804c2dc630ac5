"""``flask users``: list, disable and send-reset, thin wrappers over the services the admin's
pages use."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from fieldapp.models import AuditEvent, Role
from tests.factories import make_school, make_user
from tests.smtp_sink import SmtpSink


def rows(output: str) -> list[list[str]]:
    return [line.split("\t") for line in output.strip().splitlines()]


def test_list_shows_everyone_with_their_roles_and_last_sign_in(db, runner):
    school = make_school(code="GAR")
    make_user(
        Role.VISITOR,
        school,
        email="ana@school.example",
        name="Ana Lopez",
        last_login_at=datetime(2026, 11, 2, 16, 5, tzinfo=UTC),
    )
    make_user(Role.COORDINATOR, school, email="cy@school.example", name="Cy Park")
    make_user(Role.TRAINER, email="tr@school.example", name="Tess Ray", active=False)
    db.session.commit()
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0, result.output
    table = rows(result.output)
    assert table[0] == ["id", "email", "name", "roles", "active", "last_sign_in"]
    by_email = {row[1]: row for row in table[1:]}
    assert by_email["ana@school.example"][2:] == [
        "Ana Lopez",
        "visitor@GAR",
        "yes",
        "2026-11-02T16:05Z",
    ]
    assert by_email["tr@school.example"][3:] == ["trainer", "no", "-"]


def test_list_filters_by_school_and_role(db, runner):
    mine, other = make_school(code="GAR"), make_school(code="OAK")
    make_user(Role.VISITOR, mine, email="ana@school.example")
    make_user(Role.COORDINATOR, mine, email="cy@school.example")
    make_user(Role.VISITOR, other, email="omar@school.example")
    db.session.commit()
    at_school = rows(runner.invoke(args=["users", "list", "--school", "GAR"]).output)
    assert {r[1] for r in at_school[1:]} == {"ana@school.example", "cy@school.example"}
    visitors = rows(
        runner.invoke(args=["users", "list", "--school", "GAR", "--role", "visitor"]).output
    )
    assert {r[1] for r in visitors[1:]} == {"ana@school.example"}
    everywhere = rows(runner.invoke(args=["users", "list", "--role", "visitor"]).output)
    assert {r[1] for r in everywhere[1:]} == {"ana@school.example", "omar@school.example"}
    unknown = runner.invoke(args=["users", "list", "--school", "NOPE"])
    assert unknown.exit_code != 0 and "No school with code 'NOPE'" in unknown.output


def test_disable_ends_the_sessions_and_is_audited_like_the_admin_s(db, client, runner, login):
    person = make_user(Role.VISITOR, email="ana@school.example")
    login(person)
    assert client.get("/visits/").status_code == 200
    result = runner.invoke(args=["users", "disable", "Ana@School.example"])
    assert result.exit_code == 0, result.output
    assert "Disabled ana@school.example" in result.output
    db.session.refresh(person)
    assert person.active is False
    assert client.get("/visits/").status_code == 302  # signed out at once
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.disable"))
    assert event.object_id == person.id and event.actor_id is None
    again = runner.invoke(args=["users", "disable", "ana@school.example"])
    assert again.exit_code == 0 and "already disabled" in again.output


def test_disable_an_unknown_email_fails_clearly(db, runner):
    result = runner.invoke(args=["users", "disable", "ghost@school.example"])
    assert result.exit_code != 0
    assert "No account with the email 'ghost@school.example'" in result.output


def test_send_reset_queues_a_link_at_the_public_address(app, db, runner):
    never = make_user(Role.VISITOR, email="new@school.example")
    back = make_user(Role.VISITOR, email="back@school.example", last_login_at=datetime.now(UTC))
    db.session.commit()
    app.config["BASE_URL"] = "https://visits.example.org"
    with SmtpSink() as sink:
        app.config.update(sink.config())
        invited = runner.invoke(args=["users", "send-reset", "new@school.example"])
        reset = runner.invoke(args=["users", "send-reset", "back@school.example"])
    assert invited.exit_code == 0 and reset.exit_code == 0
    assert invited.stdout == "Queued an invitation for new@school.example.\n"
    assert reset.stdout == "Queued a reset link for back@school.example.\n"
    (invitation,) = sink.to(never.email)
    (reset_mail,) = sink.to(back.email)
    assert invitation["Subject"] == "Your fieldapp account"
    assert reset_mail["Subject"] == "Reset your fieldapp password"
    link = re.search(r"https://visits\.example\.org(/password/reset/\S+)", reset_mail.get_content())
    assert app.test_client().get(link.group(1)).status_code == 200
    kinds = db.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "user.sign_in_link")
    ).all()
    assert sorted(k["kind"] for k in kinds) == ["invitation", "reset"]


def test_send_reset_refuses_an_unknown_email_a_disabled_one_and_a_missing_address(app, db, runner):
    make_user(Role.VISITOR, email="gone@school.example", active=False)
    db.session.commit()
    no_address = runner.invoke(args=["users", "send-reset", "gone@school.example"])
    assert no_address.exit_code != 0 and "FIELDAPP_BASE_URL" in no_address.output
    app.config["BASE_URL"] = "https://visits.example.org"
    unknown = runner.invoke(args=["users", "send-reset", "ghost@school.example"])
    assert unknown.exit_code != 0 and "No account with the email" in unknown.output
    disabled = runner.invoke(args=["users", "send-reset", "gone@school.example"])
    assert disabled.exit_code != 0 and "is disabled" in disabled.output
