"""The invitation page for the visit's team, and the coordinator's editor of the school's texts."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from fieldapp.models import AuditEvent, MessageKind, MessageTemplate, Role
from tests.factories import make_family, make_school, make_user, make_visit


def _world(db, language="en", **family):
    school = make_school(name="Chavez Elementary")
    visitor = make_user(Role.VISITOR, school, name="Ana Morales")
    partner = make_user(Role.VISITOR, school, name="Luis Kim")
    coordinator = make_user(Role.COORDINATOR, school)
    visit = make_visit(
        school,
        team=[visitor, partner],
        family=make_family(home_language=language, **family),
        scheduled_start=datetime(2026, 12, 1, 0, 30, tzinfo=UTC),
    )
    db.session.commit()
    return school, visitor, coordinator, visit


def test_the_visitor_opens_the_invitation_ready_to_send(db, client, login):
    school, visitor, _, visit = _world(db)
    login(visitor)
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert f'href="/visits/{visit.id}/invitation"' in page
    response = client.get(f"/visits/{visit.id}/invitation")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Hello! We are Ana and Luis, from Chavez Elementary." in html
    assert "visit your family on Mon 30 Nov, 4:30 pm," in html
    assert 'href="sms:+15105550100?body=Hello%21%20We%20are%20Ana%20and%20Luis' in html
    assert "Send as a text message to Guardian" in html
    assert "data-copy=" in html and "readonly" in html
    assert "There is no text" not in html
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "message.invitation.view")
    )
    assert event.actor_id == visitor.id and event.school_id == school.id


def test_a_spanish_speaking_family_gets_the_spanish_text_on_an_english_page(db, client, login):
    _, visitor, _, visit = _world(db, language="es")
    login(visitor)
    html = client.get(f"/visits/{visit.id}/invitation").get_data(as_text=True)
    assert "¡Hola! Somos Ana y Luis, de Chavez Elementary." in html
    assert "el lun 30 nov, 16:30" in html
    assert "Send as a text message to" in html  # the page itself in the visitor's language
    english = client.get(f"/visits/{visit.id}/invitation?language=en").get_data(as_text=True)
    assert "Hello! We are Ana and Luis" in english and "¡Hola!" not in english


def test_no_text_in_the_familys_language_is_said_to_the_visitor(db, client, login):
    _, visitor, _, visit = _world(db, language="ko")
    login(visitor)
    html = client.get(f"/visits/{visit.id}/invitation").get_data(as_text=True)
    assert "There is no text in this family's language (Korean) yet" in html
    assert "Hello! We are Ana and Luis" in html
    unknown = client.get(f"/visits/{visit.id}/invitation?language=xx").get_data(as_text=True)
    assert "There is no text in this family's language (Korean) yet" in unknown


def test_a_family_that_asked_not_to_be_contacted_gets_no_invitation(db, client, login):
    _, visitor, _, visit = _world(db, do_not_contact=True)
    login(visitor)
    assert "/invitation" not in client.get(f"/visits/{visit.id}").get_data(as_text=True)
    html = client.get(f"/visits/{visit.id}/invitation").get_data(as_text=True)
    assert "This family asked not to be contacted" in html
    assert "sms:" not in html and "mailto:" not in html and "<textarea" not in html


def test_the_coordinator_sees_and_edits_the_schools_texts(db, client, login):
    school, _, coordinator, visit = _world(db, language="ko")
    login(coordinator)
    dashboard = client.get(f"/schools/{school.id}/").get_data(as_text=True)
    assert f'href="/schools/{school.id}/messages"' in dashboard
    index = client.get(f"/schools/{school.id}/messages").get_data(as_text=True)
    assert "Invitation to a visit" in index
    assert "Hello! We are {visitors}" in index and "¡Hola! Somos {visitors}" in index
    assert "Korean" in index and "No text yet: these families get the English one." in index
    url = f"/schools/{school.id}/messages/invitation/es"
    editor = client.get(url).get_data(as_text=True)
    assert "¡Hola! Somos {visitors}" in editor and "{visitor_phone}" in editor
    assert "What a family gets" in editor and "¡Hola! Somos Ana y Luis" in editor

    response = client.post(url, data={"body": "Hola, somos {visitors}. ¿Le viene bien {time}?"})
    assert response.status_code == 303
    saved = client.get(url).get_data(as_text=True)
    assert "Saved. Visitors now send this text." in saved
    assert "The school's text, changed by" in saved
    assert "Hola, somos Ana y Luis. ¿Le viene bien el " in saved  # the preview

    visit.family.home_language = "es"
    db.session.commit()
    login(visit.members[0])
    html = client.get(f"/visits/{visit.id}/invitation").get_data(as_text=True)
    assert "Hola, somos Ana y Luis. ¿Le viene bien el lun 30 nov, 16:30?" in html

    login(coordinator)
    assert client.post(f"{url}/reset").status_code == 303
    assert db.session.scalar(select(MessageTemplate)) is None
    assert "Back to the default text." in client.get(url).get_data(as_text=True)


def test_a_text_in_a_language_without_a_default(db, client, login):
    school, _, coordinator, visit = _world(db, language="ko")
    login(coordinator)
    url = f"/schools/{school.id}/messages/invitation/ko"
    assert "No text yet" in client.get(url).get_data(as_text=True)
    assert client.post(url, data={"body": "안녕하세요 {visitors}"}).status_code == 303
    login(visit.members[0])
    html = client.get(f"/visits/{visit.id}/invitation").get_data(as_text=True)
    assert "안녕하세요 Ana " in html and "There is no text" not in html
    login(coordinator)
    client.post(f"{url}/reset")
    assert "text was deleted." in client.get(url).get_data(as_text=True)


def test_mistakes_are_shown_beside_the_field_and_nothing_typed_is_lost(db, client, login):
    school, _, coordinator, _ = _world(db)
    login(coordinator)
    url = f"/schools/{school.id}/messages/invitation/en"
    empty = client.post(url, data={"body": "   "})
    assert empty.status_code == 422
    assert "Write the text, or reset it to the default." in empty.get_data(as_text=True)

    long_text = "Hello {visitors}! " + "x" * 1000
    too_long = client.post(url, data={"body": long_text})
    html = too_long.get_data(as_text=True)
    assert too_long.status_code == 422
    assert "Keep it to 1000 characters at most" in html and "it has 1018." in html
    assert long_text in html

    typo = "Hello {familly}, we are {visitors} {0} {visit.school}"
    response = client.post(url, data={"body": typo})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "{familly}, {0}, {visit.school} are not placeholders this text can use" in html
    assert typo in html
    assert db.session.scalar(select(MessageTemplate)) is None

    kept = client.post(url, data={"body": typo, "keep_unknown": "y"})
    assert kept.status_code == 303
    stored = db.session.scalar(select(MessageTemplate))
    assert stored.body == typo and stored.kind == MessageKind.INVITATION
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "message_template.save")
    )
    assert event.actor_id == coordinator.id and event.detail["language"] == "en"


def test_only_the_languages_of_the_school_can_be_edited(db, client, login):
    school, _, coordinator, _ = _world(db)
    login(coordinator)
    assert client.get(f"/schools/{school.id}/messages/invitation/ko").status_code == 404
    assert client.get(f"/schools/{school.id}/messages/birthday/en").status_code == 404


def test_the_coordinator_sees_the_school_s_languages_first_and_the_others_a_link_away(
    db, client, login
):
    school, visitor, coordinator, visit = _world(db, language="vi")
    login(coordinator)
    index = client.get(f"/schools/{school.id}/messages").get_data(as_text=True)
    cards = re.findall(r'<h3 id="h-invitation-(\w+)">', index)
    assert cards == ["en", "es", "vi"]  # English, Spanish, and what the school's families speak
    assert "Xin chào! Chúng tôi là {visitors}" in index  # the default text in Vietnamese
    assert "Default texts also exist in:" in index
    somali = f"/schools/{school.id}/messages/invitation/so"
    assert f'href="{somali}">Somali</a>' in index
    editor = client.get(somali)
    assert editor.status_code == 200 and "{visitors}" in editor.get_data(as_text=True)
    # The visitor's page gives the family the Vietnamese text, with nothing said about English.
    login(visitor)
    html = client.get(f"/visits/{visit.id}/invitation").get_data(as_text=True)
    assert "Xin chào! Chúng tôi là Ana và Luis" in html and "There is no text" not in html
