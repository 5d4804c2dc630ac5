"""A school's dashboard as data: the round in view, its visits by status, coverage by grade and
class, and what needs the coordinator (teams to replace, overdue reflections and follow-ups,
families without a known language). Read by the view, tested without one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fieldapp import rules
from fieldapp.extensions import db
from fieldapp.grades import grade_order
from fieldapp.models import Round, School, User, Visit, VisitStatus
from fieldapp.rounds import queries as round_queries
from fieldapp.schools import queries


def share(visited: int, total: int) -> float:
    return visited / total if total else 0.0


@dataclass
class Dashboard:
    rounds: list[Round]
    current: Round | None
    by_status: list[tuple[VisitStatus, int]]
    total_visits: int
    students: int
    visited: int
    coverage: float
    by_grade: list[tuple[str, int, int, float]]  # grade, students, visited, share
    by_class: list[tuple[str, int, int, float]]
    mark: float
    warnings: list[str]
    needs_new_team: list[tuple[Visit, list[User]]]
    overdue_reflections: list[Visit]
    follow_ups_open: int
    follow_ups_overdue: list[Any]
    busiest: list[Any]
    visitors: int
    language_unknown: int

    def context(self) -> dict[str, Any]:
        """The fields, as the template's names."""
        return dict(vars(self))


def _round(school: School, round_id: int | None, today: date) -> tuple[list[Round], Round | None]:
    """The school's rounds and the one in view: the one asked for, else the default."""
    rounds = db.session.scalars(round_queries.rounds(school.id)).all()
    current = next((r for r in rounds if r.id == round_id), None) if round_id else None
    return list(rounds), current or rules.default_round(rounds, today)


def _coverage(school: School, current: Round | None):
    """Coverage by grade (sorted by grade) and class, and the round's targeting warnings."""
    rid = current.id if current else None
    scope = round_queries.scope_condition(current.scope, current.scope_values) if current else None
    grades = db.session.execute(queries.coverage_by_grade(school.id, rid, scope)).all()
    by_grade = sorted(
        ((g, n, int(v or 0)) for g, n, v, _ in grades), key=lambda r: grade_order(r[0])
    )
    by_class = [
        (c, n, int(v or 0))
        for c, n, v in db.session.execute(queries.coverage_by_class(school.id, rid))
    ]
    warnings = []
    if current is not None:
        in_scope = {g: int(k or 0) for g, _, _, k in grades if k}
        warnings = rules.targeting_warnings(current.scope, in_scope, {g: n for g, n, _ in by_grade})
    return by_grade, by_class, warnings


def dashboard(school: School, round_id: int | None, today: date, now: datetime) -> Dashboard:
    rounds, current = _round(school, round_id, today)
    rid = current.id if current else None
    counts = dict(db.session.execute(queries.visits_by_status(school.id, rid)).all())
    by_grade, by_class, warnings = _coverage(school, current)
    students = sum(n for _, n, _ in by_grade)
    visited = sum(v for _, _, v in by_grade)
    stranded: dict[Visit, list[User]] = {}
    for visit, person in db.session.execute(queries.stranded_members(school.id, today)):
        stranded.setdefault(visit, []).append(person)
    follow_ups = db.session.scalars(queries.open_follow_ups(school.id)).all()
    visitors, language_unknown = db.session.execute(
        queries.staff_and_unknown_languages(school.id)
    ).one()
    return Dashboard(
        rounds=rounds,
        current=current,
        by_status=[(s, counts.get(s, 0)) for s in VisitStatus],
        total_visits=sum(counts.values()),
        students=students,
        visited=visited,
        coverage=share(visited, students),
        by_grade=[(g, n, v, share(v, n)) for g, n, v in by_grade],
        by_class=[(c, n, v, share(v, n)) for c, n, v in by_class],
        mark=rules.COVERAGE_MARK,
        warnings=warnings,
        needs_new_team=list(stranded.items()),
        overdue_reflections=list(
            db.session.scalars(queries.overdue_reflections(school.id, now)).unique()
        ),
        follow_ups_open=len(follow_ups),
        follow_ups_overdue=[f for f in follow_ups if f.due_on < today],
        busiest=list(db.session.execute(queries.busiest_people(school.id))),
        visitors=visitors,
        language_unknown=language_unknown,
    )
