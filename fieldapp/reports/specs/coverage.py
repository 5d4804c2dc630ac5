"""Coverage: the share of students whose family had a completed visit, by school, grade or class,
against the mark research found made a difference (``rules.COVERAGE_MARK``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from fieldapp import rules
from fieldapp.extensions import db
from fieldapp.grades import grade_label, grade_order
from fieldapp.i18n import gettext as _
from fieldapp.i18n import lazy_gettext as _l
from fieldapp.i18n import ngettext
from fieldapp.reports import queries
from fieldapp.reports.charts import Chart, Series
from fieldapp.reports.formats import num, pct
from fieldapp.reports.queries import Scope

COVERAGE_TITLES = {
    "school": _l("Coverage by school"),
    "grade": _l("Coverage by grade"),
    "class": _l("Coverage by class"),
}

# The CSV's columns naming what a coverage row is about, by grouping.
COVERAGE_KEYS = {
    "school": ["school_code", "school_name"],
    "grade": ["grade"],
    "class": ["class_id", "class_name"],
}


@dataclass
class Coverage:
    label: str
    key: int
    students: int
    visited: int
    code: str = ""

    @property
    def share(self) -> float:
        return self.visited / self.students if self.students else 0.0


def coverage_rows(scope: Scope, by: Sequence[str]) -> dict[str, list[Coverage]]:
    """Coverage by each grouping in ``by``, all in one aggregate statement: schools and grades
    are added up here from its rows by school and grade."""
    found: dict[str, list[Coverage]] = {g: [] for g in by}
    by_school: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    by_grade: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for grouping, key, label, grade, students, visited in db.session.execute(
        queries.coverage(scope, tuple(by))
    ):
        counts = int(students), int(visited or 0)
        if grouping == "class":
            found["class"].append(Coverage(label, int(key), *counts, code=label))
            continue
        for total in (by_school[int(key), label], by_grade[grade]):
            total[0] += counts[0]
            total[1] += counts[1]
    if "school" in found:
        schools = [Coverage(n, k, *c, code=n) for (k, n), c in by_school.items()]
        found["school"] = sorted(schools, key=lambda c: c.label)
    if "grade" in found:
        grades = [Coverage(grade_label(g), 0, *c, code=g) for g, c in by_grade.items()]
        found["grade"] = sorted(grades, key=lambda c: grade_order(c.code))
    if "class" in found:
        found["class"].sort(key=lambda c: c.label)
    return found


def summary(grouping: str, rows: list[Coverage]) -> str:
    if not rows:
        return _("No students in this report's filters.")
    mark = rules.COVERAGE_MARK
    students = sum(r.students for r in rows)
    visited = sum(r.visited for r in rows)
    above = sum(1 for r in rows if r.students and r.share >= mark)
    values = {
        "share": pct(visited / students if students else 0),
        "visited": num(visited),
        "students": num(students),
        "above": num(above),
        "count": num(len(rows)),
        "mark": pct(mark),
    }
    return {
        "school": lambda: ngettext(
            "%(share)s of students visited overall (%(visited)s of %(students)s); %(above)s of "
            "%(count)s school at or above the %(mark)s mark.",
            "%(share)s of students visited overall (%(visited)s of %(students)s); %(above)s of "
            "%(count)s schools at or above the %(mark)s mark.",
            len(rows),
            **values,
        ),
        "grade": lambda: ngettext(
            "%(share)s of students visited overall (%(visited)s of %(students)s); %(above)s of "
            "%(count)s grade at or above the %(mark)s mark.",
            "%(share)s of students visited overall (%(visited)s of %(students)s); %(above)s of "
            "%(count)s grades at or above the %(mark)s mark.",
            len(rows),
            **values,
        ),
        "class": lambda: ngettext(
            "%(share)s of students visited overall (%(visited)s of %(students)s); %(above)s of "
            "%(count)s class at or above the %(mark)s mark.",
            "%(share)s of students visited overall (%(visited)s of %(students)s); %(above)s of "
            "%(count)s classes at or above the %(mark)s mark.",
            len(rows),
            **values,
        ),
    }[grouping]()


def _csv_key(grouping: str, row: Coverage, codes: dict[int, str]) -> list:
    if grouping == "school":
        return [codes.get(row.key, ""), row.label]
    if grouping == "grade":
        return [row.code]  # "K", "3": the grade's code, not its name in one language
    return [row.key, row.label]


def coverage_chart(
    grouping: str, rows: list[Coverage], codes: dict[int, str] | None = None
) -> Chart:
    """``codes``: the schools' codes by id, for the CSV of coverage by school."""
    mark = rules.COVERAGE_MARK
    heading = {"school": _("School"), "grade": _("Grade"), "class": _("Class")}[grouping]
    return Chart(
        key=f"coverage-{grouping}",
        title=str(COVERAGE_TITLES[grouping]),
        summary=summary(grouping, rows),
        categories=[r.label for r in rows],
        series=[Series("visited", _("Students visited"))],
        values=[[r.share] for r in rows],
        value_labels=[f"{pct(r.share)} · {num(r.visited)}/{num(r.students)}" for r in rows],
        percent=True,
        mark=mark,
        header=[heading, _("Students"), _("Visited"), _("Coverage (%)")],
        rows=[[r.label, r.students, r.visited, f"{r.share * 100:.1f}"] for r in rows],
        columns=[*COVERAGE_KEYS[grouping], "students", "students_visited", "coverage_percent"],
        data=[
            [*_csv_key(grouping, r, codes or {}), r.students, r.visited] + [f"{r.share * 100:.1f}"]
            for r in rows
        ],
        note=_(
            "Share of students whose family had a completed visit. The dashed line is the "
            "%(mark)s mark research found made a difference.",
            mark=pct(mark),
        ),
    )
