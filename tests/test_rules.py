"""The model's rules, on plain objects (no database): each would fail if its rule were removed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from fieldapp import rules
from fieldapp.models import (
    Family,
    HoursMode,
    Reflection,
    Round,
    School,
    TeamMember,
    TeamRole,
    TrainingCompletion,
    TrainingKind,
    User,
    Visit,
    VisitStatus,
    VisitType,
)
from fieldapp.rules import RuleViolation, TrainingStatus

TODAY = date(2026, 11, 28)
S = VisitStatus


def person(pid: int) -> User:
    return User(id=pid, name=f"Person {pid}", email=f"p{pid}@x.test")


def done(pid, on=date(2026, 8, 20), until=None, kind=TrainingKind.FOUNDATIONAL):
    return TrainingCompletion(user_id=pid, kind=kind, completed_on=on, valid_until=until)


def visit(status=S.TO_ARRANGE, team=(1, 2), agreed=True, dnc=False, window=None) -> Visit:
    v = Visit(
        status=status,
        visit_type=VisitType.FIRST,
        planned_minutes=40,
        family=Family(name="F", do_not_contact=dnc),
    )
    v.team = [TeamMember(user=person(i), user_id=i, role=TeamRole.VISITOR) for i in team]
    v.family_agreed_at = datetime(2026, 11, 20, tzinfo=UTC) if agreed else None
    if window:
        v.round = Round(starts_on=window[0], ends_on=window[1])
    return v


# ---- training status --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("completions", "expected"),
    [
        ([], TrainingStatus.NOT_TRAINED),
        ([done(1)], TrainingStatus.TRAINED),  # no end date: valid for ever
        ([done(1, until=TODAY + timedelta(days=200))], TrainingStatus.TRAINED),
        ([done(1, until=TODAY + timedelta(days=30))], TrainingStatus.LAPSING_SOON),
        ([done(1, until=TODAY)], TrainingStatus.LAPSING_SOON),  # valid through its last day
        ([done(1, until=TODAY - timedelta(days=1))], TrainingStatus.LAPSED),
        ([done(1, on=TODAY + timedelta(days=1))], TrainingStatus.NOT_TRAINED),  # not yet
        ([done(1, kind=TrainingKind.REFRESHER)], TrainingStatus.NOT_TRAINED),  # refresher alone
        (  # a refresher renews a lapsed foundational training
            [
                done(1, on=date(2023, 1, 1), until=date(2025, 1, 1)),
                done(1, on=date(2026, 1, 1), until=date(2028, 1, 1), kind=TrainingKind.REFRESHER),
            ],
            TrainingStatus.TRAINED,
        ),
    ],
)
def test_training_status(completions, expected):
    assert rules.training_status(completions, TODAY) == expected


def test_only_trained_and_lapsing_soon_can_visit():
    assert {s for s in TrainingStatus if s.can_visit} == {
        TrainingStatus.TRAINED,
        TrainingStatus.LAPSING_SOON,
    }


# ---- teams ------------------------------------------------------------------------------------


def test_a_trained_pair_is_a_team():
    rules.check_team([person(1), person(2)], TODAY, [done(1), done(2)])


def test_a_team_of_three_with_an_untrained_interpreter_is_allowed():
    rules.check_team([person(1), person(2)], TODAY, [done(1), done(2)], interpreters=[person(3)])


def test_every_visitor_on_the_team_must_be_trained():
    with pytest.raises(RuleViolation, match="Person 3"):
        rules.check_team([person(1), person(2), person(3)], TODAY, [done(1), done(2)])


def test_an_untrained_interpreter_does_not_make_a_pair():
    with pytest.raises(RuleViolation, match="trained"):
        rules.check_team([person(1)], TODAY, [done(1)], interpreters=[person(3)])


@pytest.mark.parametrize("size", [0, 1, 4])
def test_a_team_has_two_or_three_people(size):
    people = [person(i) for i in range(1, size + 1)]
    with pytest.raises(RuleViolation, match="two or three"):
        rules.check_team(people, TODAY, [done(p.id) for p in people])


def test_the_same_person_twice_is_not_a_pair():
    p = person(1)
    with pytest.raises(RuleViolation, match="twice"):
        rules.check_team([p, p], TODAY, [done(1)])


def test_two_of_the_team_must_be_trained_on_the_visit_date():
    lapsed = done(2, until=TODAY - timedelta(days=1))
    with pytest.raises(RuleViolation, match="Person 2"):
        rules.check_team([person(1), person(2)], TODAY, [done(1), lapsed])
    with pytest.raises(RuleViolation, match="trained"):
        rules.check_team([person(1)], TODAY, [done(1)], interpreters=[person(2), person(3)])
    # Trained today but lapsed by the visit's date: refused for that date.
    ends = done(2, until=TODAY + timedelta(days=5))
    rules.check_team([person(1), person(2)], TODAY, [done(1), ends])
    with pytest.raises(RuleViolation):
        rules.check_team([person(1), person(2)], TODAY + timedelta(days=6), [done(1), ends])


# ---- voluntary, arranged in advance -----------------------------------------------------------


def test_a_do_not_contact_family_gets_no_new_visit_and_no_contact():
    with pytest.raises(RuleViolation, match="not to be contacted"):
        rules.check_new_visit(Family(name="F", do_not_contact=True))
    with pytest.raises(RuleViolation, match="not to be contacted"):
        rules.check_contact(visit(dnc=True))
    rules.check_new_visit(Family(name="F", do_not_contact=False))
    rules.check_contact(visit())


NOON = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)  # noon in Los Angeles
LA = ZoneInfo("America/Los_Angeles")


def at(day_offset: int, hour: int = 17) -> datetime:
    return datetime.combine(TODAY + timedelta(days=day_offset), time(hour), LA)


def test_scheduling_needs_the_family_s_agreement():
    with pytest.raises(RuleViolation, match="not agreed"):
        rules.check_schedule(visit(agreed=False), at(1), LA, [done(1), done(2)], NOON)
    rules.check_schedule(visit(agreed=True), at(1), LA, [done(1), done(2)], NOON)


def test_scheduling_is_refused_in_the_past_outside_the_round_and_for_a_lapsed_team():
    v = visit(window=(TODAY - timedelta(days=10), TODAY + timedelta(days=10)))
    trained = [done(1), done(2)]
    with pytest.raises(RuleViolation, match="past") as exc:
        rules.check_schedule(v, at(0, 9), LA, trained, NOON)  # this morning: already gone
    assert exc.value.field == "date"
    rules.check_schedule(v, at(0, 17), LA, trained, NOON)  # this evening: fine
    with pytest.raises(RuleViolation, match="inside the round"):
        rules.check_schedule(v, at(11), LA, trained, NOON)
    with pytest.raises(RuleViolation, match="trained"):
        rules.check_schedule(v, at(1), LA, [done(1)], NOON)
    with pytest.raises(RuleViolation, match="not to be contacted"):
        rules.check_schedule(visit(dnc=True), at(1), LA, trained, NOON)
    with pytest.raises(RuleViolation, match="two years"):
        rules.check_schedule(visit(), at(800), LA, trained, NOON)


def test_the_round_window_is_read_in_the_school_s_time_zone():
    """17:30 in Los Angeles on the round's last day is already the next day in UTC."""
    v = visit(window=(TODAY, TODAY + timedelta(days=2)))
    rules.check_schedule(v, at(2, 17), LA, [done(1), done(2)], NOON)


