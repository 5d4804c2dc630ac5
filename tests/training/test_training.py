"""Training: sessions, attendance, completion and lapse — and that only trained staff visit."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from fieldapp import clock, rules
from fieldapp.models import Attendance, Role, TrainingCompletion, TrainingKind, TrainingSession
from fieldapp.training import services
from tests.factories import add_completion, make_school, make_user, make_visit
from tests.visits.test_views import contact, schedule

HX = {"HX-Request": "true"}


@pytest.fixture
def school(db):
    school = make_school()
    db.session.commit()
    return school


@pytest.fixture
def trainer(db, login):
    person = make_user(Role.TRAINER)
    login(person)
    return person


def make_session(school, kind=TrainingKind.FOUNDATIONAL, days_ago=0, **kw):
    start = datetime.now(UTC) - timedelta(days=days_ago, hours=3)
    session = TrainingSession(
        title="Home visit training",
        kind=kind,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        schools=[school],
        **kw,
    )
    from fieldapp.extensions import db

    db.session.add(session)
    db.session.flush()
    return session


def test_a_trainer_creates_a_session(db, client, trainer, school):
    response = client.post(
        "/training/sessions/new",
        data={
            "title": "Fall foundations",
            "kind": "foundational",
            "date": "2030-09-01",
            "start_time": "09:00",
            "end_time": "15:00",
            "place": "Library",
            "schools": [str(school.id)],
            "trainers": [str(trainer.id)],
        },
    )
    assert response.status_code == 303
    session = db.session.scalar(select(TrainingSession))
    assert session.title == "Fall foundations" and session.schools == [school]
    assert session.trainers == [trainer]


def test_a_session_that_ends_before_it_starts_is_refused(db, client, trainer, school):
    response = client.post(
        "/training/sessions/new",
        data={
            "title": "Oops",
            "kind": "refresher",
            "date": "2030-09-01",
            "start_time": "15:00",
            "end_time": "09:00",
            "schools": [str(school.id)],
            "trainers": [str(trainer.id)],
        },
    )
    assert response.status_code == 422
    assert "must end after it starts" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(TrainingSession)) == 0


def test_tapping_a_name_marks_the_person_present_and_again_takes_it_back(
    db, client, trainer, school
):
    person = make_user(Role.VISITOR, school, trained=False)
    session = make_session(school)
    db.session.commit()
    page = client.get(f"/training/sessions/{session.id}").get_data(as_text=True)
    assert person.name in page  # the invited school's staff are on the roster
    url = f"/training/sessions/{session.id}/present/{person.id}"
    marked = client.post(url, data={"present": "1"}, headers=HX)
    assert marked.status_code == 200
    assert 'aria-pressed="true"' in marked.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 1
    undone = client.post(url, data={"present": "0"})
    assert undone.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0


def test_walk_ins_are_found_by_name_and_added(db, client, trainer, school):
    other_school = make_school()
    walk_in = make_user(Role.VISITOR, other_school, name="Zelda Walkin", trained=False)
    session = make_session(school)
    db.session.commit()
    found = client.get(f"/training/sessions/{session.id}/walk-ins?q=zelda", headers=HX)
    assert "Zelda Walkin" in found.get_data(as_text=True)
    client.post(f"/training/sessions/{session.id}/present/{walk_in.id}", data={"present": "1"})
    page = client.get(f"/training/sessions/{session.id}").get_data(as_text=True)
    assert "Zelda Walkin" in page


def test_a_completed_visitor_is_assignable_the_same_minute_and_a_lapsed_one_is_not(
    db, client, login, school
):
    """Across the domain rule and the web form alike."""
    partner = make_user(Role.VISITOR, school)
    newcomer = make_user(Role.VISITOR, school, trained=False)
    visit = make_visit(school, team=[partner, newcomer])
    session = make_session(school)
    db.session.commit()
    today = clock.today(ZoneInfo(school.timezone))  # the school's day (UTC's is a day on at night)
    completions = lambda: db.session.scalars(  # noqa: E731
        select(TrainingCompletion).where(TrainingCompletion.user_id.in_([partner.id, newcomer.id]))
    ).all()
    with pytest.raises(rules.RuleViolation, match=newcomer.name):
        rules.check_team([partner, newcomer], today, completions())
    login(partner)
    contact(client, visit, "agreed")
    refused = schedule(client, visit)
    assert refused.status_code == 422 and newcomer.name in refused.get_data(as_text=True)
    # The coordinator's board shows the newcomer, not pickable, with the reason.
    unassigned = make_visit(school, team=[], round=visit.round)
    coordinator = make_user(Role.COORDINATOR, school)
    login(coordinator)
    board = client.get(f"/rounds/{visit.round_id}").get_data(as_text=True)
    assert re.search(rf'<option value="{newcomer.id}" disabled>[^<]*Not trained', board)
    assign = {
        "visits": [str(unassigned.id)],
        f"version-{unassigned.id}": "1",
        "member1": str(partner.id),
        "member2": str(newcomer.id),
    }
    assert client.post(f"/rounds/{visit.round_id}/assign", data=assign).status_code == 422

    login(make_user(Role.TRAINER))
    client.post(f"/training/sessions/{session.id}/present/{newcomer.id}", data={"present": "1"})
    done = client.post(
        f"/training/sessions/{session.id}/complete", data={"people": [str(newcomer.id)]}
    )
    assert done.status_code == 303
    rules.check_team([partner, newcomer], today, completions())  # assignable now
    login(partner)
    assert schedule(client, visit).status_code == 303
    login(coordinator)
    assert client.post(f"/rounds/{visit.round_id}/assign", data=assign).status_code == 303

    # The completion lapses: the same person can no longer be assigned, and the reason says so.
    for c in completions():
        if c.user_id == newcomer.id:
            c.valid_until = today - timedelta(days=1)
    db.session.commit()
    with pytest.raises(rules.RuleViolation, match="lapsed"):
        rules.check_team([partner, newcomer], today, completions())
    board = client.get(f"/rounds/{visit.round_id}?show=all").get_data(as_text=True)
    assert re.search(rf'<option value="{newcomer.id}" disabled>[^<]*Training lapsed', board)


def test_only_people_marked_present_can_complete(db, client, trainer, school):
    absent = make_user(Role.VISITOR, school, trained=False)
    session = make_session(school)
    db.session.commit()
    response = client.post(
        f"/training/sessions/{session.id}/complete",
        data={"people": [str(absent.id)]},
        follow_redirects=True,
    )
    assert "Only people marked present" in response.get_data(as_text=True)
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(TrainingCompletion)
            .where(TrainingCompletion.user_id == absent.id)
        )
        == 0
    )


def test_validity_comes_from_the_district_setting_and_a_refresher_renews_it(
    db, client, trainer, school
):
    db.session.commit()
    assert client.post("/training/settings", data={"months": "24"}).status_code == 303
    person = make_user(Role.VISITOR, school, trained=False)
    foundational = make_session(school, days_ago=800)
    db.session.add(Attendance(session_id=foundational.id, user_id=person.id))
    services.complete(foundational, [person], by=trainer)
    db.session.commit()
    today = date.today()
    mine = lambda: db.session.scalars(  # noqa: E731
        select(TrainingCompletion).where(TrainingCompletion.user_id == person.id)
    ).all()
    first = mine()[0]
    assert first.valid_until == services.add_months(first.completed_on, 24)
    assert rules.training_status(mine(), today) == rules.TrainingStatus.LAPSED
    refresher = make_session(school, kind=TrainingKind.REFRESHER)
    db.session.add(Attendance(session_id=refresher.id, user_id=person.id))
    services.complete(refresher, [person], by=trainer)
    db.session.commit()
    assert rules.training_status(mine(), today) == rules.TrainingStatus.TRAINED
    # Empty means for ever.
    assert client.post("/training/settings", data={"months": ""}).status_code == 303
    assert services.valid_months() is None


def test_add_months_keeps_the_end_of_the_month():
    assert services.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert services.add_months(date(2027, 12, 31), 2) == date(2028, 2, 29)
    assert services.add_months(date(2026, 5, 15), 24) == date(2028, 5, 15)


# ---- the CSV sign-in sheet -------------------------------------------------------------------


def sheet(*rows: str) -> bytes:
    return ("email\n" + "\n".join(rows) + "\n").encode()


def upload(client, session, data: bytes, mode: str):
    return client.post(
        f"/training/sessions/{session.id}/import",
        data={"file": (io.BytesIO(data), "sign-in.csv"), "mode": mode},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(("mode", "applied"), [("all_or_nothing", 0), ("good_rows", 2)])
def test_a_sign_in_sheet_with_a_bad_email_and_a_duplicate(
    db, client, trainer, school, mode, applied
):
    one = make_user(Role.VISITOR, school, trained=False)
    two = make_user(Role.VISITOR, school, trained=False, staff_id="T-200")
    session = make_session(school)
    db.session.commit()
    response = upload(
        client, session, sheet(one.email, "T-200", "not-an-email@", one.email.upper()), mode
    )
    html = response.get_data(as_text=True)
    assert response.status_code == (422 if applied == 0 else 200)
    assert re.search(
        r"<td>4</td><td>not-an-email@</td>\s*<td><strong>Error:</strong> This is "
        r"not a valid email address.",
        html,
    )
    assert "Same person as line 2; counted once." in html
    present = set(db.session.scalars(select(Attendance.user_id)))
    assert len(present) == applied
    if applied:
        assert present == {one.id, two.id}
        assert "Imported: 2 marked present" in html
    else:
        assert "Nothing was imported" in html


def test_an_unknown_person_and_an_empty_file_are_reported(db, client, trainer, school):
    session = make_session(school)
    db.session.commit()
    unknown = upload(client, session, sheet("ghost@school.org"), "good_rows")
    assert "No staff account has this email or staff id." in unknown.get_data(as_text=True)
    empty = upload(client, session, b"email\n", "good_rows")
    assert empty.status_code == 422
    assert "no rows to import" in empty.get_data(as_text=True)
    binary = upload(client, session, b"\xff\xfe\x00bad", "good_rows")
    assert binary.status_code == 422 and "UTF-8" in binary.get_data(as_text=True)


# ---- who is trained where --------------------------------------------------------------------


def test_the_trained_roster_sorts_people_by_status_and_exports_csv(db, client, login, school):
    today = date.today()
    trained = make_user(Role.VISITOR, school, name="Tess Trained")
    lapsing = make_user(Role.VISITOR, school, name="Lou Lapsing", trained=False)
    add_completion(lapsing, today - timedelta(days=700), today + timedelta(days=10))
    lapsed = make_user(Role.VISITOR, school, name="Lee Lapsed", trained="lapsed")
    never = make_user(Role.VISITOR, school, name="Nia Never", trained=False)
    elsewhere = make_user(Role.VISITOR, make_school(), name="Ola Elsewhere")
    login(make_user(Role.COORDINATOR, school))
    html = client.get("/training/roster").get_data(as_text=True)
    for person, label in (
        (trained, "Trained"),
        (lapsing, "Lapsing soon"),
        (lapsed, "Training lapsed"),
        (never, "Not trained"),
    ):
        row = re.search(rf"{person.name}.*?</tr>", html, re.S).group(0)
        assert label in row, person.name
    assert elsewhere.name not in html
    filtered = client.get("/training/roster?status=lapsed").get_data(as_text=True)
    assert lapsed.name in filtered and trained.name not in filtered
    exported = client.get(f"/training/roster.csv?school={school.id}")
    assert exported.data.startswith(b"\xef\xbb\xbf")  # UTF-8's byte order mark, for Excel
    rows = list(csv.DictReader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert {r["person_name"]: r["training_status"] for r in rows}.items() >= {
        "Tess Trained": "trained",  # codes, the same in every language
        "Lou Lapsing": "lapsing_soon",
        "Lee Lapsed": "lapsed",
        "Nia Never": "not_trained",
    }.items()
    assert {r["school_code"] for r in rows} == {school.code}
    assert client.get("/training/roster?status=bogus").status_code == 400


def test_a_visitor_sees_their_own_status_and_the_sessions_they_can_join(db, client, login, school):
    person = make_user(Role.VISITOR, school, trained="lapsed")
    upcoming = make_session(school, kind=TrainingKind.REFRESHER, days_ago=-10)
    upcoming.title = "Spring refresher"
    login(person)
    html = client.get("/training/me").get_data(as_text=True)
    assert "Training lapsed" in html and "Spring refresher" in html


def test_the_certificate_shows_the_date_and_the_end_of_validity(db, client, login, school):
    person = make_user(Role.VISITOR, school, trained=False, name="Cora Cert")
    completion = add_completion(person, date(2026, 8, 20), date(2028, 8, 20))
    login(person)
    html = client.get(f"/training/completions/{completion.id}/certificate").get_data(as_text=True)
    assert "Cora Cert" in html and "20 Aug 2026" in html and "20 Aug 2028" in html


def test_the_trainer_sees_no_family_student_or_visit_data(db, client, login, school):
    visit = make_visit(school)
    db.session.commit()
    login(make_user(Role.TRAINER))
    for url in (
        f"/visits/{visit.id}",
        "/visits/",
        f"/families/{visit.family_id}",
        f"/schools/{school.id}/",
        f"/visits/{visit.id}/calendar.ics",
    ):
        assert client.get(url).status_code == 403, url
    for url in ("/training/", "/training/roster"):
        html = client.get(url).get_data(as_text=True)
        assert visit.family.name not in html
