"""The training status decided in SQL (for a district's roster) is the one the rules decide."""

from __future__ import annotations

import random
from datetime import date, timedelta

from fieldapp import rules
from fieldapp.models import Role, RoleAssignment, TrainingKind
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
        counts = dict(db.session.execute(queries.roster_counts((school.id,), on)).all())
        assert sum(counts.values()) == len(people)


def test_a_roster_page_picks_its_people_first_and_shows_the_same_rows(app, db):
    """``roster_page`` (the page's people chosen first, only their training read) is the same
    page of the same rows as ``roster`` cut to the page: across schools, at every offset, with
    a disabled person left out and someone at two schools shown at each."""
    schools = [make_school(), make_school()]
    people = []
    for n, history in enumerate(_histories()[:30]):
        person = make_user(Role.VISITOR, schools[n % 2], trained=False)
        for kind, done, until in history:
            completed = DAY + timedelta(days=done)
            valid = None if until is None else DAY + timedelta(days=until)
            add_completion(person, completed, max(valid, completed) if valid else None, kind=kind)
        people.append(person)
    people[0].active = False
    db.session.add(RoleAssignment(user=people[1], role=Role.VISITOR, school=schools[0]))
    db.session.commit()
    for school_ids in (None, (schools[0].id,), tuple(s.id for s in schools)):
        whole = db.session.execute(queries.roster(school_ids, DAY)).all()
        assert people[0].id not in {person.id for _, person, *_ in whole}
        for offset in (0, 7, 28, 60):
            page = db.session.execute(queries.roster_page(school_ids, DAY, 7, offset)).all()
            assert page == whole[offset : offset + 7], (school_ids, offset)
