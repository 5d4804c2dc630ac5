"""Every family in its own language (#22): the family's page, its answers and the texts sent to
them in each of the family languages, right to left for Arabic; which language a page picks;
dates in the language's own words."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from babel.messages.pofile import read_po

from fieldapp import clock
from fieldapp.i18n import (
    FAMILY_DOMAIN,
    FAMILY_LANGUAGES,
    FAMILY_LOCALES,
    TRANSLATIONS,
    family_locale,
    fpgettext,
    html_lang,
    in_language,
    text_direction,
)
from fieldapp.messages import services as messages
from fieldapp.models import MessageKind, Role, VisitMode
from fieldapp.offers import services
from tests.factories import make_family, make_school, make_student, make_user, make_visit

CODES = list(FAMILY_LANGUAGES)
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}")


def english_phrases(code: str) -> list[str]:
    """The English words of the family catalogue that ``code`` translates differently: none of
    them may be left on a page in ``code`` (the parts between placeholders, 8+ characters)."""
    with (TRANSLATIONS / code / "LC_MESSAGES" / f"{FAMILY_DOMAIN}.po").open("rb") as f:
        catalogue = read_po(f, locale=code)
    phrases = []
    for message in catalogue:
        if message.id and message.string and message.string != message.id:
            phrases += [p.strip() for p in PLACEHOLDER.split(message.id) if len(p.strip()) >= 8]
    return phrases


def visible_text(html: str) -> str:
    body = html.split("<body", 1)[1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", body))


def offer_for(db, home_language: str | None, school_name: str = "Garfield Elementary"):
    school = make_school(name=school_name)
    ana = make_user(Role.VISITOR, school, name="Ana Lopez")
    luis = make_user(Role.VISITOR, school, name="Luis Park")
    family = make_family(name="Reyes", home_language=home_language)
    visit = make_visit(school, team=[ana, luis], family=family)
    make_student(school, family, first_name="Sofia", last_name="Reyes")
    start = clock.now().replace(hour=1, minute=30, second=0, microsecond=0) + timedelta(days=3)
    offer, token = services.offer_slots(
        visit, [start, start + timedelta(days=1)], [VisitMode.HOME], by=ana, now=clock.now()
    )
    db.session.commit()
    return visit, offer, token


def test_the_ten_languages_and_english_are_listed_once_each():
    assert CODES == ["en", "es", "ar", "zh", "vi", "pt", "so", "ru", "ht", "hmn", "tl"]
    assert set(CODES) <= set(FAMILY_LOCALES)


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("vi", "vi"),
        ("zh", "zh"),
        ("zh-CN", "zh"),
        ("pt-BR", "pt"),
        ("hmn", "hmn"),
        ("fil", "tl"),
        ("ar-EG", "ar"),
        ("ko", None),
        ("", None),
        (None, None),
    ],
)
def test_a_recorded_language_or_a_browser_s_finds_its_catalogue(given, used):
    assert family_locale(given) == used


def test_arabic_reads_right_to_left_and_the_others_left_to_right():
    assert [c for c in CODES if text_direction(c) == "rtl"] == ["ar"]
    assert html_lang("zh") == "zh-Hans" and html_lang("pt") == "pt"


@pytest.mark.parametrize("code", CODES)
def test_the_family_s_page_is_in_their_language_with_no_english_left(db, client, code):
    _visit, offer, token = offer_for(db, home_language=code)
    response = client.get(f"/o/{token}")  # no switch, no browser language: the family's own
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{html_lang(code)}" dir="{text_direction(code)}">' in html
    assert response.headers["Content-Language"] == html_lang(code)
    if code != "en":
        text = visible_text(html)
        left = [phrase for phrase in english_phrases(code) if phrase in text]
        assert not left, left
    # The times offered, in the language's own words for the day.
    with in_language(code, family=True):
        first = messages.day_and_time(offer.slots[0].start, offer.visit.school.timezone, code)
    assert first in html


@pytest.mark.parametrize("code", CODES)
def test_a_family_picks_a_time_in_their_language_and_is_thanked_in_it(db, client, code):
    visit, offer, token = offer_for(db, home_language=None)
    chosen = offer.slots[1]
    response = client.post(
        f"/o/{token}?lang={code}",
        data={"answer": "choose", "slot": chosen.id, "mode": "home", "lang": code},
    )
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"])
    html = thanks.get_data(as_text=True)
    assert f'lang="{html_lang(code)}"' in html
    with in_language(code, family=True):
        when = messages.day_and_time(chosen.start, visit.school.timezone, code)
    assert when in html  # "Your visit is on …", with the day in their words
    if code != "en":
        left = [p for p in english_phrases(code) if p in visible_text(html)]
        assert not left, left


def test_with_no_recorded_language_the_browser_s_first_known_one_is_used(db, client):
    _visit, _offer, token = offer_for(db, home_language=None)
    html = client.get(f"/o/{token}", headers={"Accept-Language": "ko, ar;q=0.8, en;q=0.5"}).text
    assert '<html lang="ar" dir="rtl">' in html
    html = client.get(f"/o/{token}", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    assert '<html lang="zh-Hans" dir="ltr">' in html
    # The family's recorded language comes before the browser's; the switch before both.
    _visit, _offer, token = offer_for(db, home_language="so", school_name="Lincoln")
    assert 'lang="so"' in client.get(f"/o/{token}", headers={"Accept-Language": "ar"}).text
    assert '<html lang="ru"' in client.get(f"/o/{token}?lang=ru").text


def test_the_switch_offers_every_language_in_its_own_words(db, client):
    _visit, _offer, token = offer_for(db, home_language="vi")
    html = client.get(f"/o/{token}").text
    for code, name in FAMILY_LANGUAGES.items():
        if code == "vi":
            assert f'aria-current="true" lang="vi" dir="ltr">{name}</span>' in html
        else:
            assert f'href="/o/{token}?lang={code}" lang="{html_lang(code)}"' in html
            assert f">{name}</a>" in html


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("kind", list(MessageKind))
def test_every_text_exists_in_every_language_and_names_the_day_in_it(db, code, kind):
    visit, offer, _token = offer_for(db, home_language=code)
    visit.scheduled_start = offer.slots[0].start
    db.session.commit()
    text = messages.invitation(visit, visit.team[0].user, kind=kind, extra={"link": "LINK"})
    assert text.language == code and not text.fell_back
    assert "{" not in text.text, text.text
    assert "Garfield Elementary" in text.text
    with in_language(code, family=True):
        when = messages.day_and_time(offer.slots[0].start, visit.school.timezone, code)
    if kind != MessageKind.SLOT_OFFER:  # the offer's text points to the times instead
        assert when in text.text
    if code != "en":
        with in_language("en", family=True):
            english = messages.invitation(
                visit, visit.team[0].user, "en", kind=kind, extra={"link": "LINK"}
            )
        assert text.text != english.text


@pytest.mark.parametrize("code", ["ht", "hmn"])
def test_languages_cldr_has_no_day_names_for_take_them_from_the_catalogue(app, code):
    monday = datetime(2026, 12, 7, 0, 30, tzinfo=UTC)  # Sunday 6 Dec, 16:30 in Los Angeles
    written = messages.day_and_time(monday, "America/Los_Angeles", code)
    with in_language(code, family=True):
        sunday = fpgettext("weekday", "Sunday")
        december = fpgettext("month", "December")
    assert sunday != "Sunday" and december != "December"
    assert written == f"{sunday} 6 {december}, 16:30"


def test_dates_follow_each_language_s_own_order_and_words():
    start = datetime(2026, 12, 8, 0, 30, tzinfo=UTC)  # Monday 7 Dec, 16:30 in Los Angeles
    tz = "America/Los_Angeles"
    assert messages.day_and_time(start, tz, "zh") == "12月7日周一 16:30"
    assert messages.day_and_time(start, tz, "ar") == "الاثنين، 7 ديسمبر، 16:30"
    assert messages.day_and_time(start, tz, "ru") == "пн, 7 дек., 16:30"
    assert messages.day_and_time(start, tz, "en") == "Mon 7 Dec, 4:30 pm"
