"""The team's private note: the team reads it on the visit page and corrects it for a while;
nobody else reads it anywhere (``test_private_note_crawl.py`` walks every other role's pages)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from fieldapp.models import (
    AuditEvent,
    PrivateNote,
    Reflection,
    Role,
    Visit,
    VisitMode,
    VisitStatus,
)
from fieldapp.rules import PRIVATE_NOTE_CORRECTION
from tests.factories import make_school, make_student, make_user, make_visit

HX = {"HX-Request": "true"}
NOTE = "Dad works nights; grandma translates. Between us: ask about the eviction letter."


def completed_visit(db, *, note: str | None = NOTE, days_ago: float = 1, **kw) -> Visit:
    """A visit completed ``days_ago``, its reflection written by the first of its team."""
    when = datetime.now(UTC) - timedelta(days=days_ago)
    visit = make_visit(
        kw.pop("school", None) or make_school(),
        status=VisitStatus.COMPLETED,
        mode=VisitMode.HOME,
        scheduled_start=when - timedelta(hours=1),
        family_agreed_at=when - timedelta(days=3),
        completed_at=when,
        **kw,
    )
    visit.reflections.append(
        Reflection(
            author=visit.members[0],
            duration_minutes=40,
            hopes_and_dreams="To become a pilot",
            submitted_at=when,
            private_note=PrivateNote(text=note) if note else None,
        )
    )
    db.session.commit()
    return visit


def note_text(db, visit: Visit) -> str | None:
    db.session.expire_all()
    return db.session.scalar(
        select(PrivateNote.text).join(Reflection).where(Reflection.visit_id == visit.id)
    )


# ---- reading it on the visit page -------------------------------------------------------------


def test_both_of_the_team_read_the_note_on_the_visit_page(db, client, login):
    visit = completed_visit(db)
    author = visit.members[0]
    for member in visit.members:
        login(member)
        html = client.get(f"/visits/{visit.id}").get_data(as_text=True)
        section = html[html.index('id="private-note"') :]
        section = section[: section.index("</section>")]
        assert "Private to the team" in section
        assert "Only the visit's team sees this" in section
        assert "Dad works nights; grandma translates." in section
        # Its author, and the time in the school's zone (Oakland: 7 or 8 hours behind UTC).
        written = visit.reflections[0].submitted_at.astimezone(ZoneInfo(visit.school.timezone))
        assert f"Written by {author.name}" in section
        assert written.strftime("%-I:%M") in section
        assert "Correct the private note" in section
        assert f'href="/visits/{visit.id}/private-note"' in section


def test_the_htmx_part_of_the_visit_page_holds_the_note_for_the_team(db, client, login):
    visit = completed_visit(db)
    login(visit.members[1])
    part = client.get(f"/visits/{visit.id}", headers=HX).get_data(as_text=True)
    assert part.lstrip().startswith('<div id="visit-body"')
    assert "Dad works nights" in part


def test_the_coordinator_sees_the_visit_page_without_the_note(db, client, login):
    visit = completed_visit(db)
    login(make_user(Role.COORDINATOR, visit.school))
    for headers in ({}, HX):
        response = client.get(f"/visits/{visit.id}", headers=headers)
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Dad works nights" not in html and 'id="private-note"' not in html


def test_a_visit_without_a_note_offers_the_team_to_write_one(db, client, login):
    visit = completed_visit(db, note=None)
    login(visit.members[0])
    html = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert "The team wrote no private note." in html and "Write a private note" in html
    client.post(f"/visits/{visit.id}/private-note", data={"text": "  Call the aunt, not mum  "})
    assert note_text(db, visit) == "Call the aunt, not mum"


def test_an_open_visit_has_no_private_section_yet(db, client, login):
    visit = make_visit(make_school())
    db.session.commit()
    login(visit.members[0])
    assert 'id="private-note"' not in client.get(f"/visits/{visit.id}").get_data(as_text=True)
    response = client.get(f"/visits/{visit.id}/private-note")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/visits/{visit.id}#private-note")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "There is no reflection yet" in page


# ---- correcting it ----------------------------------------------------------------------------


def test_the_team_corrects_the_note_and_the_change_is_audited_without_its_words(db, client, login):
    visit = completed_visit(db)
    partner = visit.members[1]
    login(partner)
    form = client.get(f"/visits/{visit.id}/private-note")
    html = form.get_data(as_text=True)
    assert form.status_code == 200
    assert "Dad works nights; grandma translates." in html  # the text to correct, in the field
    assert "The team can correct it for 14 days" in html and "You can correct it until" in html
    response = client.post(
        f"/visits/{visit.id}/private-note", data={"text": "Dad works nights. Grandma translates."}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/visits/{visit.id}#private-note")
    assert note_text(db, visit) == "Dad works nights. Grandma translates."
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "visit.private_note"))
    assert event.actor_id == partner.id and event.object_id == visit.id
    assert "Grandma" not in str(event.detail)
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert "The team&#39;s private note is saved." in page
    assert f"corrected by {partner.name}" in page


def test_an_emptied_note_is_removed(db, client, login):
    visit = completed_visit(db)
    login(visit.members[0])
    assert client.post(f"/visits/{visit.id}/private-note", data={"text": "  "}).status_code == 303
    assert note_text(db, visit) is None
    assert db.session.scalar(select(PrivateNote.id)) is None


def test_htmx_answers_with_the_form_block_and_redirects_when_saved(db, client, login):
    visit = completed_visit(db)
    login(visit.members[0])
    too_long = "x" * 5001
    bad = client.post(f"/visits/{visit.id}/private-note", data={"text": too_long}, headers=HX)
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert html.lstrip().startswith('<form id="private-note-form"') and "<h1>" not in html
    assert "Please keep this under 5,000 characters." in html
    assert too_long in html  # what was typed stays in the field
    assert note_text(db, visit) == NOTE
    ok = client.post(f"/visits/{visit.id}/private-note", data={"text": "Shorter"}, headers=HX)
    assert ok.status_code == 204
    assert ok.headers["HX-Redirect"].endswith(f"/visits/{visit.id}#private-note")
    assert note_text(db, visit) == "Shorter"


def test_bad_input_without_javascript_is_shown_beside_the_field_with_the_text_kept(
    db, client, login
):
    visit = completed_visit(db)
    login(visit.members[0])
    typed = "Keep this " + "y" * 5000
    response = client.post(f"/visits/{visit.id}/private-note", data={"text": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<h1>" in html
    field = html[html.index('<div class="field') :]
    assert 'aria-invalid="true"' in field and "under 5,000 characters" in field
    assert typed in html


def test_after_the_set_time_the_note_is_read_only(db, client, login):
    days = PRIVATE_NOTE_CORRECTION.days
    visit = completed_visit(db, days_ago=days + 0.5)
    login(visit.members[0])
    until = (visit.completed_at + PRIVATE_NOTE_CORRECTION).astimezone(
        ZoneInfo(visit.school.timezone)
    )
    html = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert "Dad works nights" in html
    assert "Read-only: the team could correct it until" in html
    assert until.strftime("%-I:%M") in html
    assert f'href="/visits/{visit.id}/private-note"' not in html
    # The form is not offered...
    response = client.get(f"/visits/{visit.id}/private-note")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The time to correct this note is over" in page
    # ...and a post (a page kept open, a crafted request) is refused beside the field.
    refused = client.post(f"/visits/{visit.id}/private-note", data={"text": "Too late to say"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "The time to correct this note is over" in html
    assert "Read-only: the team could correct it until" in html
    assert until.strftime("%-I:%M") in html
    assert "Too late to say" in html and "Save the private note" not in html
    assert note_text(db, visit) == NOTE


def test_the_last_day_still_counts(db, client, login):
    visit = completed_visit(db, days_ago=PRIVATE_NOTE_CORRECTION.days - 0.01)
    login(visit.members[0])
    assert (
        client.post(f"/visits/{visit.id}/private-note", data={"text": "In time"}).status_code == 303
    )
    assert note_text(db, visit) == "In time"


def test_two_versions_are_merged_before_their_notes_are_corrected(db, client, login):
    visit = completed_visit(db)
    visit.reflections.append(
        Reflection(
            author=visit.members[1],
            duration_minutes=35,
            hopes_and_dreams="A pilot, or a vet",
            submitted_at=visit.completed_at + timedelta(minutes=5),
            private_note=PrivateNote(text="The partner's own words"),
        )
    )
    db.session.commit()
    login(visit.members[1])
    html = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert "Dad works nights" in html and "The partner&#39;s own words" in html
    assert "merge the versions of the reflection first" in html
    response = client.post(f"/visits/{visit.id}/private-note", data={"text": "One"})
    assert response.status_code == 303
    assert note_text(db, visit) is not None
    assert set(db.session.scalars(select(PrivateNote.text))) == {NOTE, "The partner's own words"}


# ---- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_only_the_team_may_open_the_note_s_form(db, client, login, method):
    visit = completed_visit(db)
    teacher = make_user(Role.VISITOR, visit.school)
    make_student(visit.school, visit.family, teacher=teacher)
    db.session.commit()
    url = f"/visits/{visit.id}/private-note"
    for person, status in (
        (make_user(Role.COORDINATOR, visit.school), 403),
        (make_user(Role.TRAINER), 403),
        (make_user(Role.ADMIN), 403),
        (teacher, 404),  # teaches the student, not on the team
        (make_user(Role.VISITOR, visit.school), 404),
        (make_user(Role.VISITOR, make_school()), 404),
    ):
        login(person)
        response = client.open(url, method=method, data={"text": "Overwritten"})
        assert response.status_code == status, person
        assert "Dad works nights" not in response.get_data(as_text=True)
    assert note_text(db, visit) == NOTE


def test_a_missing_visit_is_404(db, client, login):
    visit = completed_visit(db)
    login(visit.members[0])
    assert client.get("/visits/999999/private-note").status_code == 404
    assert client.post("/visits/999999/private-note", data={"text": "x"}).status_code == 404


def test_the_form_needs_its_csrf_token(app_config, db):
    from fieldapp import create_app
    from tests.conftest import TEST_PASSWORD, FreshContextClient

    visit = completed_visit(db)
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    app.test_client_class = FreshContextClient
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/login",
        data={"email": visit.members[0].email, "password": TEST_PASSWORD, "csrf_token": token},
    )
    url = f"/visits/{visit.id}/private-note"
    assert client.post(url, data={"text": "No token"}).status_code == 400
    form = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    assert client.post(url, data={"text": "With token", "csrf_token": token}).status_code == 303
    assert note_text(db, visit) == "With token"


# ---- the form's words -------------------------------------------------------------------------


def test_the_reflection_form_says_exactly_who_reads_the_note(db, client, login):
    visit = make_visit(
        make_school(),
        status=VisitStatus.SCHEDULED,
        scheduled_start=datetime.now(UTC) - timedelta(hours=1),
        family_agreed_at=datetime.now(UTC) - timedelta(days=2),
    )
    db.session.commit()
    login(visit.members[0])
    html = client.get(f"/visits/{visit.id}/reflection").get_data(as_text=True)
    for words in (
        "Seen only by the visit&#39;s team (the two or three of you), on the visit page.",
        "Not shared with the school or put on the relationship card",
        "its words are in no report or export and never shown to the district&#39;s admin.",
        "Deleted with the family&#39;s data if the family asks.",
        "The team can correct it for 14 days after the reflection is saved.",
    ):
        assert words in html, words
    assert "never shared with the school or exported" not in html
    visit.members[0].locale = "es"
    db.session.commit()
    html = client.get(f"/visits/{visit.id}/reflection").get_data(as_text=True)
    assert "14 días" in html and "administrador del distrito" in html
