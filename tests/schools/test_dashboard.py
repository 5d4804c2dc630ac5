"""The coordinator's dashboard: the round it shows first, what needs attention first, and the
visits whose team can no longer visit."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from fieldapp import rules
from fieldapp.models import Role, TeamMember, TeamRole, VisitType
from tests.factories import add_completion, make_round, make_school, make_user, make_visit


def _round(starts: int, ends: int, closed: bool = False, id_: int = 1):
    today = date(2026, 11, 10)
    return SimpleNamespace(
        id=id_,
        starts_on=today + timedelta(days=starts),
        ends_on=today + timedelta(days=ends),
        is_open=not closed,
    )


def test_the_default_round_is_the_one_in_progress_then_the_last_past_then_the_next():
    today = date(2026, 11, 10)
    running = _round(-30, 30, id_=1)
    past = _round(-200, -100, id_=2)
    older = _round(-400, -300, id_=3)
    future = _round(60, 120, id_=4)
    later = _round(200, 300, id_=5)
    assert rules.default_round([future, running, past], today) is running
    assert rules.default_round([future, past, older], today) is past
    assert rules.default_round([later, future], today) is future
    assert rules.default_round([], today) is None
    # The boundaries belong to the round: its first and its last day.
    assert rules.default_round([_round(0, 5), future], today).starts_on == today
    assert rules.default_round([_round(-5, 0), future], today).ends_on == today


def test_a_member_disabled_or_lapsed_strands_the_visit(db):
    school = make_school()
    ok = make_user(Role.VISITOR, school)
    gone = make_user(Role.VISITOR, school, active=False)
    lapsed = make_user(Role.VISITOR, school, trained="lapsed")
    untrained_interpreter = make_user(Role.VISITOR, school, trained=False)
    today = date.today()
    completions = [c for u in (ok, gone, lapsed) for c in _completions(u)]

    def team(*people, interpreter=None):
        members = [TeamMember(user=p, user_id=p.id, role=TeamRole.VISITOR) for p in people]
        if interpreter:
            members.append(
                TeamMember(user=interpreter, user_id=interpreter.id, role=TeamRole.INTERPRETER)
            )
        return members

    assert rules.stranded_members(team(ok, ok), today, completions) == []
    assert rules.stranded_members(team(ok, gone), today, completions) == [gone]
    assert rules.stranded_members(team(ok, lapsed), today, completions) == [lapsed]
    # An interpreter need not be trained; only a disabled one strands the visit.
    assert rules.stranded_members(team(ok, ok, interpreter=untrained_interpreter), today, []) == [
        ok,
        ok,
    ]
    assert (
        rules.stranded_members(
            team(ok, ok, interpreter=untrained_interpreter), today, _completions(ok)
        )
        == []
    )


def _completions(user):
    from sqlalchemy import select

    from fieldapp.extensions import db
    from fieldapp.models import TrainingCompletion

    return list(
        db.session.scalars(select(TrainingCompletion).where(TrainingCompletion.user_id == user.id))
    )


def test_a_future_round_does_not_take_over_the_dashboard(db, client, login):
    school = make_school()
    today = date.today()
    now_round = make_round(school, name="Fall now")
    make_round(
        school,
        name="Spring next",
        visit_type=VisitType.SECOND,
        starts_on=today + timedelta(days=90),
        ends_on=today + timedelta(days=150),
    )
    login(make_user(Role.COORDINATOR, school))
    page = client.get(f"/schools/{school.id}/").get_data(as_text=True)
    assert f'<option value="{now_round.id}" selected>Fall now' in page
    # The coordinator can still look at the next one.
    other = client.get(f"/schools/{school.id}/?round=999999").get_data(as_text=True)
    assert f'<option value="{now_round.id}" selected>' in other


def test_needs_attention_comes_before_the_shortcuts_and_lists_stranded_visits(db, client, login):
    school = make_school()
    grace = make_user(Role.VISITOR, school, name="Grace Kim")
    lapsed = make_user(Role.VISITOR, school, name="Lee Lapsed", trained="lapsed")
    partner = make_user(Role.VISITOR, school)
    fine = make_visit(school, team=[grace, partner])
    stranded = make_visit(school, team=[lapsed, partner], round=fine.round)
    login(make_user(Role.COORDINATOR, school))
    page = client.get(f"/schools/{school.id}/").get_data(as_text=True)
    assert page.index("Needs attention") < page.index("Students and families")
    assert "Needs a new team (1)" in page
    section = page[page.index("Needs a new team") : page.index("Visits past their time")]
    assert stranded.family.name in section and "Lee Lapsed" in section
    assert fine.family.name not in section
    board = client.get(f"/rounds/{fine.round_id}?show=all").get_data(as_text=True)
    assert board.count("Needs a new team") == 1
    assert "Can no longer visit: Lee Lapsed." in board


def test_the_dashboard_counts_its_queries_not_its_stranded_visits(db, client, login, app):
    from sqlalchemy import event

    school = make_school()
    coordinator = make_user(Role.COORDINATOR, school)

    def count():
        statements = []
        listener = lambda *a: statements.append(a[2])  # noqa: E731
        engine = db.engine
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get(f"/schools/{school.id}/").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    partner = make_user(Role.VISITOR, school)
    rnd = make_round(school)
    make_visit(school, team=[make_user(Role.VISITOR, school, trained="lapsed"), partner], round=rnd)
    login(coordinator)
    one = count()
    for _ in range(5):
        make_visit(school, team=[make_user(Role.VISITOR, school, active=False), partner], round=rnd)
    add_completion(partner, date.today() - timedelta(days=5), None)
    login(coordinator)
    assert count() == one


# ---- hours for pay ---------------------------------------------------------------------------


def _hours(school, user, day, hours="1.00", exported=False):
    from decimal import Decimal

    from fieldapp.extensions import db
    from fieldapp.models import HoursEntry, HoursExport, VisitStatus

    visit = make_visit(
        school, team=[user, make_user(Role.VISITOR, school)], status=VisitStatus.COMPLETED
    )
    export = None
    if exported:
        export = HoursExport(
            school_id=school.id, period_start=day, period_end=day, exported_at=visit.created_at
        )
        db.session.add(export)
        db.session.flush()
    db.session.add(
        HoursEntry(
            visit=visit,
            user_id=user.id,
            school_id=school.id,
            role=TeamRole.VISITOR,
            hours=Decimal(hours),
            earned_on=day,
            export_id=export.id if export else None,
        )
    )
    db.session.flush()


def test_hours_default_to_the_last_completed_month_with_hours(db, client, login):
    school = make_school(timezone="UTC")
    grace = make_user(Role.VISITOR, school, name="Grace Kim", staff_id="E-7")
    ben = make_user(Role.VISITOR, school, name="Ben Ortiz")
    first = date.today().replace(day=1)
    last_month = (first - timedelta(days=1)).replace(day=1)
    two_back = (last_month - timedelta(days=1)).replace(day=1)
    _hours(school, grace, two_back + timedelta(days=3), "1.50")
    _hours(school, grace, two_back + timedelta(days=4), "2.00", exported=True)
    _hours(school, ben, two_back + timedelta(days=5), "1.00")
    login(make_user(Role.COORDINATOR, school))
    page = client.get(f"/schools/{school.id}/hours").get_data(as_text=True)
    # Last month had no hours: the month before it is shown, with a totals row.
    assert f'value="{two_back.isoformat()}"' in page
    foot = page[page.index("<tfoot>") : page.index("</tfoot>")]
    assert ">4.50<" in foot  # visitor hours
    assert ">2.00<" in foot  # exported to payroll
    assert ">2.50<" in foot  # not yet exported
    assert "staff id E-7" in page and "no staff id" in page
    csv_text = client.get(
        f"/schools/{school.id}/hours.csv?start={two_back}&end={last_month - timedelta(days=1)}"
    ).get_data()
    assert csv_text.startswith("\ufeff".encode())
    lines = csv_text.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "name,email,staff_id,completed_visits,visitor_hours,interpreter_hours,"
        "exported_hours,not_exported_hours"
    )
    assert lines[2].startswith("Grace Kim,") and ",E-7,2,3.50,0.00,2.00,1.50" in lines[2]


def test_hours_default_to_this_month_when_nothing_was_earned_before(db, client, login):
    school = make_school(timezone="UTC")
    login(make_user(Role.COORDINATOR, school))
    page = client.get(f"/schools/{school.id}/hours").get_data(as_text=True)
    assert f'value="{date.today().replace(day=1).isoformat()}"' in page
    assert "<tfoot>" not in page
    bad = client.get(f"/schools/{school.id}/hours?start=2026-05-10&end=2026-05-01")
    assert bad.status_code == 200 and 'id="end-error"' in bad.get_data(as_text=True)


def test_a_coordinator_only_account_is_not_counted_as_staff(db, client, login):
    school = make_school()
    coordinator = make_user(Role.COORDINATOR, school, trained=False, name="Only Coordinates")
    visitor = make_user(Role.VISITOR, school, trained=False, name="Vera Visits")
    rnd = make_round(school)
    make_visit(school, round=rnd)
    login(coordinator)
    board = client.get(f"/rounds/{rnd.id}").get_data(as_text=True)
    staff = board[board.index('id="h-staff"') :]
    assert "Vera Visits" in staff and "Only Coordinates" not in staff
    login(make_user(Role.TRAINER))
    roster = client.get("/training/roster").get_data(as_text=True)
    assert "Vera Visits" in roster and "Only Coordinates" not in roster
    assert visitor.id
