"""A family's name is data, the word "family" is the catalogue's (issue #19, item 4): the data
holds "Reyes", and each reader is told "Reyes family" or "Familia Reyes" in their language —
in pages, texts, emails and calendar feeds alike."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from icalendar import Calendar
from sqlalchemy import select, text

from fieldapp import clock
from fieldapp.extensions import migrate
from fieldapp.families.services import household_name
from fieldapp.formatting import relationship_label
from fieldapp.i18n import family_label, in_language
from fieldapp.messages import services as messages
from fieldapp.models import Family, MessageKind, Role, VisitMode, VisitStatus
from fieldapp.offers import services as offers
from fieldapp.visits import feeds
from tests.factories import (
    make_family,
    make_school,
    make_student,
    make_user,
    make_visit,
    tomorrow_at,
)
from tests.families.test_roster import family_data, new_family_data

ENGLISH_WORD = re.compile(r"\bfamily\b", re.IGNORECASE)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Nguyen", "Nguyen"),
        ("Martínez García", "Martínez García"),
        ("Nguyen family", "Nguyen"),
        ("  Nguyen   Family ", "Nguyen"),
        ("the Nguyen family", "Nguyen"),
        ("Familia Martínez García", "Martínez García"),
        ("la familia de la Cruz", "de la Cruz"),
        ("Familyson", "Familyson"),  # a name that only starts like the word is kept
        ("family", ""),
        ("Familia", ""),
    ],
)
def test_the_word_family_typed_around_a_name_is_left_out(typed, stored):
    assert household_name(typed) == stored


def test_the_label_is_said_in_the_readers_language(app):
    with app.test_request_context():
        with in_language("en"):
            assert family_label("Nguyen") == "Nguyen family"
            assert family_label(None) == "a family"
        with in_language("es"):
            assert family_label("Martínez García") == "Familia Martínez García"
            assert family_label(None) == "una familia"


def test_a_guardians_relationship_stored_as_a_code_is_said_in_the_readers_language(app):
    with app.test_request_context():
        with in_language("es"):
            assert relationship_label("guardian") == "tutor legal"
            assert relationship_label("Parent") == "madre o padre"
            assert relationship_label("madrina") == "madrina"  # typed by a coordinator: as typed
            assert relationship_label(None) == ""
        with in_language("en"):
            assert relationship_label("grandparent") == "grandparent"


# ---- the coordinator's form ---------------------------------------------------------------------


@pytest.fixture
def school(db):
    return make_school(name="Lincoln Elementary")


@pytest.fixture
def coordinator(school, login):
    user = make_user(Role.COORDINATOR, school)
    login(user)
    return user


def test_the_form_asks_for_the_name_alone_and_stores_it_without_the_word(
    db, client, school, coordinator
):
    form = client.get(f"/schools/{school.id}/families/new").get_data(as_text=True)
    assert "Family name (surname)" in form and "“Nguyen”" in form

    response = client.post(
        f"/schools/{school.id}/families/new", data=new_family_data(name="Tran family")
    )
    assert response.status_code == 303
    family = db.session.scalar(select(Family).where(Family.students.any()))
    assert family.name == "Tran"

    response = client.post(f"/families/{family.id}/edit", data=family_data(name="Familia Trần Văn"))
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Family, family.id).name == "Trần Văn"
    card = client.get(f"/families/{family.id}").get_data(as_text=True)
    assert "<h1>Trần Văn family</h1>" in card


def test_the_word_alone_is_refused_beside_the_field(db, client, school, coordinator):
    family = make_family(name="Tran")
    make_student(school, family)
    db.session.commit()
    response = client.post(f"/families/{family.id}/edit", data=family_data(name=" Family "))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = '<p class="error" id="name-error">Enter the family&#39;s name, e.g. “Nguyen”.</p>'
    assert error in html
    db.session.expire_all()
    assert db.session.get(Family, family.id).name == "Tran"


# ---- what reaches the visitors: calendar feed and emails ----------------------------------------


def _scheduled_visit(db, school, team, family):
    start = datetime(2030, 3, 4, 1, 30, tzinfo=UTC)
    return make_visit(
        school,
        team=team,
        family=family,
        status=VisitStatus.SCHEDULED,
        mode=VisitMode.HOME,
        place="12 Elm St",
        scheduled_start=start,
        family_agreed_at=start - timedelta(days=5),
    )


@pytest.mark.parametrize(
    ("locale", "summary"),
    [
        ("es", "Visita al hogar: Familia Martínez García"),
        ("en", "Home visit: Martínez García family"),
    ],
)
def test_the_calendar_feed_names_the_family_in_the_visitors_language(app, db, locale, summary):
    school = make_school()
    me = make_user(Role.VISITOR, school, locale=locale)
    partner = make_user(Role.VISITOR, school)
    _scheduled_visit(db, school, [me, partner], make_family(name="Martínez García"))
    token = feeds.open_feed(me, now=datetime.now(UTC))
    db.session.commit()

    # The visitor's own language, and a calendar app that asks for it too.
    response = app.test_client().get(f"/calendar/{token}.ics", headers={"Accept-Language": locale})
    assert response.status_code == 200
    [event] = Calendar.from_ical(response.data).walk("VEVENT")
    assert str(event["summary"]) == summary
    if locale == "es":
        assert not ENGLISH_WORD.search(response.get_data(as_text=True))


def test_the_teams_emails_name_the_family_in_each_members_language(app, db):
    school = make_school()
    ana = make_user(Role.VISITOR, school, email="ana@test.example", locale="en")
    luis = make_user(Role.VISITOR, school, email="luis@test.example", locale="es")
    visit = _scheduled_visit(db, school, [ana, luis], make_family(name="Reyes"))
    mails = {to: (subject, body) for to, subject, body in offers.scheduled_mails(visit)}

    # The subjects carry no family name (what an email may carry: README); the bodies name it.
    subject, body = mails["luis@test.example"]
    assert subject.startswith("Visita programada: ") and "Reyes" not in subject
    assert body.startswith("Familia Reyes eligió un horario")
    assert not ENGLISH_WORD.search(subject + body)
    subject, body = mails["ana@test.example"]
    assert subject.startswith("Visit scheduled: ") and "Reyes" not in subject
    assert body.startswith("Reyes family chose a time")


# ---- what reaches the family: texts and the offer page ------------------------------------------


@pytest.mark.parametrize(
    ("language", "greeting"), [("es", "Hola, Familia Reyes."), ("en", "Hi, Reyes family.")]
)
def test_a_text_to_the_family_names_it_in_the_texts_language(app, db, language, greeting):
    school = make_school()
    coordinator = make_user(Role.COORDINATOR, school)
    visitor = make_user(Role.VISITOR, school)
    visit = make_visit(school, team=[visitor, make_user(Role.VISITOR, school)])
    visit.family.name = "Reyes"
    visit.family.home_language = language
    body = "Hola, {family}." if language == "es" else "Hi, {family}."
    messages.save_text(school, MessageKind.INVITATION, language, body, by=coordinator)

    with app.test_request_context(headers={"Accept-Language": "en"}):  # a reader in English
        invitation = messages.invitation(visit, visitor)
    assert invitation.language == language
    assert invitation.text == greeting


def test_the_spanish_offer_page_holds_no_english_word_from_the_data(db, client):
    school = make_school()
    team = [make_user(Role.VISITOR, school), make_user(Role.VISITOR, school)]
    family = make_family(name="Reyes", home_language="es")
    visit = make_visit(school, team=team, family=family)
    make_student(school, family, first_name="Sofia", last_name="Reyes")
    starts = [tomorrow_at(17), tomorrow_at(17) + timedelta(days=1)]
    _offer, token = offers.offer_slots(visit, starts, [VisitMode.HOME], by=team[0], now=clock.now())
    db.session.commit()

    response = client.get(f"/o/{token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'lang="es"' in html
    assert "Nos encantaría conocer a su familia" in html
    # The page names nobody of the family (a forwarded link tells nothing), in no language.
    words = re.sub(r"<[^>]*>", " ", html)  # what the family reads (the markup has "family" urls)
    assert "Reyes" not in html and not ENGLISH_WORD.search(words)


# ---- the migration ------------------------------------------------------------------------------

REVISION = "0013_family_names"


def test_the_migration_strips_the_word_and_its_downgrade_puts_it_back(app, db):
    before = ScriptDirectory.from_config(migrate.get_config()).get_revision(REVISION).down_revision
    names = ["Nguyen family", "Okafor Family", "Familia Martínez García", "Lee", " family"]
    ids = []
    db.session.remove()
    downgrade(revision=before)
    with db.engine.begin() as conn:
        for name in names:
            ids.append(
                conn.execute(
                    text(
                        "INSERT INTO families (name, home_language, interpreter_needed, "
                        "do_not_contact, placeholder, created_at, updated_at) VALUES "
                        "(:name, 'en', false, false, false, :now, :now) RETURNING id"
                    ),
                    {"name": name, "now": datetime(2026, 1, 1)},
                ).scalar_one()
            )

    def stored() -> list[str]:
        with db.engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT id, name FROM families")).all())
        return [rows[i] for i in ids]

    upgrade(revision=REVISION)
    assert stored() == ["Nguyen", "Okafor", "Martínez García", "Lee", " family"]
    downgrade(revision=before)
    assert stored() == [
        "Nguyen family",
        "Okafor family",
        "Martínez García family",
        "Lee family",
        " family family",
    ]
    upgrade()