def test_visits_of_one_visitor_may_not_overlap():
    mine = visit(status=S.SCHEDULED)
    mine.id = 1
    other = visit(status=S.SCHEDULED)
    other.id = 2
    other.scheduled_start = at(1, 17)
    with pytest.raises(RuleViolation, match="already has a visit"):
        rules.check_no_overlap(mine, at(1, 17) + timedelta(minutes=39), [other])
    rules.check_no_overlap(mine, at(1, 17) + timedelta(minutes=40), [other])
    other.status = S.CANCELLED
    rules.check_no_overlap(mine, at(1, 17), [other])


def test_only_trained_visitors_and_interpreters_are_paid():
    team = [
        TeamMember(user_id=1, role=TeamRole.VISITOR),
        TeamMember(user_id=2, role=TeamRole.VISITOR),
        TeamMember(user_id=3, role=TeamRole.INTERPRETER),
    ]
    lapsed = done(2, until=TODAY - timedelta(days=1))
    paid = rules.paid_members(team, TODAY, [done(1), lapsed])
    assert [m.user_id for m in paid] == [1, 3]


# ---- the state machine ------------------------------------------------------------------------

LEGAL = {
    (S.TO_ARRANGE, S.CONTACTING),
    (S.TO_ARRANGE, S.SCHEDULED),
    (S.TO_ARRANGE, S.DECLINED),
    (S.TO_ARRANGE, S.CANCELLED),
    (S.CONTACTING, S.SCHEDULED),
    (S.CONTACTING, S.DECLINED),
    (S.CONTACTING, S.CANCELLED),
    (S.SCHEDULED, S.COMPLETED),
    (S.SCHEDULED, S.RESCHEDULING),
    (S.SCHEDULED, S.DECLINED),
    (S.SCHEDULED, S.CANCELLED),
    (S.RESCHEDULING, S.SCHEDULED),
    (S.RESCHEDULING, S.DECLINED),
    (S.RESCHEDULING, S.CANCELLED),
}


