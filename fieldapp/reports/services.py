"""The reports' figures: each chart is built from one aggregate query (``queries``) and shaped
into a ``Chart`` whose table is also its CSV. Nothing here reads the request."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from babel.dates import format_skeleton
from babel.numbers import format_decimal, format_percent
from flask_babel import get_locale

from fieldapp import rules
from fieldapp.extensions import db
from fieldapp.formatting import LANGUAGES
from fieldapp.grades import grade_label, grade_order
from fieldapp.i18n import gettext as _
from fieldapp.i18n import lazy_gettext as _l
from fieldapp.i18n import ngettext
from fieldapp.models import School, TeamRole, VisitStatus
from fieldapp.reports import queries
from fieldapp.reports.charts import Chart, Series
from fieldapp.reports.queries import Scope
from fieldapp.rules import TrainingStatus
from fieldapp.training import queries as training_queries

WEEKS_AT_MOST = 26  # a longer span is shown by month
HOURS = "#,##0.00"  # hours for people: two decimals, grouped, in the reader's language


def _locale() -> str:
    return str(get_locale() or "en")


def _num(value: float | Decimal, pattern: str = "#,##0") -> str:
    """A number for people, in the reader's language ("1,234" / "1234", "2.50" / "2,50")."""
    return format_decimal(value, pattern, locale=_locale())


def _pct(share: float) -> str:
    return format_percent(share, locale=_locale())


