"""The training status decided in SQL (for a district's roster) is the one the rules decide."""

from __future__ import annotations

import random
from datetime import date, timedelta

from fieldapp import rules
from fieldapp.models import Role, TrainingKind
from fieldapp.training import queries, services
from tests.factories import add_completion, make_school, make_user

DAY = date(2026, 10, 1)


def _histories():
    """Edge cases by hand, then random histories around them."""
    lapsing = rules.LAPSING_SOON.days
    cases = [
        [],
        [(TrainingKind.REFRESHER, -100, 300)],  # a refresher alone trains nobody
        [(TrainingKind.FOUNDATIONAL, 0, 365)],  # completed today
        [(TrainingKind.FOUNDATIONAL, 1, 365)],  # completes tomorrow: not yet
        [(TrainingKind.FOUNDATIONAL, -400, 0)],  # ends today
        [(TrainingKind.FOUNDATIONAL, -400, -1)],  # ended yesterday
        [(TrainingKind.FOUNDATIONAL, -300, lapsing)],  # lapsing: exactly at the edge
        [(TrainingKind.FOUNDATIONAL, -300, lapsing + 1)],
        [(TrainingKind.FOUNDATIONAL, -300, None)],  # never lapses
        [(TrainingKind.FOUNDATIONAL, -800, -400), (TrainingKind.REFRESHER, -10, 355)],
        [(TrainingKind.FOUNDATIONAL, -800, -400), (TrainingKind.REFRESHER, 5, 370)],
    ]
    rng = random.Random(2026)
    for _ in range(60):
        cases.append(
            [
                (
                    rng.choice(list(TrainingKind)),
                    rng.randint(-900, 30),
                    rng.choice([None, rng.randint(-400, 400)]),
                )
                for _ in range(rng.randint(0, 4))
            ]
        )
    return cases


def test_sql_and_rules_agree_on_every_history(app, db):
    school = make_school()
    people = []
    for history in _histories():
        person = make_user(Role.VISITOR, school, trained=False)
        for kind, done, until in history:
            completed = DAY + timedelta(days=done)
            valid = None if until is None else DAY + timedelta(days=until)
            add_completion(person, completed, max(valid, completed) if valid else None, kind=kind)
        people.append(person)
    db.session.commit()
    for on in (DAY, DAY - timedelta(days=200), DAY + timedelta(days=45)):
        expected = {
            p.id: (status, until)
            for p, (status, until) in zip(
                people, services.statuses(people, on).values(), strict=True
            )
        }
        got = {
            person.id: (rules.TrainingStatus(status), None if until == date.max else until)
            for _, person, status, until in db.session.execute(queries.roster([school.id], on))
        }
        assert got == expected, on
        counts = dict(db.session.execute(queries.roster_counts([school.id], on)).all())
        assert sum(counts.values()) == len(people)
