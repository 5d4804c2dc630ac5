"""My visits reads plain rows (``visits/cards.py``) instead of the ORM model: the rows must say
what the model says, for every case a card shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from fieldapp.models import Role, Visit, VisitStatus
from fieldapp.visits import cards, queries
from tests.factories import make_round, make_school, make_student, make_user, make_visit


def _shown(visit) -> tuple:
    """What a card shows, read by the same names from a ``Visit`` or a ``VisitCard``."""
    return (
        visit.id,
        visit.status,
        visit.scheduled_start,
        visit.planned_minutes,
        visit.family_agreed_at,
        (visit.family.name, visit.family.home_language, visit.family.interpreter_needed)
        if visit.family
        else None,
        visit.school.timezone,
        visit.round.is_open if visit.round else None,
        [(m.user_id, m.user.first_name) for m in visit.team],
        sorted((s.first_name, s.grade) for s in visit.students),
    )


def test_the_cards_say_what_the_model_says_in_the_same_order(db):
    school = make_school(timezone="America/Chicago")
    other_school = make_school(timezone="America/New_York")
    me = make_user(Role.VISITOR, school, name="Ana María López")
    partner = make_user(Role.VISITOR, school, name="Ben Okafor")
    third = make_user(Role.VISITOR, school, name="Chen Wei")
    closed = make_round(school, closed_at=datetime.now(UTC))
    soon = datetime.now(UTC) + timedelta(days=2)
    shown = [
        make_visit(school, [me, partner]),
        make_visit(school, [partner, me, third], status=VisitStatus.CONTACTING),
        make_visit(
            school,
            [me],
            status=VisitStatus.SCHEDULED,
            scheduled_start=soon,
            family_agreed_at=soon - timedelta(days=3),
            planned_minutes=55,
        ),
        make_visit(school, [me, partner], status=VisitStatus.COMPLETED),
        make_visit(other_school, [me], status=VisitStatus.RESCHEDULING),
    ]
    siblings = shown[0]
    siblings.students.append(make_student(school, siblings.family, grade="K"))
    siblings.family.interpreter_needed = True
    siblings.family.home_language = "es"
    no_family = make_visit(school, [me])
    no_family.family = None
    no_round = make_visit(school, [me], status=VisitStatus.COMPLETED)
    no_round.round = None
    shown += [no_family, no_round]
    hidden = [  # never on My visits
        make_visit(school, [me], status=VisitStatus.CANCELLED),
        make_visit(school, [me], status=VisitStatus.DECLINED),
        make_visit(school, [me], status=VisitStatus.COMPLETED, round=closed),
        make_visit(school, [partner]),  # not my team
    ]
    db.session.commit()

    found = cards.my_visit_cards(me.id)
    models = list(db.session.scalars(queries.my_visits(me)).unique())

    assert [_shown(c) for c in found] == [_shown(v) for v in models]
    assert {c.id for c in found} == {v.id for v in shown}
    assert not {c.id for c in found} & {v.id for v in hidden}
    by_id = {c.id: c for c in found}
    assert [m.user.first_name for m in by_id[shown[1].id].team] == ["Ben", "Ana", "Chen"]
    assert by_id[no_family.id].family is None and by_id[no_round.id].round is None


def test_no_visits_no_cards(db):
    visitor = make_user(Role.VISITOR, make_school())
    db.session.commit()
    assert cards.my_visit_cards(visitor.id) == []


def test_a_visitor_s_cards_are_grouped_like_the_model(db):
    school = make_school()
    me = make_user(Role.VISITOR, school)
    past = datetime.now(UTC) - timedelta(days=1)
    for status, start in [
        (VisitStatus.TO_ARRANGE, None),
        (VisitStatus.SCHEDULED, past),
        (VisitStatus.SCHEDULED, datetime.now(UTC) + timedelta(days=3)),
        (VisitStatus.COMPLETED, past),
    ]:
        make_visit(school, [me], status=status, scheduled_start=start)
    db.session.commit()
    now = datetime.now(UTC)
    from_cards = queries.group_my_visits(cards.my_visit_cards(me.id), now)
    from_models = queries.group_my_visits(
        list(db.session.scalars(select(Visit).order_by(Visit.id))), now
    )
    for (key, _, a), (_, _, b) in zip(from_cards.sections(), from_models.sections(), strict=True):
        assert [c.id for c in a] == [v.id for v in b], key
