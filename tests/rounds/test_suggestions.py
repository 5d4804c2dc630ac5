"""The suggested team, as a rule on plain objects: the board's ``Pool`` (each person read once
for all its cards) picks the same two people, with the same reasons, as the order the rule
states (teacher first, then a speaker of the family's language, then the fewest open visits,
then the name); and the team picker's labels."""

from __future__ import annotations

import random

import pytest

from fieldapp.models import Family, User, Visit
from fieldapp.rounds.suggestions import Pool, Staff, suggest

LANGUAGES = ["en", "es", "vi", "so", "ar"]


def people(rng: random.Random, n: int) -> list[User]:
    names = ["Ann", "Bo", "Cy", "Di", "Ed", "Flo", "Gus"]  # repeats: ties go to the list order
    return [
        User(
            id=i + 1,
            name=f"{rng.choice(names)} {rng.choice(['Lee', 'Kim'])}",
            languages=" ".join(rng.sample(LANGUAGES, rng.randint(1, 3))),
        )
        for i in range(n)
    ]


def stated_order(visit: Visit, candidates, open_counts, teachers) -> list[User]:
    language = visit.family.home_language if visit.family else None
    return sorted(
        candidates,
        key=lambda p: (
            p.id not in teachers,
            language is None or language not in p.spoken_languages,
            open_counts.get(p.id, 0),
            p.name,
        ),
    )[:2]


@pytest.mark.parametrize("seed", range(80))
def test_the_pool_picks_the_two_the_stated_order_picks(app, seed):
    rng = random.Random(seed)
    staff = people(rng, rng.randint(0, 30))
    open_counts = {p.id: rng.randint(0, 3) for p in staff if rng.random() < 0.7}
    pool = Pool(staff, open_counts)
    with app.test_request_context("/"):
        for _ in range(10):
            language = rng.choice([None, *LANGUAGES])
            visit = Visit(id=1, family=Family(name="Nguyen", home_language=language))
            teachers = {p.id for p in rng.sample(staff, min(len(staff), rng.randint(0, 4)))}
            if rng.random() < 0.3:
                teachers.add(1000)  # a teacher who cannot be assigned: not in the pool
            expected = stated_order(visit, staff, open_counts, teachers)
            from_pool = suggest(visit, pool, open_counts, teachers)
            from_list = suggest(visit, staff, open_counts, teachers)
            assert [p.id for p in from_pool.people] == [p.id for p in expected]
            assert from_pool.reasons == from_list.reasons
            assert [p.id for p in from_list.people] == [p.id for p in expected]


def test_the_reasons_name_the_teacher_the_language_and_the_open_visits(app):
    tara = User(id=1, name="Tara Teacher", languages="en")
    sergio = User(id=2, name="Sergio Speaker", languages="en es")
    olga = User(id=3, name="Olga Other", languages="en")
    visit = Visit(id=9, family=Family(name="Garcia", home_language="es"))
    with app.test_request_context("/"):
        picked = suggest(visit, Pool([olga, sergio, tara], {2: 4}), {2: 4}, {1})
    assert picked.people == [tara, sergio]
    assert picked.reasons == [
        "Tara (teacher, 0 open)",
        "Sergio (speaks the family's language, 4 open)",
    ]


def test_the_team_pickers_labels(app):
    ann = User(id=1, name="Ann Lee", languages="en")
    bo = User(id=2, name="Bo Kim", languages="en")
    staff = Staff([ann, bo], {1: None, 2: "training lapsed"}, {1: 3})
    with app.test_request_context("/"):
        assert staff.options() == [
            (1, "Ann Lee · 3 open", None),
            (2, "Bo Kim · 0 open — training lapsed", "training lapsed"),
        ]
