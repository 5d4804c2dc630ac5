"""Filling the texts sent to families: whitelist substitution, the family's language with an
English fallback said so, the do-not-contact wish, the school's own wording."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import unquote

from sqlalchemy import select

from fieldapp.i18n import FAMILY_LOCALES
from fieldapp.messages import services
from fieldapp.models import AuditEvent, Guardian, MessageKind, Role, VisitStatus
from tests.factories import make_family, make_school, make_user, make_visit

KIND = MessageKind.INVITATION


def _visit(db, language="es", **kw):
    school = make_school(name="Chavez Elementary", timezone="America/Los_Angeles")
    team = [
        make_user(Role.VISITOR, school, name="Ana Morales", phone="+15105550111"),
        make_user(Role.VISITOR, school, name="Luis Kim"),
    ]
    family = make_family(home_language=language, **kw.pop("family", {}))
    visit = make_visit(school, team=team, family=family, **kw)
    visit.students[0].first_name = "Sofia"
    db.session.flush()
    return visit


def test_fill_replaces_known_placeholders_and_leaves_anything_else_as_typed():
    body = "Hi {family}, {visitors} {time}. {unknown} {0} {visit.family} {{school}} {school"
    text = services.fill(body, {"family": "Nguyen", "visitors": "Ana", "time": "soon"})
    assert text == "Hi Nguyen, Ana soon. {unknown} {0} {visit.family} {{school}} {school"
    assert services.unknown_placeholders(body) == ["unknown", "0", "visit.family"]
    assert services.unknown_placeholders("{school} {time}") == []


def test_fill_never_formats_user_text():
    # str.format would read attributes, fail on a stray brace, or expand a format spec.
    body = "{school.__class__} {time!r} {time:>99} 100% {"
    assert services.fill(body, {"school": "X", "time": "Y"}) == body


def test_invitation_in_spanish_with_the_names_and_the_time(app, db):
    visit = _visit(db, scheduled_start=datetime(2026, 12, 1, 0, 30, tzinfo=UTC))
    invitation = services.invitation(visit, visit.members[0])
    assert invitation.language == "es" and not invitation.fell_back
    assert invitation.text.startswith("¡Hola! Somos Ana y Luis, de Chavez Elementary.")
    # 00:30 UTC is 16:30 the day before in the school's zone, in the family's words.
    assert "visitar a su familia el lun 30 nov, 16:30," in invitation.text
    assert "para Sofia." in invitation.text
    assert "{" not in invitation.text


def test_invitation_without_a_time_asks_when_suits_them(app, db):
    visit = _visit(db, language="en")
    text = services.invitation(visit, None).text
    assert text.startswith("Hello! We are Ana and Luis, from Chavez Elementary.")
    assert "visit your family at a time that suits you," in text


def test_a_language_with_no_text_falls_back_to_english_and_says_so(app, db):
    visit = _visit(db, language="ko")  # a home language with no family catalogue
    invitation = services.invitation(visit, None)
    assert invitation.wanted == "ko" and invitation.language == "en" and invitation.fell_back
    assert invitation.text.startswith("Hello!")


def test_the_schools_text_is_used_in_any_language(app, db):
    visit = _visit(db, language="vi", scheduled_start=datetime(2026, 12, 1, 0, 30, tzinfo=UTC))
    coordinator = make_user(Role.COORDINATOR, visit.school)
    services.save_text(
        visit.school, KIND, "vi", "Xin chào! {visitors} {time} {oops}", by=coordinator
    )
    invitation = services.invitation(visit, None)
    assert invitation.language == "vi" and not invitation.fell_back and invitation.school_wrote_it
    assert invitation.text.startswith("Xin chào! Ana và Luis ")
    assert invitation.text.endswith(" {oops}") and "16:30" in invitation.text
    assert "vi" in invitation.languages


def test_send_links_for_each_guardian_with_a_phone_or_an_email(app, db):
    visit = _visit(db)
    visit.family.guardians.append(Guardian(name="Rosa", email="rosa@example.org", position=1))
    visit.family.guardians.append(Guardian(name="Nobody reachable", position=2))
    db.session.flush()
    invitation = services.invitation(visit, None)
    first, second = invitation.recipients
    assert first.sms.startswith("sms:+15105550100?body=%C2%A1Hola%21%20Somos%20")
    assert unquote(first.sms.split("?body=", 1)[1]) == invitation.text
    assert first.mail is None and second.sms is None
    assert second.mail.startswith("mailto:rosa@example.org?subject=Una%20visita%20de%20Chavez")
    assert len(invitation.recipients) == 2


def test_no_invitation_for_a_family_that_asked_not_to_be_contacted(app, db):
    visit = _visit(db, family={"do_not_contact": True})
    invitation = services.invitation(visit, None)
    assert "asked not to be contacted" in invitation.refused
    assert invitation.recipients == []


def test_no_invitation_for_a_closed_visit(app, db):
    visit = _visit(db, status=VisitStatus.COMPLETED)
    invitation = services.invitation(visit, None)
    assert invitation.refused and invitation.recipients == []


def test_opening_the_invitation_is_audited(app, db):
    visit = _visit(db)
    services.invitation(visit, None, audit_as=visit.members[0])
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "message.invitation.view")
    )
    assert event.actor_id == visit.members[0].id and event.object_id == visit.id
    assert event.detail["language"] == "es"


def test_saving_and_resetting_a_text_is_audited(app, db):
    school = make_school()
    coordinator = make_user(Role.COORDINATOR, school)
    services.save_text(school, KIND, "es", "Hola {visitors}", by=coordinator)
    services.save_text(school, KIND, "es", "Buenas {visitors}", by=coordinator)
    assert services.current_text(school.id, KIND, "es")[0] == "Buenas {visitors}"
    assert services.reset_text(school, KIND, "es", by=coordinator)
    body, stored = services.current_text(school.id, KIND, "es")
    assert stored is None and body.startswith("¡Hola! Somos {visitors}")
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.action.like("message_template.%"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["message_template.save", "message_template.save", "message_template.reset"]


def test_editable_languages_include_the_families_home_languages(app, db):
    visit = _visit(db, language="ko")
    assert services.editable_languages(visit.school_id) == [*FAMILY_LOCALES, "ko"]
