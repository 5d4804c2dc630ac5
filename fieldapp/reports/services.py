"""The reports' figures: the programme report's charts (each a spec in ``reports.specs``: one
aggregate query, shaped into a ``Chart`` whose table is also its CSV) and the district's schools
side by side. Nothing here reads the request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from fieldapp.extensions import db
from fieldapp.i18n import lazy_gettext as _l
from fieldapp.models import School
from fieldapp.reports import queries
from fieldapp.reports.charts import Chart
from fieldapp.reports.queries import Scope
from fieldapp.reports.specs.coverage import Coverage, coverage_chart, coverage_rows
from fieldapp.reports.specs.families import families_chart
from fieldapp.reports.specs.follow_ups import follow_ups_chart
from fieldapp.reports.specs.hours import hours_chart
from fieldapp.reports.specs.training import training_by_school, training_chart
from fieldapp.reports.specs.visits import visits_chart
from fieldapp.rules import TrainingStatus

# ---- the programme report ---------------------------------------------------------------------

REPORT_CHARTS = (
    "visits",
    "coverage-school",
    "coverage-grade",
    "coverage-class",
    "follow-ups",
    "training",
    "families",
    "hours",
)


def report_charts(
    scope: Scope, schools: Sequence[School], on: date, only: str | None = None
) -> list[Chart]:
    """The programme report's charts in order (or only the one named): one aggregate query
    each, coverage's groupings in one. One school: coverage by grade and class; several: by
    school and grade."""
    wanted = set(REPORT_CHARTS) if only is None else {only}
    groupings = ("grade", "class") if len(schools) == 1 else ("school", "grade")
    charts: list[Chart] = []
    if "visits" in wanted:
        charts.append(visits_chart(scope))
    asked = tuple(g for g in groupings if f"coverage-{g}" in wanted)
    if asked:
        rows = coverage_rows(scope, asked)
        codes = {s.id: s.code for s in schools}
        charts += [coverage_chart(g, rows[g], codes) for g in asked]
    if "follow-ups" in wanted:
        charts.append(follow_ups_chart(scope))
    if "training" in wanted:
        charts.append(training_chart(schools, training_by_school(scope.school_ids, on)))
    if "families" in wanted:
        charts.append(families_chart(scope))
    if "hours" in wanted:
        charts.append(hours_chart(scope))
    return charts


# ---- the district, school by school -----------------------------------------------------------

DISTRICT_COLUMNS = {
    "school": _l("School"),
    "students": _l("Students"),
    "visited": _l("Students visited"),
    "coverage": _l("Coverage"),
    "completed": _l("Completed visits"),
    "trained": _l("Trained staff"),
    "staff": _l("Staff"),
}


@dataclass
class DistrictRow:
    school: School
    students: int
    visited: int
    completed: int
    trained: int
    staff: int

    @property
    def coverage(self) -> float:
        return self.visited / self.students if self.students else 0.0

    def key(self, column: str):
        return self.school.name.lower() if column == "school" else getattr(self, column)


def district_rows(
    schools: Sequence[School], scope: Scope, on: date, sort: str, descending: bool
) -> tuple[list[DistrictRow], dict[str, list[Coverage]], dict[int, dict]]:
    """Each school side by side (three aggregate queries for any number of schools)."""
    coverage = coverage_rows(scope, ("school",))
    by_school = {c.key: c for c in coverage["school"]}
    completed = dict(db.session.execute(queries.completed_visits_by_school(scope)).all())
    training = training_by_school(scope.school_ids, on)
    rows = []
    for school in schools:
        c = by_school.get(school.id)
        t = training.get(school.id, {})
        rows.append(
            DistrictRow(
                school=school,
                students=c.students if c else 0,
                visited=c.visited if c else 0,
                completed=int(completed.get(school.id, 0)),
                trained=t.get(TrainingStatus.TRAINED, 0) + t.get(TrainingStatus.LAPSING_SOON, 0),
                staff=sum(t.values()),
            )
        )
    rows.sort(key=lambda r: r.school.name.lower())
    rows.sort(key=lambda r: r.key(sort), reverse=descending)
    return rows, coverage, training


# The district's CSV (docs/csv.md): machine names, the same in every language.
DISTRICT_CSV_HEADER = ["school_code", "school_name", "students", "students_visited"]
DISTRICT_CSV_HEADER += ["coverage_percent", "completed_visits", "trained_staff", "staff"]


def district_table(rows: Sequence[DistrictRow]) -> list[list]:
    """The district's CSV rows, in ``DISTRICT_CSV_HEADER``'s order."""
    return [
        [
            r.school.code,
            r.school.name,
            r.students,
            r.visited,
            f"{r.coverage * 100:.1f}",
            r.completed,
            r.trained,
            r.staff,
        ]
        for r in rows
    ]
