"""The private calendar feed: a visitor's scheduled visits for their phone's calendar, behind a
link that only they hold (stored hashed), that they can replace or turn off."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from fieldapp import create_app
from fieldapp.extensions import db as _db
from fieldapp.models import (
    AuditEvent,
    CalendarFeed,
    ContactAttempt,
    ContactMethod,
    ContactOutcome,
    PrivateNote,
    Reflection,
    Role,
    RoleAssignment,
    VisitMode,
    VisitStatus,
)
from fieldapp.visits import feeds
from tests.factories import make_school, make_user, make_visit
from tests.test_query_counts import count_queries

LINK = re.compile(r"https?://[^/\"]+/calendar/([A-Za-z0-9_-]+)\.ics")


def scheduled(school, team, start, **kw):
    return make_visit(
        school,
        team=team,
        status=kw.pop("status", VisitStatus.SCHEDULED),
        mode=VisitMode.HOME,
        place=kw.pop("place", "12 Elm St"),
        scheduled_start=start,
        family_agreed_at=start - timedelta(days=5),
        **kw,
    )


def fetch(app, token):
    """A calendar app: no cookies, no session."""
    return app.test_client().get(f"/calendar/{token}.ics")


def events(response) -> dict:
    assert response.status_code == 200, response.status_code
    return {str(e["uid"]): e for e in Calendar.from_ical(response.data).walk("VEVENT")}


def uid(visit) -> str:
    return f"visit-{visit.id}@fieldapp"


def create_link(client) -> str:
    response = client.post("/account/calendar-feed")
    assert response.status_code == 201, response.status_code
    return LINK.search(response.get_data(as_text=True)).group(1)


@pytest.fixture
def pair(db):
    school = make_school()
    me, partner = make_user(Role.VISITOR, school), make_user(Role.VISITOR, school)
    return school, me, partner


def test_the_feed_holds_exactly_the_visitors_scheduled_visits(app, db, pair):
    school, me, partner = pair
    now = datetime.now(UTC)
    mine = [
        scheduled(school, [me, partner], now + timedelta(days=2)),
        scheduled(school, [partner, me], now + timedelta(days=40)),
        scheduled(school, [me, partner], now - timedelta(days=3)),  # waiting for its reflection
    ]
    # Not in the feed: too long ago, not (or no longer) scheduled, another team's, another
    # school's, and a visit at a school where the visitor no longer has the visitor role.
    scheduled(school, [me, partner], now - timedelta(days=10))
    for status in (VisitStatus.CANCELLED, VisitStatus.COMPLETED, VisitStatus.RESCHEDULING):
        scheduled(school, [me, partner], now + timedelta(days=1), status=status)
    make_visit(school, team=[me, partner])  # still to arrange: no time yet
    scheduled(school, [partner, make_user(Role.VISITOR, school)], now + timedelta(days=1))
    other = make_school()
    scheduled(other, [make_user(Role.VISITOR, other), make_user(Role.VISITOR, other)], now)
    former = make_school()
    scheduled(former, [me, make_user(Role.VISITOR, former)], now + timedelta(days=1))
    token = feeds.open_feed(me, now=now)
    db.session.commit()

    response = fetch(app, token)
    calendar = Calendar.from_ical(response.data)
    assert response.mimetype == "text/calendar"
    assert set(events(response)) == {uid(v) for v in mine}
    assert calendar.calendar_name == "Home visits"
    assert str(calendar["X-WR-CALNAME"]) == "Home visits"
    assert calendar.refresh_interval == feeds.REFRESH
    assert "X-PUBLISHED-TTL:PT1H" in response.get_data(as_text=True)


def test_an_event_names_family_place_time_and_partner_and_never_notes(app, db, pair):
    school, me, partner = pair
    start = datetime(2030, 3, 4, 1, 30, tzinfo=UTC)
    visit = scheduled(school, [me, partner], start, place="Main library, 2nd floor")
    contact = ContactAttempt(
        visit=visit,
        method=ContactMethod.CALL,
        outcome=ContactOutcome.AGREED,
        note="Grandma is ill",
    )
    reflection = Reflection(
        visit=visit, author_id=me.id, duration_minutes=40, hopes_and_dreams="Wants to be a vet"
    )
    reflection.private_note = PrivateNote(text="Dad seemed worried")
    db.session.add_all([contact, reflection])
    token = feeds.open_feed(me, now=datetime.now(UTC))
    db.session.commit()

    response = fetch(app, token)
    event = events(response)[uid(visit)]
    assert event.decoded("dtstart") == start
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=40)
    assert visit.family.name in str(event["summary"])
    assert str(event["location"]) == "Main library, 2nd floor"
    assert partner.name in str(event["description"])
    body = response.get_data(as_text=True)
    for secret in ("Grandma is ill", "Wants to be a vet", "Dad seemed worried"):
        assert secret not in body


def test_a_changed_visit_keeps_its_uid_with_a_higher_sequence_and_a_cancelled_one_goes(
    app, db, pair
):
    school, me, partner = pair
    visit = scheduled(school, [me, partner], datetime.now(UTC) + timedelta(days=2))
    token = feeds.open_feed(me, now=datetime.now(UTC))
    db.session.commit()
    before = events(fetch(app, token))[uid(visit)]

    visit.scheduled_start += timedelta(hours=2)
    db.session.commit()
    after = events(fetch(app, token))[uid(visit)]
    assert after["sequence"] > before["sequence"]
    assert after.decoded("dtstart") == before.decoded("dtstart") + timedelta(hours=2)

    visit.status = VisitStatus.CANCELLED
    db.session.commit()
    assert events(fetch(app, token)) == {}


def test_the_feed_may_be_kept_only_by_the_calendar_app_and_sets_no_cookie(app, db, pair):
    _, me, _ = pair
    token = feeds.open_feed(me, now=datetime.now(UTC))
    db.session.commit()
    response = fetch(app, token)
    assert response.headers["Cache-Control"] == "private, max-age=900"
    assert "Set-Cookie" not in response.headers


def test_a_wrong_or_malformed_token_is_a_bare_404_and_no_write(app, db, pair):
    _, me, _ = pair
    token = feeds.open_feed(me, now=datetime.now(UTC))
    db.session.commit()
    for wrong in ("x" * 43, token[:-1], token + "a", "a" * 500):
        with count_queries(_db.engine) as statements:
            response = fetch(app, wrong)
        assert response.status_code == 404
        assert b"BEGIN:VCALENDAR" not in response.data
        # The rate limiter counts the fetch in its own table (fieldapp.ratelimit_storage).
        app_data = [s for s in statements if "rate_limit_counters" not in s]
        assert all(s.lstrip().upper().startswith("SELECT") for s in app_data), statements


def test_a_deactivated_visitor_or_one_who_lost_the_role_gets_404(app, db, pair):
    school, me, partner = pair
    scheduled(school, [me, partner], datetime.now(UTC) + timedelta(days=1))
    token = feeds.open_feed(me, now=datetime.now(UTC))
    db.session.commit()
    assert fetch(app, token).status_code == 200

    me.active = False
    db.session.commit()
    assert fetch(app, token).status_code == 404

    me.active = True
    me.roles = [RoleAssignment(role=Role.COORDINATOR, school_id=school.id)]
    db.session.commit()
    assert fetch(app, token).status_code == 404


def test_the_link_is_made_on_the_account_page_shown_once_and_stored_hashed(
    app, db, client, login, pair
):
    _, me, _ = pair
    login(me)
    page = client.get("/account").get_data(as_text=True)
    assert "Calendar feed" in page and "Create calendar link" in page

    response = client.post("/account/calendar-feed")
    html = response.get_data(as_text=True)
    token = LINK.search(html).group(1)
    assert len(token) >= 43  # token_urlsafe(32)
    assert f'href="webcal://localhost/calendar/{token}.ics"' in html
    assert "Add to my calendar" in html and 'data-copy="feed-url"' in html
    row = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == me.id))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in " ".join(str(v) for v in vars(row).values())

    page = client.get("/account").get_data(as_text=True)
    assert token not in page
    assert "Replace link" in page and "Turn off" in page and "Not yet" in page
    fetch(app, token)
    assert "Not yet" not in client.get("/account").get_data(as_text=True)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == me.id))
    assert "calendar_feed.create" in list(actions)


def test_replacing_the_link_revokes_the_old_one_and_turning_off_revokes_it(
    app, db, client, login, pair
):
    school, me, partner = pair
    scheduled(school, [me, partner], datetime.now(UTC) + timedelta(days=1))
    login(me)
    first = create_link(client)
    second = create_link(client)  # "Replace link" posts the same form
    assert fetch(app, first).status_code == 404
    assert fetch(app, second).status_code == 200
    live = select(CalendarFeed).where(
        CalendarFeed.user_id == me.id, CalendarFeed.revoked_at.is_(None)
    )
    assert len(db.session.scalars(live).all()) == 1

    response = client.post("/account/calendar-feed/off")
    assert response.status_code == 303
    assert fetch(app, second).status_code == 404
    assert db.session.scalars(live).all() == []
    assert "Create calendar link" in client.get("/account").get_data(as_text=True)
    actions = list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.actor_id == me.id, AuditEvent.action.like("calendar_feed.%"))
            .order_by(AuditEvent.id)
        )
    )
    assert actions == ["calendar_feed.create", "calendar_feed.replace", "calendar_feed.turn_off"]


def test_fetching_is_noted_at_most_every_few_minutes(app, db, pair):
    _, me, _ = pair
    token = feeds.open_feed(me, now=datetime.now(UTC))
    db.session.commit()
    feed_id = db.session.scalar(select(CalendarFeed.id).where(CalendarFeed.user_id == me.id))

    def last_fetched():
        db.session.expire_all()
        return db.session.get(CalendarFeed, feed_id).last_fetched_at

    fetch(app, token)
    first = last_fetched()
    assert first is not None
    with count_queries(_db.engine) as statements:
        fetch(app, token)
    assert last_fetched() == first
    assert not any(s.lstrip().upper().startswith("UPDATE") for s in statements)
    app.config["CLOCK_OFFSET"] = feeds.FETCH_NOTED_EVERY + timedelta(seconds=1)
    fetch(app, token)
    assert last_fetched() > first


def test_the_feed_costs_the_same_queries_for_2_or_20_visits(app, db, pair):
    school, me, partner = pair
    token = feeds.open_feed(me, now=datetime.now(UTC))
    db.session.commit()
    fetch(app, token)  # the first fetch is noted (one write); those just after are not
    counts, made = [], 0
    for n in (2, 20):
        while made < n:
            made += 1
            scheduled(school, [me, partner], datetime.now(UTC) + timedelta(days=1, hours=made))
        db.session.commit()
        with count_queries(_db.engine) as statements:
            response = fetch(app, token)
        assert len(events(response)) == n
        # The rate limiter's two limits cost one upsert each, in their own table (and, on a
        # machine slow enough that a second passed since, a read of the counter for the headers).
        limiter = [s for s in statements if "rate_limit_counters" in s]
        assert len([s for s in limiter if s.startswith("INSERT")]) == 2, limiter
        counts.append(len(statements) - len(limiter))
    # The feed and its person, the visits, their teams, and the newest change of the person's
    # visits (Last-Modified sees a visit that left the feed).
    assert counts[1] == counts[0] <= 4, counts


def test_only_visitors_have_a_feed(db, client, login):
    coordinator = make_user(Role.COORDINATOR, make_school())
    login(coordinator)
    assert "Calendar feed" not in client.get("/account").get_data(as_text=True)
    assert client.post("/account/calendar-feed").status_code == 403


def test_making_a_link_asks_for_the_password_again_after_a_while(app, db, client, login, pair):
    _, me, _ = pair
    login(me)
    app.config["FRESH_LOGIN_MINUTES"] = 0
    response = client.post("/account/calendar-feed")
    assert response.status_code == 302 and "/reauthenticate" in response.headers["Location"]
    assert db.session.scalar(select(CalendarFeed)) is None
    # Back from the password page (a GET of the same address): the account page, to press again.
    app.config["FRESH_LOGIN_MINUTES"] = 10
    response = client.get("/account/calendar-feed")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account#calendar-feed")


def test_the_account_actions_need_the_csrf_token(app_config, db, pair):
    _, me, _ = pair
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    client = app.test_client()
    db.session.commit()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/login",
        data={"csrf_token": csrf, "email": me.email, "password": "a long test password 2026"},
    )
    assert client.post("/account/calendar-feed").status_code == 400
    assert client.post("/account/calendar-feed/off").status_code == 400
    assert db.session.scalar(select(CalendarFeed)) is None
    page = client.get("/account").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/account/calendar-feed", data={"csrf_token": csrf}).status_code == 201


def test_the_feed_is_rate_limited(app_config, db, pair):
    _, me, _ = pair
    token = feeds.open_feed(me, now=datetime.now(UTC))
    db.session.commit()
    app = create_app({**app_config, "CALENDAR_FEED_RATE_LIMIT": "3 per minute"})
    codes = [fetch(app, token if i % 2 else "wrong").status_code for i in range(5)]
    assert codes == [404, 200, 404, 429, 429]


def test_two_links_made_at_once_leave_one_live_feed(app, db, pair):
    """The button pressed twice: the second waits for the first and revokes its link."""
    _, me, _ = pair
    db.session.commit()
    flushed, errors = threading.Event(), []

    def make(hold: bool):
        with app.app_context():
            try:
                person = _db.session.get(type(me), me.id)
                feeds.open_feed(person, now=datetime.now(UTC))
                if hold:
                    flushed.set()
                    time.sleep(0.5)  # the other request arrives meanwhile
                _db.session.commit()
            except Exception as exc:  # noqa: BLE001  (reported below)
                errors.append(exc)
                flushed.set()
            finally:
                _db.session.remove()

    first = threading.Thread(target=make, args=(True,))
    first.start()
    flushed.wait(5)
    make(False)
    first.join(5)
    assert errors == []
    db.session.expire_all()
    rows = db.session.scalars(select(CalendarFeed).where(CalendarFeed.user_id == me.id)).all()
    assert len(rows) == 2 and sum(r.revoked_at is None for r in rows) == 1


# ---- the owner's language, a stable UID, conditional fetches -------------------------------------


def fetch_with(app, token, **headers):
    return app.test_client().get(f"/calendar/{token}.ics", headers=headers)


@pytest.mark.parametrize(
    ("owner", "phone", "name", "summary", "team"),
    [
        ("es", "en-US,en;q=0.9", "Visitas al hogar", "Visita al hogar:", "Equipo:"),
        ("en", "es-MX,es;q=0.9", "Home visits", "Home visit:", "Team:"),
        (None, "es-MX,es;q=0.9", "Home visits", "Home visit:", "Team:"),  # no choice: English
    ],
)
def test_the_feed_speaks_its_owners_language_not_the_calendar_apps(
    app, db, pair, owner, phone, name, summary, team
):
    school, me, partner = pair
    me.locale = owner
    visit = scheduled(school, [me, partner], datetime.now(UTC) + timedelta(days=1))
    visit.mode = None  # the description is then "Team: …" alone, whatever the mode's word
    token = feeds.open_feed(me, now=datetime.now(UTC))
    db.session.commit()

    response = fetch_with(app, token, **{"Accept-Language": phone})
    calendar = Calendar.from_ical(response.data)
    assert calendar.calendar_name == name
    assert str(calendar["X-WR-CALNAME"]) == name
    event = events(response)[uid(visit)]
    assert str(event["summary"]).startswith(summary)
    assert str(event["description"]).startswith(team)
    assert response.headers["Content-Language"] == (owner or "en")


def test_an_event_uid_does_not_follow_the_host_header(app, db, pair):
    school, me, partner = pair
    visit = scheduled(school, [me, partner], datetime.now(UTC) + timedelta(days=1))
    token = feeds.open_feed(me, now=datetime.now(UTC))
    db.session.commit()

    seen = []
    for host in ("visits.example.org", "10.0.0.7:8000", "proxy.internal"):
        response = app.test_client().get(f"/calendar/{token}.ics", base_url=f"http://{host}")
        seen.append(set(events(response)))
    assert seen[0] == seen[1] == seen[2] == {f"visit-{visit.id}@fieldapp"}

    app.config["BASE_URL"] = "https://visits.district.example:8443/app"
    try:
        response = app.test_client().get(f"/calendar/{token}.ics", base_url="http://other.host")
        assert set(events(response)) == {f"visit-{visit.id}@visits.district.example"}
    finally:
        app.config["BASE_URL"] = None


def test_the_single_visit_download_has_the_feeds_uid(app, db, client, login, pair):
    school, me, partner = pair
    visit = scheduled(school, [me, partner], datetime.now(UTC) + timedelta(days=1))
    db.session.commit()
    login(me)
    response = client.get(f"/visits/{visit.id}/calendar.ics")  # Host: localhost, not in the UID
    assert set(events(response)) == {uid(visit)}


def test_an_unchanged_feed_answers_304_with_no_body(app, db, pair):
    school, me, partner = pair
    scheduled(school, [me, partner], datetime.now(UTC) + timedelta(days=1))
    token = feeds.open_feed(me, now=datetime.now(UTC))
    db.session.commit()

    first = fetch(app, token)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.status_code == 200 and etag.startswith('W/"') and modified.endswith("GMT")

    again = fetch_with(app, token, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "private, max-age=900"
    assert fetch_with(app, token, **{"If-Modified-Since": modified}).status_code == 304
    assert fetch_with(app, token, **{"If-None-Match": '"something-else"'}).status_code == 200
    earlier = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert fetch_with(app, token, **{"If-Modified-Since": earlier}).status_code == 200
    # The ETag decides when both are sent (RFC 9110): an old one is not current however recent
    # the date the calendar app remembers.
    both = {"If-None-Match": '"old"', "If-Modified-Since": modified}
    assert fetch_with(app, token, **both).status_code == 200


def test_a_change_to_what_the_feed_shows_gives_a_new_etag(app, db, pair):
    school, me, partner = pair
    visit = scheduled(school, [me, partner], datetime.now(UTC) + timedelta(days=1))
    token = feeds.open_feed(me, now=datetime.now(UTC))
    db.session.commit()
    tags = [fetch(app, token).headers["ETag"]]

    def changed() -> bool:
        db.session.commit()
        response = fetch_with(app, token, **{"If-None-Match": tags[-1]})
        tags.append(response.headers["ETag"])
        return response.status_code == 200 and len(set(tags)) == len(tags)

    visit.place = "Main library"
    assert changed()
    visit.family.name = "Renamed household"
    assert changed()
    partner.name = "Someone Else"
    assert changed()
    me.locale = "es"  # the same visits, in other words
    assert changed()
    scheduled(school, [me, partner], datetime.now(UTC) + timedelta(days=3))
    assert changed()
    db.session.commit()
    assert fetch_with(app, token, **{"If-None-Match": tags[-1]}).status_code == 304


def test_a_visit_that_leaves_the_feed_moves_last_modified(app, db, pair):
    school, me, partner = pair
    visit = scheduled(school, [me, partner], datetime.now(UTC) + timedelta(days=1))
    token = feeds.open_feed(me, now=datetime.now(UTC))
    db.session.commit()
    modified = fetch(app, token).headers["Last-Modified"]

    time.sleep(1.1)  # HTTP dates count whole seconds
    visit.status = VisitStatus.CANCELLED
    db.session.commit()
    response = fetch_with(app, token, **{"If-Modified-Since": modified})
    assert response.status_code == 200 and events(response) == {}
    assert response.headers["Last-Modified"] != modified


def test_a_compressed_feed_is_answered_304_too(app, db, pair):
    school, me, partner = pair
    for day in range(1, 6):  # big enough to be compressed
        scheduled(school, [me, partner], datetime.now(UTC) + timedelta(days=day))
    token = feeds.open_feed(me, now=datetime.now(UTC))
    db.session.commit()
    gzip = {"Accept-Encoding": "gzip"}
    first = fetch_with(app, token, **gzip)
    assert first.status_code == 200 and first.headers.get("Content-Encoding") == "gzip"
    again = fetch_with(app, token, **gzip, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_an_independent_strict_parser_reads_the_feed_as_written(app, db, pair):
    """vobject (not icalendar, which writes the feed) parses every line: escaping of commas,
    semicolons and line breaks, folding of long lines, UTF-8 and the required properties."""
    import vobject

    school, me, partner = pair
    start = datetime(2030, 3, 4, 23, 30, tzinfo=UTC)
    place = "Biblioteca César Chávez; sala 2, puerta norte\nentrar por atrás " + "x" * 80
    visit = scheduled(school, [me, partner], start, place=place)
    token = feeds.open_feed(me, now=datetime.now(UTC))
    db.session.commit()

    response = fetch(app, token)
    calendar = vobject.readOne(response.get_data(as_text=True), validate=True)
    (event,) = calendar.vevent_list
    assert event.uid.value == uid(visit)
    assert event.dtstart.value == start
    assert event.location.value == place
    assert event.dtstamp.value.tzinfo is not None
    assert visit.family.name in event.summary.value
