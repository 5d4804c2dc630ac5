"""The assignment board: a refusal keeps what the coordinator ticked and chose, "tick all
shown", taking teams off, and undo of the last change."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from fieldapp.models import AuditEvent, Role, Visit, VisitStatus
from fieldapp.rounds import services
from fieldapp.rules import RuleViolation
from tests.factories import make_round, make_school, make_user, make_visit

HX = {"HX-Request": "true"}


@pytest.fixture
def rnd(db, school):
    return make_round(school)


def board_data(visits, *people, **extra):
    data = {
        "visits": [str(v.id) for v in visits],
        **{f"version-{v.id}": str(v.version) for v in visits},
        **extra,
    }
    for n, person in enumerate(people, start=1):
        data[f"member{n}"] = str(person.id)
    return data


def ticked(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'name="visits" value="(\d+)" checked', html)}


def selected(html: str, name: str) -> str | None:
    select_ = html.split(f'<select id="{name}"')[1].split("</select>", maxsplit=1)[0]
    found = re.search(r'<option value="(\d+)"[^>]* selected>', select_)
    return found.group(1) if found else None


def team_of(db, visit) -> set[int]:
    db.session.expire_all()
    return {m.user_id for m in db.session.get(Visit, visit.id).team}


@pytest.mark.parametrize("headers", [HX, {}], ids=["htmx", "plain post"])
def test_a_refused_bulk_assignment_keeps_the_ticked_visits_and_the_team(
    db, client, school, coordinator, rnd, headers
):
    ok = make_user(Role.VISITOR, school)
    untrained = make_user(Role.VISITOR, school, trained=False, name="Uma Untrained")
    visits = [make_visit(school, team=[], round=rnd) for _ in range(3)]
    db.session.commit()
    response = client.post(
        f"/rounds/{rnd.id}/assign", data=board_data(visits[:2], ok, untrained), headers=headers
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ticked(html) == {visits[0].id, visits[1].id}
    assert selected(html, "member1") == str(ok.id)
    assert selected(html, "member2") == str(untrained.id)
    assert "Uma Untrained cannot be assigned" in html.split('id="team-error"')[1][:200]
    assert all(team_of(db, v) == set() for v in visits)


def test_a_visit_changed_meanwhile_stays_ticked_and_says_why(db, client, school, coordinator, rnd):
    a, b, c, d = (make_user(Role.VISITOR, school) for _ in range(4))
    fresh, stale = (make_visit(school, team=[], round=rnd) for _ in range(2))
    db.session.commit()
    loaded = board_data([fresh, stale], a, b)  # the board as the coordinator loaded it
    client.post(f"/rounds/{rnd.id}/assign", data=board_data([stale], c, d))  # someone else
    response = client.post(f"/rounds/{rnd.id}/assign", data=loaded, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200  # one was assigned
    assert "1 visit assigned to" in html
    # The refused one is still in sight (though it has a team now), ticked, with the reason.
    assert ticked(html) == {stale.id}
    assert "Someone else changed this visit meanwhile" in html.split(f'id="refused-{stale.id}"')[1]
    assert selected(html, "member1") == str(a.id)
    assert team_of(db, fresh) == {a.id, b.id} and team_of(db, stale) == {c.id, d.id}


def test_tick_all_shown_ticks_every_visit_the_filters_show_and_keeps_the_team(
    db, client, school, coordinator, rnd
):
    a = make_user(Role.VISITOR, school)
    shown = [make_visit(school, team=[], round=rnd) for _ in range(2)]
    hidden = make_visit(school, round=rnd)  # has a team: not shown "without a team"
    db.session.commit()
    for headers in (HX, {}):
        response = client.post(
            f"/rounds/{rnd.id}/assign",
            data={"tick_all": "1", "member1": str(a.id)},
            headers=headers,
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert ticked(html) == {v.id for v in shown} and hidden.id not in ticked(html)
        assert selected(html, "member1") == str(a.id)
    everything = client.post(
        f"/rounds/{rnd.id}/assign?show=all", data={"tick_all": "1"}, headers=HX
    ).get_data(as_text=True)
    assert ticked(everything) == {*(v.id for v in shown), hidden.id}
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.assign")) is None


def test_teams_come_off_ticked_visits_until_a_time_is_agreed(db, client, school, coordinator, rnd):
    arranging = make_visit(school, round=rnd)
    contacting = make_visit(school, round=rnd, status=VisitStatus.CONTACTING)
    scheduled = make_visit(
        school,
        round=rnd,
        status=VisitStatus.SCHEDULED,
        scheduled_start=datetime.now(UTC) + timedelta(days=2),
        family_agreed_at=datetime.now(UTC),
    )
    teams = {v.id: team_of(db, v) for v in (arranging, contacting, scheduled)}
    db.session.commit()
    response = client.post(
        f"/rounds/{rnd.id}/unassign?show=all",
        data=board_data([arranging, contacting, scheduled]),
        headers=HX,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 visits have no team now." in html
    assert "the family expects this team" in html.split(f'id="refused-{scheduled.id}"')[1]
    assert ticked(html) == {scheduled.id}
    assert team_of(db, arranging) == set() and team_of(db, contacting) == set()
    assert team_of(db, scheduled) == teams[scheduled.id]
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.in_(["visit.unassign", "round.unassign"]))
    ).all()
    assert sorted(e.action for e in events) == [
        "round.unassign",
        "visit.unassign",
        "visit.unassign",
    ]
    assert all(e.actor_id == coordinator.id for e in events)


def test_unassign_needs_ticked_visits(db, client, school, coordinator, rnd):
    make_visit(school, round=rnd)
    db.session.commit()
    response = client.post(f"/rounds/{rnd.id}/unassign", data={}, headers=HX)
    assert response.status_code == 422
    assert "Tick the visits to unassign first." in response.get_data(as_text=True)


def test_undo_puts_back_the_teams_of_the_last_assignment_once(db, client, school, coordinator, rnd):
    a, b, c, d = (make_user(Role.VISITOR, school) for _ in range(4))
    new = make_visit(school, team=[], round=rnd)
    had = make_visit(school, team=[c, d], round=rnd)
    db.session.commit()
    assigned = client.post(
        f"/rounds/{rnd.id}/assign?show=all", data=board_data([new, had], a, b), headers=HX
    )
    assert "Undo your last change of teams (2 visits)" in assigned.get_data(as_text=True)
    assert team_of(db, new) == team_of(db, had) == {a.id, b.id}

    undone = client.post(f"/rounds/{rnd.id}/undo", headers=HX)
    html = undone.get_data(as_text=True)
    assert undone.status_code == 200 and "Undone: 2 visits have their teams of before." in html
    assert "Undo your last change" not in html  # one step
    assert team_of(db, new) == set() and team_of(db, had) == {c.id, d.id}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.undo"))
    assert event.actor_id == coordinator.id and sorted(event.detail["visits"]) == sorted(
        [new.id, had.id]
    )

    again = client.post(f"/rounds/{rnd.id}/undo", headers=HX)
    assert again.status_code == 409
    assert "There is no change of teams to undo." in again.get_data(as_text=True)


def test_undo_is_only_for_the_coordinator_who_made_the_last_change(
    db, client, login, school, coordinator, rnd
):
    a, b, c, d = (make_user(Role.VISITOR, school) for _ in range(4))
    colleague = make_user(Role.COORDINATOR, school)
    first, second = (make_visit(school, team=[], round=rnd) for _ in range(2))
    db.session.commit()
    client.post(f"/rounds/{rnd.id}/assign", data=board_data([first], a, b))
    login(colleague)
    client.post(f"/rounds/{rnd.id}/assign", data=board_data([second], c, d))
    login(coordinator)  # signing in again: a new session, the board offers no undo
    assert "Undo your last" not in client.get(f"/rounds/{rnd.id}").get_data(as_text=True)
    refused = client.post(f"/rounds/{rnd.id}/undo", headers=HX)
    assert refused.status_code == 409
    assert "Only the coordinator who made the last change" in refused.get_data(as_text=True)
    assert team_of(db, first) == {a.id, b.id} and team_of(db, second) == {c.id, d.id}


def test_undo_after_someone_else_changed_teams_is_refused(
    db, client, login, school, coordinator, rnd
):
    a, b, c, d = (make_user(Role.VISITOR, school) for _ in range(4))
    colleague = make_user(Role.COORDINATOR, school)
    first, second = (make_visit(school, team=[], round=rnd) for _ in range(2))
    db.session.commit()
    client.post(f"/rounds/{rnd.id}/assign", data=board_data([first], a, b))
    with client.session_transaction() as kept:
        undo = dict(kept["undo"])
    login(colleague)
    client.post(f"/rounds/{rnd.id}/assign", data=board_data([second], c, d))
    login(coordinator)
    with client.session_transaction() as kept:
        kept["undo"] = undo  # the coordinator's board, still offering undo
    response = client.post(f"/rounds/{rnd.id}/undo", headers=HX)
    assert response.status_code == 409
    assert "Only the coordinator who made the last change" in response.get_data(as_text=True)
    assert team_of(db, first) == {a.id, b.id}


def test_undo_leaves_a_visit_changed_since_and_says_so(db, client, school, coordinator, rnd):
    a, b = (make_user(Role.VISITOR, school) for _ in range(2))
    changed, kept = (make_visit(school, team=[], round=rnd) for _ in range(2))
    db.session.commit()
    client.post(f"/rounds/{rnd.id}/assign", data=board_data([changed, kept], a, b))
    db.session.expire_all()
    visit = db.session.get(Visit, changed.id)
    visit.status = VisitStatus.CONTACTING  # the team called the family meanwhile
    db.session.commit()
    response = client.post(f"/rounds/{rnd.id}/undo?show=all", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Undone: 1 visit" in html
    assert "Someone else changed this visit" in html.split(f'id="refused-{changed.id}"')[1]
    assert team_of(db, changed) == {a.id, b.id} and team_of(db, kept) == set()


@pytest.mark.parametrize("action", ["assign", "unassign", "undo"])
@pytest.mark.parametrize(
    ("who", "status"), [("visitor", 403), ("other_coordinator", 404), ("missing", 404)]
)
def test_board_changes_are_for_the_schools_coordinators(
    db, client, login, school, rnd, action, who, status
):
    visit = make_visit(school, round=rnd)
    person = {
        "visitor": visit.members[0],
        "other_coordinator": make_user(Role.COORDINATOR, make_school()),
        "missing": make_user(Role.COORDINATOR, school),
    }[who]
    db.session.commit()
    login(person)
    round_id = 999999 if who == "missing" else rnd.id
    before = team_of(db, visit)
    response = client.post(f"/rounds/{round_id}/{action}", data=board_data([visit]))
    assert response.status_code == status
    assert team_of(db, visit) == before


def test_crafted_board_input_is_a_4xx_never_a_500(db, client, school, coordinator, rnd):
    visit = make_visit(school, team=[], round=rnd)
    db.session.commit()
    for data in (
        {"visits": ["x", "-1", "99999999999999999999"]},
        {"visits": [str(visit.id)], f"version-{visit.id}": "²", "member1": "abc"},
        {"visits": [str(visit.id)], "member1": "99999", "member2": "1"},
    ):
        for action in ("assign", "unassign"):
            response = client.post(f"/rounds/{rnd.id}/{action}", data=data, headers=HX)
            assert 400 <= response.status_code < 500, (action, data)


def test_assigning_people_of_another_school_is_refused_by_the_service_itself(db, school):
    """Whoever calls ``services.assign`` (the board, an API, a script) gets the staff rule."""
    rnd = make_round(school)
    visit = make_visit(school, round=rnd, team=[])
    ours = make_user(Role.VISITOR, school)
    theirs = make_user(Role.VISITOR, make_school())
    admin = make_user(Role.ADMIN)
    for members, interpreter in (([ours, theirs], None), ([ours, None], None), ([ours], theirs)):
        with pytest.raises(RuleViolation, match="this school's staff"):
            services.assign(
                rnd,
                [visit],
                members,
                versions={visit.id: visit.version},
                interpreter=interpreter,
                by=admin,
                today=date.today(),
            )
    assert visit.team == []
