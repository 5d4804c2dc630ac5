"""A demo round's visits, made through the visit services: in every status, and some done in
the round's first weeks for the impact report."""

from __future__ import annotations

from datetime import date, timedelta

from fieldapp.models import ContactMethod, ContactOutcome, VisitMode
from fieldapp.training.services import add_months
from fieldapp.visits import services

# Families at the end of a round left without a team: the coordinator's board has visits to assign.
UNASSIGNED = 6


def seed_round(rnd, families, teams, coordinator, rng, today, at) -> int:
    """Visits for a round: in every status, the first team's visits walking through all of them;
    then families visited in the round's first weeks; the last few still without a team."""
    plan = [
        "today",
        "completed",
        "scheduled",
        "contacting",
        "to_arrange",
        "reflect",
        "rescheduling",
        "declined",
        "cancelled",
        "completed",
        "scheduled",
        "to_arrange",
    ]
    reachable = [f for f in families if not f.do_not_contact]
    planned = len(plan) * 2
    early = first_weeks(rnd.starts_on, today, len(reachable) - planned - UNASSIGNED)
    made = 0
    for i, family in enumerate(reachable):
        students = [s for s in family.students if s.school_id == rnd.school_id]
        visit = services.create_visit(
            family=family,
            students=students,
            visit_type=rnd.visit_type,
            school_id=rnd.school_id,
            round=rnd,
            by=coordinator,
        )
        made += 1
        if i >= planned:
            k = i - planned
            if k < len(early):
                _visit_early(visit, teams[k % len(teams)], early[k], k, coordinator, rng, at)
            continue  # past the early visits, the rest of the round is still unassigned
        team = teams[(i // len(plan)) % len(teams)] if i < len(plan) else teams[i % len(teams)]
        step = plan[i % len(plan)]
        services.assign_team(visit, list(team), on=rnd.ends_on, by=coordinator)
        if step == "to_arrange":
            continue
        lead = team[0]
        first_try = at(today - timedelta(days=rng.randint(8, 20)), 17)
        services.log_contact(
            visit,
            method=ContactMethod.CALL,
            outcome=ContactOutcome.NO_ANSWER,
            note=None,
            by=lead,
            at=first_try,
        )
        if step == "contacting":
            continue
        if step == "declined":
            services.log_contact(
                visit,
                method=ContactMethod.CALL,
                outcome=ContactOutcome.DECLINED,
                note="Busy season at work; maybe in spring.",
                by=lead,
                at=first_try + timedelta(days=2),
            )
            continue
        services.log_contact(
            visit,
            method=ContactMethod.TEXT,
            outcome=ContactOutcome.AGREED,
            note="Happy to meet at home.",
            by=lead,
            at=first_try + timedelta(days=1),
        )
        offset = {
            "today": 0,
            "scheduled": 2 + i % len(plan),  # distinct days: no double booking
            "completed": -(3 + 2 * (i % len(plan))),
            "reflect": -1,
            "rescheduling": 5,
            "cancelled": 6,
        }[step]
        day = today + timedelta(days=offset)
        # Each pass over the plan books its own hours, so that no visitor is booked twice at once.
        cycle = i // len(plan)
        start = at(day, 18 - 2 * cycle) if step == "today" else at(day, 16 + 2 * cycle, 30)
        booked_on = min(day, today) - timedelta(days=2)
        services.schedule_visit(
            visit,
            start=start,
            mode=VisitMode.HOME,
            place=family.address,
            by=lead,
            now=at(booked_on, 9),
        )
        if step == "rescheduling":
            services.request_reschedule(visit, reason="The family's shift changed.", by=lead)
        elif step == "cancelled":
            services.cancel_visit(visit, reason="The team's partner moved schools.", by=coordinator)
        elif step == "completed":
            follow_up = (
                "Send the library card form home",
                team[1],
                today + timedelta(days=rng.randint(-5, 10)),
            )
            _reflect(visit, lead, start, rng, follow_ups=[follow_up])
    return made


def first_weeks(starts_on: date, today: date, count: int) -> list[date]:
    """``count`` days spread over a round's first weeks: from the day after it starts to the end
    of the month before last, so that a whole month of attendance that has ended follows each
    visit's month (the impact report's "after"). Early in a school year those weeks fall in the
    summer, or in the year before; none for a count under one."""
    first = starts_on + timedelta(days=1)
    last = add_months(today.replace(day=1), -1) - timedelta(days=1)
    span = (last - first).days + 1
    return [first + timedelta(days=k * span // count) for k in range(count)]


def _visit_early(visit, team, day, k, coordinator, rng, at) -> None:
    """A visit agreed on the phone a few days ahead and done on ``day``; the k-th of the round's
    early visits comes at its own hour, so that two on one day never book a visitor twice."""
    lead = team[0]
    services.assign_team(visit, list(team), on=day, by=coordinator)
    agreed = at(day - timedelta(days=4), 17)
    services.log_contact(
        visit,
        method=ContactMethod.CALL,
        outcome=ContactOutcome.AGREED,
        note="Happy to meet at home.",
        by=lead,
        at=agreed,
    )
    start = at(day, 16 + 2 * (k % 2), 30)
    services.schedule_visit(
        visit,
        start=start,
        mode=VisitMode.HOME,
        place=visit.family.address,
        by=lead,
        now=agreed + timedelta(minutes=15),
    )
    _reflect(visit, lead, start, rng)


def _reflect(visit, lead, start, rng, follow_ups=()) -> None:
    """The team's reflection, written in the car just after the visit: a visit done on 13 Nov is
    recorded on 13 Nov, not on the day the demo was seeded."""
    child = visit.students[0].first_name if visit.students else "their child"
    minutes = rng.choice([35, 40, 45])
    services.submit_reflection(
        visit,
        now=start + timedelta(minutes=minutes + 20),
        by=lead,
        duration_minutes=minutes,
        shared={
            "hopes_and_dreams": f"They hope {child} will be the first in the family to go "
            "to college; {child} wants to be a veterinarian.".replace("{child}", child),
            "strengths": "Grandmother reads with the children every night; "
            "the family cooks together on Sundays.",
            "want_school_to_know": f"{child} is shy at first but opens up with music.",
            "best_way_to_reach": "Text in the evening, after 6 pm.",
        },
        private_note="Dad works nights; keep calls short.",
        follow_ups=follow_ups,
    )
