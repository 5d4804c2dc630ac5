"""The dashboard's figures from ``schools.dashboard`` directly, without a request."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fieldapp.models import VisitStatus
from fieldapp.schools.dashboard import dashboard
from tests.factories import make_round, make_school, make_student, make_visit


def test_the_dashboard_counts_a_round_and_its_coverage(db):
    school = make_school()
    rnd = make_round(school)
    make_visit(school, round=rnd, status=VisitStatus.COMPLETED, completed_at=datetime.now(UTC))
    make_visit(school, round=rnd)
    make_student(school, grade="K")
    db.session.commit()
    board = dashboard(school, None, date.today(), datetime.now(UTC))
    assert board.current == rnd and board.rounds == [rnd]
    assert dict(board.by_status)[VisitStatus.COMPLETED] == 1
    assert dict(board.by_status)[VisitStatus.TO_ARRANGE] == 1
    assert board.total_visits == 2
    assert [(g, n) for g, n, _v, _s in board.by_grade] == [("K", 1), ("3", 2)]
    assert (board.students, board.visited) == (3, 1)
    assert round(board.coverage, 3) == round(1 / 3, 3)
    assert set(board.context()) >= {"by_grade", "warnings", "needs_new_team", "language_unknown"}


def test_a_round_asked_for_wins_over_the_default(db):
    school = make_school()
    make_round(school, name="Now")
    old = make_round(school, name="Old", starts_on=date(2024, 9, 1), ends_on=date(2024, 11, 1))
    db.session.commit()
    assert dashboard(school, old.id, date.today(), datetime.now(UTC)).current == old
    assert dashboard(school, None, date.today(), datetime.now(UTC)).current.name == "Now"
