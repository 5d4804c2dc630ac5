"""The training status decided in SQL (for a district's roster) is the one the rules decide."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

from fieldapp import rules
from fieldapp.models import Role, RoleAssignment, TrainingKind
from fieldapp.paging import spread
from fieldapp.rules import TrainingStatus
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
        counts = db.session.execute(queries.status_counts_by_school((school.id,), on)).all()
        assert {status: n for _school, status, n in counts} == {
            status.value: n for status, n in Counter(s for s, _until in expected.values()).items()
        }


def test_a_roster_page_read_from_the_schools_it_falls_in_is_the_same_page(app, db):
    """``roster_page`` over the schools ``paging.spread`` picks from the per-school counts is
    the same page of the same rows as ``roster`` cut to the page: at every offset, with or
    without a status asked for, two schools of one name kept apart, a disabled person left out
    and someone at two schools shown at each."""
    schools = [make_school(name="Oak"), make_school(name="Elm"), make_school(name="Oak")]
    people = []
    for n, history in enumerate(_histories()[:45]):
        person = make_user(Role.VISITOR, schools[n % 3], trained=False)
        for kind, done, until in history:
            completed = DAY + timedelta(days=done)
            valid = None if until is None else DAY + timedelta(days=until)
            add_completion(person, completed, max(valid, completed) if valid else None, kind=kind)
        people.append(person)
    people[0].active = False
    db.session.add(RoleAssignment(user=people[1], role=Role.VISITOR, school=schools[0]))
    db.session.commit()
    in_name_order = [s.id for s in db.session.scalars(queries.schools())]
    assert in_name_order == [schools[1].id, schools[0].id, schools[2].id]
    for shown in (None, (schools[0].id,), (schools[0].id, schools[2].id)):
        counts = db.session.execute(queries.status_counts_by_school(shown, DAY)).all()
        for status in (None, TrainingStatus.NOT_TRAINED, TrainingStatus.TRAINED):
            whole = db.session.execute(queries.roster(shown, DAY, status)).all()
            assert people[0].id not in {person.id for _, person, *_ in whole}
            sizes = Counter()
            for school_id, value, n in counts:
                if status is None or value == status.value:
                    sizes[school_id] += n
            assert sum(sizes.values()) == len(whole)
            in_order = [(school_id, sizes[school_id]) for school_id in in_name_order]
            for offset in range(0, len(whole) + 8, 4):
                school_ids, skip = spread(in_order, 7, offset)
                page = db.session.execute(queries.roster_page(school_ids, DAY, status, 7, skip))
                assert page.all() == whole[offset : offset + 7], (shown, status, offset)


def test_spread_names_the_groups_a_page_falls_in():
    sizes = [("a", 3), ("empty", 0), ("b", 5), ("c", 2)]
    assert spread(sizes, 4, 0) == (("a", "b"), 0)
    assert spread(sizes, 3, 0) == (("a",), 0)
    assert spread(sizes, 2, 3) == (("b",), 0)
    assert spread(sizes, 2, 4) == (("b",), 1)
    assert spread(sizes, 10, 7) == (("b", "c"), 4)
    assert spread(sizes, 5, 10) == ((), 0)  # past the end: no group, an empty page
    assert spread([], 5, 0) == ((), 0)
