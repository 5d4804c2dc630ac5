"""Did the visits help? Attendance of students whose family was visited this school year against
those whose family was not, and of visited students before and after their first visit.

The figures come from one aggregate statement (``groups``): a student's months of the school year
are summed per student (days enrolled and absent, and those before and after the month of their
family's first completed visit), then counted by grade and visited or not. Only aggregates leave
the database. Definitions, also written on the page:
- chronically absent: missed 10 % or more of the days enrolled (over the months counted);
- attendance rate: days present over days enrolled, of the group's days together;
- visited: the student was among those of a completed visit at the school(s) this school year;
- before and after: the months before, and after, the month of that first visit (the month
  itself is left out), for visited students with attendance on both sides.

A group of fewer than ``MIN_GROUP`` students is suppressed (no count, no figure), and so is the
next smallest group of its series when it alone is suppressed, so that the total cannot give it
away; a group under ``SMALL_GROUP`` is flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, case, func, select

from fieldapp import rules
from fieldapp.extensions import built_once, db
from fieldapp.grades import grade_label, grade_order
from fieldapp.i18n import gettext as _
from fieldapp.i18n import lazy_gettext as _l
from fieldapp.models import AttendanceMonth, School, Student, Visit, VisitStatus, VisitStudent
from fieldapp.reports.charts import Chart, Series
from fieldapp.reports.formats import num as _num
from fieldapp.reports.formats import pct as percent
from fieldapp.reports.queries import local_date, month_start, zone_offsets

MIN_GROUP = 10
SMALL_GROUP = 30
ALL_GRADES = ""  # the key of the row over every grade


@dataclass(frozen=True)
class Year:
    """A school year: 1 July to 30 June, named by the year it starts in."""

    start: int

    @classmethod
    def of(cls, day: date) -> Year:
        return cls(rules.school_year(day)[0].year)

    @property
    def first(self) -> date:
        return rules.school_year(date(self.start, 7, 1))[0]

    @property
    def last(self) -> date:
        return rules.school_year(date(self.start, 7, 1))[1]

    @property
    def label(self) -> str:
        return rules.school_year_label(self.first)


# ---- the statement ----------------------------------------------------------------------------


def _school_filter(column, school_ids: tuple[int, ...] | None) -> list:
    return [] if school_ids is None else [column.in_(school_ids)]


@built_once  # per schools, year and zone: building this one was a fifth of the page
def groups(school_ids: tuple[int, ...] | None, year: Year, timezone: str) -> Select:
    """(grade, visited 1/0, students, chronic, enrolled, absent, paired, chronic before, chronic
    after, enrolled before, absent before, enrolled after, absent after), by grade and visited,
    for students with days enrolled in ``year`` at the schools (None: all)."""
    zone = ZoneInfo(timezone)
    lo = datetime.combine(year.first, time(), zone).astimezone(UTC)
    hi = datetime.combine(year.last + timedelta(days=1), time(), zone).astimezone(UTC)
    first_at = func.min(Visit.completed_at)
    first = (
        select(
            VisitStudent.student_id.label("student_id"),
            first_at.label("first_at"),
            # The month of the first visit, by the school's clock: worked out once per student
            # here, not on each of their months below (7,650 rows for a school of 765).
            month_start(local_date(first_at, zone_offsets(timezone, year.first, year.last))).label(
                "visit_month"
            ),
        )
        .join(Visit, Visit.id == VisitStudent.visit_id)
        .where(
            Visit.status == VisitStatus.COMPLETED,
            Visit.completed_at >= lo,
            Visit.completed_at < hi,
            *_school_filter(Visit.school_id, school_ids),
        )
        .group_by(VisitStudent.student_id)
        .subquery("first_visits")
    )
    visit_month = first.c.visit_month
    enrolled, absent, month = (
        AttendanceMonth.days_enrolled,
        AttendanceMonth.days_absent,
        AttendanceMonth.month,
    )
    before, after = month < visit_month, month > visit_month
    per = (
        select(
            # One grade and one first visit per student: max() of the one value, so that the
            # rows group by student alone, in the order the (student, school, month) index
            # already reads them (grouping by all three sorted the year's months again).
            func.max(Student.grade).label("grade"),
            case((func.max(first.c.first_at).is_not(None), 1), else_=0).label("visited"),
            func.sum(enrolled).label("e"),
            func.sum(absent).label("a"),
            func.sum(case((before, enrolled), else_=0)).label("eb"),
            func.sum(case((before, absent), else_=0)).label("ab"),
            func.sum(case((after, enrolled), else_=0)).label("ea"),
            func.sum(case((after, absent), else_=0)).label("aa"),
        )
        .join(Student, Student.id == AttendanceMonth.student_id)
        .outerjoin(first, first.c.student_id == AttendanceMonth.student_id)
        .where(
            month >= year.first,
            month <= year.last,
            *_school_filter(AttendanceMonth.school_id, school_ids),
        )
        .group_by(AttendanceMonth.student_id)
        .subquery("per_student")
    )
    paired = and_(per.c.eb > 0, per.c.ea > 0)

    def count(condition):
        return func.sum(case((condition, 1), else_=0))

    def total(condition, value):
        return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

    return (
        select(
            per.c.grade,
            per.c.visited,
            func.count(),
            count(per.c.a * rules.CHRONIC_DIVISOR >= per.c.e),
            func.sum(per.c.e),
            func.sum(per.c.a),
            count(paired),
            count(and_(paired, per.c.ab * rules.CHRONIC_DIVISOR >= per.c.eb)),
            count(and_(paired, per.c.aa * rules.CHRONIC_DIVISOR >= per.c.ea)),
            total(paired, per.c.eb),
            total(paired, per.c.ab),
            total(paired, per.c.ea),
            total(paired, per.c.aa),
        )
        .where(per.c.e > 0)
        .group_by(per.c.grade, per.c.visited)
    )


@built_once
def roster_students(school_ids: tuple[int, ...] | None) -> Select:
    return select(func.count(Student.id)).where(
        Student.active.is_(True), *_school_filter(Student.school_id, school_ids)
    )


@built_once
def years_with_data(school_ids: tuple[int, ...] | None) -> Select:
    """The first and the last month with attendance at the schools: each school's from the two
    ends of its part of the (school, month) index, then over the schools. (Min and max in one
    SELECT read every month of a school; over all schools at once, every month of the
    district: 118 ms for 612,000 months, against 2 ms school by school.)"""

    def month(edge):
        return (
            select(edge(AttendanceMonth.month))
            .where(AttendanceMonth.school_id == School.id)
            .scalar_subquery()
        )

    per_school = (
        select(month(func.min).label("first"), month(func.max).label("last"))
        .select_from(School)
        .where(*_school_filter(School.id, school_ids))
        .subquery()
    )
    return select(func.min(per_school.c.first), func.max(per_school.c.last))


# ---- the figures ------------------------------------------------------------------------------


@dataclass
class Group:
    students: int = 0
    chronic: int = 0
    enrolled: Decimal = Decimal(0)
    absent: Decimal = Decimal(0)
    suppressed: bool = False

    def add(self, students: int, chronic: int, enrolled, absent) -> None:
        self.students += int(students or 0)
        self.chronic += int(chronic or 0)
        self.enrolled += Decimal(enrolled or 0)
        self.absent += Decimal(absent or 0)

    @property
    def shown(self) -> bool:
        return self.students > 0 and not self.suppressed

    @property
    def small(self) -> bool:
        return self.shown and self.students < SMALL_GROUP

    @property
    def chronic_share(self) -> float | None:
        return self.chronic / self.students if self.shown else None

    @property
    def attendance_rate(self) -> float | None:
        if not self.shown or not self.enrolled:
            return None
        return float((self.enrolled - self.absent) / self.enrolled)


SERIES = ("visited", "not_visited", "before", "after")


@dataclass
class GradeRow:
    grade: str  # its code ("K", "3"), ALL_GRADES for every grade
    groups: dict[str, Group] = field(default_factory=lambda: {s: Group() for s in SERIES})

    @property
    def label(self) -> str:
        return _("All grades") if self.grade == ALL_GRADES else grade_label(self.grade)


@dataclass
class Impact:
    year: Year
    rows: list[GradeRow]  # every grade in order, then all grades
    roster: int  # active students on the roster at the schools

    @property
    def total(self) -> GradeRow:
        return self.rows[-1]

    @property
    def with_attendance(self) -> int:
        t = self.total.groups
        return t["visited"].students + t["not_visited"].students

    @property
    def visited_share(self) -> float | None:
        n = self.with_attendance
        return self.total.groups["visited"].students / n if n else None

    @property
    def empty(self) -> bool:
        return self.with_attendance == 0


def suppress(rows: list[GradeRow]) -> None:
    """Hide groups under ``MIN_GROUP`` and, per series, the next smallest when one grade's alone
    is hidden (the series' total would give it away). Visited and not visited of one grade are
    never summed on the page, so the rule runs down each series, not across."""
    grades, total = rows[:-1], rows[-1]
    for series in SERIES:
        cells = [r.groups[series] for r in grades]
        for g in [*cells, total.groups[series]]:
            if 0 < g.students < MIN_GROUP:
                g.suppressed = True
        hidden = [g for g in cells if g.suppressed]
        if len(hidden) == 1 and total.groups[series].shown:
            others = [g for g in cells if g.students and not g.suppressed]
            if others:
                min(others, key=lambda g: g.students).suppressed = True


def impact(school_ids: tuple[int, ...] | None, year: Year, timezone: str) -> Impact:
    by_grade: dict[str, GradeRow] = {}
    total = GradeRow(ALL_GRADES)
    for grade, visited, n, chronic, e, a, paired, cb, ca, eb, ab, ea, aa in db.session.execute(
        groups(school_ids, year, timezone)
    ):
        row = by_grade.setdefault(grade or "", GradeRow(grade or ""))
        for target in (row, total):
            target.groups["visited" if visited else "not_visited"].add(n, chronic, e, a)
            if visited:
                target.groups["before"].add(paired, cb, eb, ab)
                target.groups["after"].add(paired, ca, ea, aa)
    rows = [by_grade[g] for g in sorted(by_grade, key=grade_order)]
    rows.append(total)
    suppress(rows)
    return Impact(year, rows, db.session.scalar(roster_students(school_ids)) or 0)


def years(school_ids: tuple[int, ...] | None, today: date) -> list[Year]:
    """The school years to choose from, newest first: from the first with attendance to this one."""
    first, last = db.session.execute(years_with_data(school_ids)).one()
    current = Year.of(today)
    if first is None:
        return [current]
    lo = Year.of(date.fromisoformat(str(first)[:10])).start
    hi = max(Year.of(date.fromisoformat(str(last)[:10])).start, current.start)
    return [Year(y) for y in range(hi, lo - 1, -1)]


# ---- the charts -------------------------------------------------------------------------------

SUPPRESSED_MARK = "–"
LABELS = {
    "visited": _l("Visited"),
    "not_visited": _l("Not visited"),
    "before": _l("Before the first visit"),
    "after": _l("After the first visit"),
}
CHARTS = ("impact-chronic", "impact-attendance", "impact-before-after")


def _pct(value: float | None) -> str:
    return SUPPRESSED_MARK if value is None else percent(value)


def _count(g: Group) -> str:
    if g.suppressed:
        return _("fewer than %(num)d", num=MIN_GROUP)
    return _num(g.students)


def _csv_rows(rows: list[GradeRow], series: tuple[str, str]) -> list[list]:
    out = []
    for r in rows:
        for s in series:
            g = r.groups[s]
            share, rate = g.chronic_share, g.attendance_rate
            out.append(
                [
                    r.grade or "all",
                    s,
                    g.students if g.shown else ("" if g.suppressed else 0),
                    g.chronic if g.shown else "",
                    f"{share * 100:.1f}" if share is not None else "",
                    f"{g.enrolled:f}" if g.shown else "",
                    f"{g.absent:f}" if g.shown else "",
                    f"{rate * 100:.1f}" if rate is not None else "",
                    int(g.suppressed),
                    int(g.small),
                ]
            )
    return out


CSV_COLUMNS = [
    "grade",
    "group",
    "students",
    "chronically_absent",
    "chronic_absence_percent",
    "days_enrolled",
    "days_absent",
    "attendance_rate_percent",
    "suppressed",
    "small_group",
]


def _chart(
    key: str, title: str, rows: list[GradeRow], series: tuple[str, str], figure: str, note: str
) -> Chart:
    """Grouped bars: each grade (all grades first), ``series`` side by side; ``figure``:
    "chronic" (share chronically absent) or "rate" (attendance rate)."""
    ordered = [rows[-1], *rows[:-1]]

    def value(g: Group) -> float | None:
        return g.chronic_share if figure == "chronic" else g.attendance_rate

    total = rows[-1].groups
    a, b = (value(total[s]) for s in series)
    if a is None or b is None:
        summary = _("Too few students in one of the groups to compare.")
    elif figure == "chronic":
        summary = _(
            "Over all grades, %(a)s of students %(first)s were chronically absent, against "
            "%(b)s %(second)s.",
            a=_pct(a),
            b=_pct(b),
            first=_in_words(series[0]),
            second=_in_words(series[1]),
        )
    else:
        summary = _(
            "Over all grades, the attendance rate was %(a)s %(first)s, against %(b)s %(second)s.",
            a=_pct(a),
            b=_pct(b),
            first=_in_words(series[0]),
            second=_in_words(series[1]),
        )
    header = [_("Grade")]
    for s in series:
        header += [
            _("%(group)s: students", group=LABELS[s]),
            _("%(group)s: chronically absent", group=LABELS[s]),
            _("%(group)s: attendance rate", group=LABELS[s]),
        ]
    table = []
    for r in ordered:
        cells: list = [r.label]
        for s in series:
            g = r.groups[s]
            flag = " *" if g.small else ""
            cells += [_count(g) + flag, _pct(g.chronic_share), _pct(g.attendance_rate)]
        table.append(cells)
    return Chart(
        key=key,
        title=title,
        summary=summary,
        categories=[r.label for r in ordered],
        series=[Series(s, str(LABELS[s])) for s in series],
        values=[[value(r.groups[s]) or 0.0 for s in series] for r in ordered],
        bar_labels=[[_pct(value(r.groups[s])) for s in series] for r in ordered],
        stacked=False,
        percent=True,
        header=header,
        rows=table,
        columns=CSV_COLUMNS,
        data=_csv_rows(ordered, series),
        note=note,
    )


def _in_words(series: str) -> str:
    return {
        "visited": _("whose family was visited"),
        "not_visited": _("whose family was not"),
        "before": _("before the first visit"),
        "after": _("after it"),
    }[series]


def charts(result: Impact, only: str | None = None) -> list[Chart]:
    rows = result.rows
    wanted = set(CHARTS) if only is None else {only}
    found = []
    if "impact-chronic" in wanted:
        found.append(
            _chart(
                "impact-chronic",
                _("Chronic absence: visited and not visited"),
                rows,
                ("visited", "not_visited"),
                "chronic",
                _(
                    "Share of students who missed 10%% or more of their enrolled days this "
                    "school year. A dash: fewer than %(num)d students, not shown.",
                    num=MIN_GROUP,
                ),
            )
        )
    if "impact-attendance" in wanted:
        found.append(
            _chart(
                "impact-attendance",
                _("Attendance rate: visited and not visited"),
                rows,
                ("visited", "not_visited"),
                "rate",
                _("Days present over days enrolled, of each group's days together."),
            )
        )
    if "impact-before-after" in wanted:
        found.append(
            _chart(
                "impact-before-after",
                _("Chronic absence before and after the first visit"),
                rows,
                ("before", "after"),
                "chronic",
                _(
                    "Visited students with attendance both before and after the month of "
                    "their first visit; that month itself is left out."
                ),
            )
        )
    return found