# ---- time buckets -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Buckets:
    """Weeks (from Monday) or months spanning the days that have data, gaps included."""

    by: str  # "week" or "month"
    starts: list[date]

    @classmethod
    def spanning(cls, days: Iterable[date]) -> Buckets:
        days = [d for d in days if d is not None]
        if not days:
            return cls("week", [])
        first, last = min(days), max(days)
        if (last - first).days <= WEEKS_AT_MOST * 7:
            start = first - timedelta(days=first.weekday())
            return cls(
                "week", [start + timedelta(weeks=i) for i in range((last - start).days // 7 + 1)]
            )
        return cls("month", _months(first, last))

    def of(self, day: date) -> date:
        if self.by == "week":
            return day - timedelta(days=day.weekday())
        return day.replace(day=1)

    def label(self, start: date) -> str:
        """ "5 Oct" or "Oct 2026", month names in the reader's language."""
        skeleton = "dMMM" if self.by == "week" else "yMMM"
        return format_skeleton(skeleton, start, locale=_locale()).replace(".", "")

    @property
    def heading(self) -> str:
        return _("Week of") if self.by == "week" else _("Month")


def _months(first: date, last: date) -> list[date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def _as_date(value) -> date:
    """A day as the database returned it (a date, or ISO text from a UNION on SQLite)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# ---- visits per week, by status ---------------------------------------------------------------

STATUS_GROUPS = [
    (Series("completed", _l("Completed")), {VisitStatus.COMPLETED}),
    (Series("scheduled", _l("Scheduled")), {VisitStatus.SCHEDULED, VisitStatus.RESCHEDULING}),
    (
        Series("arranging", _l("Being arranged")),
        {VisitStatus.TO_ARRANGE, VisitStatus.CONTACTING},
    ),
    (
        Series("closed", _l("Declined or cancelled")),
        {VisitStatus.DECLINED, VisitStatus.CANCELLED},
    ),
]


def visits_chart(scope: Scope) -> Chart:
    rows = [
        (_as_date(d), s, n)
        for d, s, n in db.session.execute(queries.visits_by_day_and_status(scope))
    ]
    buckets = Buckets.spanning(d for d, _, _ in rows)
    group_of = {status: i for i, (_, statuses) in enumerate(STATUS_GROUPS) for status in statuses}
    counts: dict[date, list[int]] = {b: [0] * len(STATUS_GROUPS) for b in buckets.starts}
    for day, status, n in rows:
        counts[buckets.of(day)][group_of[status]] += n
    values = [counts[b] for b in buckets.starts]
    completed = sum(v[0] for v in values)
    total = sum(sum(v) for v in values)
    summary = ngettext(
        "%(completed)s of %(count)s visit completed.",
        "%(completed)s of %(count)s visits completed.",
        total,
        completed=_num(completed),
        count=_num(total),
    )
    if completed:
        best = max(buckets.starts, key=lambda b: counts[b][0])
        summary += " " + (
            _(
                "Most completed in the week of %(week)s: %(num)s.",
                week=buckets.label(best),
                num=_num(counts[best][0]),
            )
            if buckets.by == "week"
            else _(
                "Most completed in %(month)s: %(num)s.",
                month=buckets.label(best),
                num=_num(counts[best][0]),
            )
        )
    return Chart(
        key="visits",
        title=_("Visits per week, by status")
        if buckets.by == "week"
        else _("Visits per month, by status"),
        summary=summary if total else _("No visits in this report's filters."),
        categories=[buckets.label(b) for b in buckets.starts],
        series=[s for s, _statuses in STATUS_GROUPS],
        values=values,
        header=[buckets.heading, *[str(s.label) for s, _statuses in STATUS_GROUPS], _("Total")],
        rows=[[b.isoformat(), *counts[b], sum(counts[b])] for b in buckets.starts],
        columns=["period", "period_start", *[s.key for s, _statuses in STATUS_GROUPS], "total"],
        data=[[buckets.by, b, *counts[b], sum(counts[b])] for b in buckets.starts],
        note=_(
            "Each visit is counted once, in the week it was completed, else of its "
            "appointment, else of its last change. Being arranged: to arrange or contacting."
        ),
    )


# ---- coverage ---------------------------------------------------------------------------------

COVERAGE_TITLES = {
    "school": _l("Coverage by school"),
    "grade": _l("Coverage by grade"),
    "class": _l("Coverage by class"),
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
    found: dict[str, list[Coverage]] = {g: [] for g in by}
    for grouping, key, label, students, visited in db.session.execute(
        queries.coverage(scope, tuple(by))
    ):
        shown = grade_label(label) if grouping == "grade" else label
        found[grouping].append(
            Coverage(shown, int(key or 0), int(students), int(visited or 0), code=label)
        )
    if "grade" in found:
        found["grade"].sort(key=lambda c: grade_order(c.code))
    for grouping in ("school", "class"):
        if grouping in found:
            found[grouping].sort(key=lambda c: c.label)
    return found


# The CSV's columns naming what a coverage row is about, by grouping.
COVERAGE_KEYS = {
    "school": ["school_code", "school_name"],
    "grade": ["grade"],
    "class": ["class_id", "class_name"],
}


def _coverage_key(grouping: str, row: Coverage, codes: dict[int, str]) -> list:
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
    students = sum(r.students for r in rows)
    visited = sum(r.visited for r in rows)
    above = sum(1 for r in rows if r.students and r.share >= mark)
    values = {
        "share": _pct(visited / students if students else 0),
        "visited": _num(visited),
        "students": _num(students),
        "above": _num(above),
        "count": _num(len(rows)),
        "mark": _pct(mark),
    }
    summary = {
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
    heading = {"school": _("School"), "grade": _("Grade"), "class": _("Class")}[grouping]
    return Chart(
        key=f"coverage-{grouping}",
        title=str(COVERAGE_TITLES[grouping]),
        summary=summary if rows else _("No students in this report's filters."),
        categories=[r.label for r in rows],
        series=[Series("visited", _("Students visited"))],
        values=[[r.share] for r in rows],
        value_labels=[f"{_pct(r.share)} · {_num(r.visited)}/{_num(r.students)}" for r in rows],
        percent=True,
        mark=mark,
        header=[heading, _("Students"), _("Visited"), _("Coverage (%)")],
        rows=[[r.label, r.students, r.visited, f"{r.share * 100:.1f}"] for r in rows],
        columns=[*COVERAGE_KEYS[grouping], "students", "students_visited", "coverage_percent"],
        data=[
            [*_coverage_key(grouping, r, codes or {}), r.students, r.visited]
            + [f"{r.share * 100:.1f}"]
            for r in rows
        ],
        note=_(
            "Share of students whose family had a completed visit. The dashed line is the "
            "%(mark)s mark research found made a difference.",
            mark=_pct(mark),
        ),
    )


# ---- follow-ups -------------------------------------------------------------------------------


def follow_ups_chart(scope: Scope) -> Chart:
    found = list(db.session.execute(queries.follow_ups_by_day(scope)))
    still_open = sum(n for _, kind, n in found if kind == "open")
    rows = [(_as_date(d), kind, n) for d, kind, n in found if kind != "open"]
    buckets = Buckets.spanning(d for d, _, _ in rows)
    counts: dict[date, list[int]] = {b: [0, 0] for b in buckets.starts}
    for day, kind, n in rows:
        counts[buckets.of(day)][0 if kind == "opened" else 1] += n
    opened = sum(c[0] for c in counts.values())
    closed = sum(c[1] for c in counts.values())
    return Chart(
        key="follow-ups",
        title=_("Follow-ups opened and closed, by week")
        if buckets.by == "week"
        else _("Follow-ups opened and closed, by month"),
        summary=ngettext(
            "%(count)s follow-up opened and %(closed)s closed; %(open)s still open.",
            "%(count)s follow-ups opened and %(closed)s closed; %(open)s still open.",
            opened,
            count=_num(opened),
            closed=_num(closed),
            open=_num(still_open),
        )
        if rows or still_open
        else _("No follow-ups in this report's filters."),
        categories=[buckets.label(b) for b in buckets.starts],
        series=[Series("opened", _("Follow-ups opened")), Series("closed", _("Follow-ups closed"))],
        values=[counts[b] for b in buckets.starts],
        stacked=False,
        header=[buckets.heading, _("Follow-ups opened"), _("Follow-ups closed")],
        rows=[[b.isoformat(), *counts[b]] for b in buckets.starts],
        columns=["period", "period_start", "opened", "closed"],
        data=[[buckets.by, b, *counts[b]] for b in buckets.starts],
        note=_("Commitments made at visits, by the day they were made and the day they were done."),
    )


# ---- training ---------------------------------------------------------------------------------

TRAINING_ORDER = [
    TrainingStatus.TRAINED,
    TrainingStatus.LAPSING_SOON,
    TrainingStatus.LAPSED,
    TrainingStatus.NOT_TRAINED,
]


def training_by_school(
    school_ids: tuple[int, ...] | None, on: date
) -> dict[int, dict[TrainingStatus, int]]:
    """Per school, how many of its active staff are in each training status on ``on``: the
    trained-staff roster's statuses (decided in SQL, held equal to ``rules.training_status``),
    counted by school."""
    counts: dict[int, dict[TrainingStatus, int]] = {}
    for school_id, status, people in db.session.execute(
        training_queries.status_counts_by_school(school_ids, on)
    ):
        counts.setdefault(school_id, dict.fromkeys(TRAINING_ORDER, 0))[TrainingStatus(status)] = (
            people
        )
    return counts


def training_chart(schools: Sequence[School], counts: dict[int, dict]) -> Chart:
    empty = dict.fromkeys(TRAINING_ORDER, 0)
    per_school = [(s, counts.get(s.id, empty)) for s in schools]
    total = sum(sum(c.values()) for _, c in per_school)
    can_visit = sum(
        c[TrainingStatus.TRAINED] + c[TrainingStatus.LAPSING_SOON] for _, c in per_school
    )
    lapsed = sum(c[TrainingStatus.LAPSED] for _, c in per_school)
    untrained = sum(c[TrainingStatus.NOT_TRAINED] for _, c in per_school)
    labels = {status: status.label for status in TrainingStatus}  # one label each (rules)
    return Chart(
        key="training",
        title=_("Training status of staff, by school"),
        summary=_(
            "%(can_visit)s of %(total)s staff can visit (trained, including lapsing soon); "
            "%(lapsed)s lapsed, %(untrained)s not trained.",
            can_visit=_num(can_visit),
            total=_num(total),
            lapsed=_num(lapsed),
            untrained=_num(untrained),
        )
        if total
        else _("No staff in this report's schools."),
        categories=[s.name for s, _c in per_school],
        series=[Series(s.value, labels[s]) for s in TRAINING_ORDER],
        values=[[c[s] for s in TRAINING_ORDER] for _s, c in per_school],
        header=[_("School"), *[labels[s] for s in TRAINING_ORDER], _("Staff")],
        rows=[[s.name, *[c[t] for t in TRAINING_ORDER], sum(c.values())] for s, c in per_school],
        columns=["school_code", "school_name", *[t.value for t in TRAINING_ORDER], "staff"],
        data=[
            [s.code, s.name, *[c[t] for t in TRAINING_ORDER], sum(c.values())]
            for s, c in per_school
        ],
        note=_(
            "Active visitors and coordinators today. Lapsing soon: within 30 days. Someone "
            "on the staff of two schools counts at each."
        ),
    )


# ---- families ---------------------------------------------------------------------------------


def families_chart(scope: Scope) -> Chart:
    by_language: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for language, interpreter, n in db.session.execute(queries.families_by_language(scope)):
        by_language[language or ""][0 if interpreter else 1] += n
    order = sorted(by_language, key=lambda code: (-sum(by_language[code]), code))
    families = sum(sum(v) for v in by_language.values())
    interpreter = sum(v[0] for v in by_language.values())

    def name(code: str) -> str:
        return str(LANGUAGES.get(code, code or _("Not recorded")))

    others = [c for c in order if c not in ("en", "")]  # "": not known
    summary = ngettext(
        "%(count)s family; %(interpreter)s need an interpreter.",
        "%(count)s families; %(interpreter)s need an interpreter.",
        families,
        count=_num(families),
        interpreter=_num(interpreter),
    )
    if others:
        summary += " " + _(
            "Most common home language other than English: %(language)s (%(num)s).",
            language=name(others[0]),
            num=_num(sum(by_language[others[0]])),
        )
    return Chart(
        key="families",
        title=_("Families by home language and interpreter need"),
        summary=summary if families else _("No families in this report's filters."),
        categories=[name(c) for c in order],
        series=[
            Series("interpreter", _("Interpreter needed")),
            Series("none", _("No interpreter")),
        ],
        values=[by_language[c] for c in order],
        header=[_("Home language"), _("Interpreter needed"), _("No interpreter"), _("Families")],
        rows=[[name(c), *by_language[c], sum(by_language[c])] for c in order],
        columns=[
            "home_language",
            "families_interpreter_needed",
            "families_no_interpreter",
            "families",
        ],
        data=[[c, *by_language[c], sum(by_language[c])] for c in order],  # "" not recorded
        note=_("Families with a current student in the report's schools and grade."),
    )


# ---- hours ------------------------------------------------------------------------------------


def hours_chart(scope: Scope) -> Chart:
    months: dict[date, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for year, month, role, hours, _people in db.session.execute(queries.hours_by_month(scope)):
        months[date(int(year), int(month), 1)][0 if role == TeamRole.VISITOR else 1] += Decimal(
            hours or 0
        )
    buckets = Buckets("month", _months(min(months), max(months)) if months else [])
    values = [months.get(b, [Decimal(0), Decimal(0)]) for b in buckets.starts]
    total = sum(sum(v) for v in values)
    months_n = len(buckets.starts)
    summary = ngettext(
        "%(hours)s hours recorded over %(count)s month.",
        "%(hours)s hours recorded over %(count)s months.",
        months_n,
        hours=_num(total, HOURS),
        count=_num(months_n),
    )
    if total:
        best = max(buckets.starts, key=lambda b: sum(months.get(b, [0, 0])))
        summary += " " + _(
            "Most in %(month)s: %(hours)s.",
            month=buckets.label(best),
            hours=_num(sum(months[best]), HOURS),
        )
    table = [
        [b.strftime("%Y-%m"), f"{v[0]:.2f}", f"{v[1]:.2f}", f"{sum(v):.2f}"]
        for b, v in zip(buckets.starts, values, strict=True)
    ]
    return Chart(
        key="hours",
        title=_("Hours recorded per month"),
        summary=summary if total else _("No hours recorded in this report's filters."),
        categories=[buckets.label(b) for b in buckets.starts],
        series=[Series("visitor", _("Visitors")), Series("interpreter", _("Interpreters"))],
        values=[[float(v[0]), float(v[1])] for v in values],
        value_labels=[_("%(hours)s h", hours=_num(sum(v), HOURS)) for v in values],
        header=[_("Month"), _("Visitor hours"), _("Interpreter hours"), _("Total hours")],
        rows=table,
        columns=["month", "visitor_hours", "interpreter_hours", "total_hours"],
        data=table,  # the table's own: ISO months and plain numbers
        note=_("Hours earned by team members for completed visits, by the day they were earned."),
    )


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