@pytest.mark.parametrize("old", list(S))
@pytest.mark.parametrize("new", list(S))
def test_every_move_of_the_state_machine(old, new):
    v = visit(status=old)
    if (old, new) in LEGAL:
        rules.check_transition(v, new)
    else:
        with pytest.raises(RuleViolation, match="cannot become"):
            rules.check_transition(v, new)


def test_closed_visits_take_no_more_contacts():
    for status in (S.COMPLETED, S.DECLINED, S.CANCELLED):
        with pytest.raises(RuleViolation, match="closed"):
            rules.check_contact(visit(status=status))


def test_contacting_needs_a_team():
    with pytest.raises(RuleViolation, match="no team"):
        rules.check_contact(visit(team=()))


def test_completing_needs_a_reflection():
    v = visit(status=S.SCHEDULED)
    with pytest.raises(RuleViolation, match="reflection"):
        rules.check_complete(v)
    v.reflections = [Reflection(duration_minutes=40)]
    rules.check_complete(v)
    with pytest.raises(RuleViolation, match="cannot become"):
        rules.check_complete(visit(status=S.TO_ARRANGE))


def test_the_team_may_correct_its_private_note_for_a_set_time_after_the_visit():
    v = visit(status=S.SCHEDULED)
    with pytest.raises(RuleViolation, match="no reflection yet"):
        rules.check_may_correct_private_note(v, datetime(2026, 12, 1, tzinfo=UTC))
    assert rules.private_note_editable_until(v) is None
    v.completed_at = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)
    until = datetime(2026, 12, 15, 2, 30, tzinfo=UTC)
    assert timedelta(days=14) == rules.PRIVATE_NOTE_CORRECTION
    assert rules.private_note_editable_until(v) == until
    rules.check_may_correct_private_note(v, v.completed_at)
    rules.check_may_correct_private_note(v, until)  # the last moment still counts
    with pytest.raises(RuleViolation, match="for 14 days after") as refused:
        rules.check_may_correct_private_note(v, until + timedelta(seconds=1))
    assert refused.value.field == "text"


# ---- hours ------------------------------------------------------------------------------------


def test_hours_per_visit_or_per_minute_recorded():
    assert rules.visit_hours(
        School(hours_mode=HoursMode.PER_VISIT, hours_per_visit=Decimal("1.5")), 35
    ) == Decimal("1.50")
    assert rules.visit_hours(
        School(hours_mode=HoursMode.MINUTES, hours_per_visit=Decimal("1")), 45
    ) == Decimal("0.75")
    assert rules.visit_hours(
        School(hours_mode=HoursMode.MINUTES, hours_per_visit=Decimal("1")), 40
    ) == Decimal("0.67")
