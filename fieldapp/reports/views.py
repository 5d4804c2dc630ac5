"""Reports: the programme report (coordinators: their schools; admins: the district), the
district side by side (admins), training status (trainers). Each chart's data is also a CSV.

Filters are query-string values (school, round, start, end, grade), so that a filtered report
is a URL to bookmark and share; HTMX applies them in place and pushes the URL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import Blueprint, abort, current_app, request
from flask_login import current_user
from wtforms import SelectChoice

from fieldapp import clock, policy
from fieldapp.extensions import db
from fieldapp.fields import csv_response, parse_id
from fieldapp.formatting import format_date
from fieldapp.grades import grade_label
from fieldapp.i18n import gettext as _
from fieldapp.models import Role, Round, School
from fieldapp.rendering import render
from fieldapp.reports import queries, services
from fieldapp.reports.charts import layout
from fieldapp.reports.forms import ReportFilterForm
from fieldapp.reports.queries import Scope
from fieldapp.rounds import queries as round_queries

bp = Blueprint("reports", __name__)


@dataclass
class Filters:
    form: ReportFilterForm
    scope: Scope
    schools: list[School]  # the schools this person may choose from
    school: School | None  # the one chosen (None: all of them)
    rounds: list[Round] = field(default_factory=list)
    round: Round | None = None
    notice: str | None = None

    @property
    def status(self) -> int:
        return 422 if self.form.errors else 200

    @property
    def in_scope(self) -> list[School]:
        return [self.school] if self.school else self.schools

    @property
    def args(self) -> dict[str, str]:
        """The filters in force, as query-string values (for links, CSVs and the print view)."""
        s = self.scope
        values = {
            "school": self.school.id if self.school else None,
            "round": s.round_id,
            "start": s.start.isoformat() if s.start else None,
            "end": s.end.isoformat() if s.end else None,
            "grade": s.grade,
        }
        return {k: str(v) for k, v in values.items() if v is not None}

    @property
    def described(self) -> list[tuple[str, str, str]]:
        """The filters in words, for the printed page's header: (key, label, value)."""
        s = self.scope
        if s.start or s.end:
            dates = _(
                "%(start)s to %(end)s",
                start=format_date(s.start) if s.start else "…",
                end=format_date(s.end) if s.end else "…",
            )
        else:
            dates = _("All dates")
        return [
            ("school", _("School"), self.school.name if self.school else _("All schools")),
            ("round", _("Round"), self.round.name if self.round else _("All rounds")),
            ("dates", _("Dates"), dates),
            ("grade", _("Grade"), grade_label(s.grade) if s.grade else _("All grades")),
        ]


def _schools(allowed: set[int] | None) -> list[School]:
    if allowed is None:
        return list(db.session.scalars(queries.schools()))
    # A coordinator's schools come with their roles (loaded with the user): no query.
    mine = {a.school.id: a.school for a in current_user.roles if a.school_id in allowed}
    return sorted(mine.values(), key=lambda s: s.name)


def _filters(allowed: set[int] | None, *, by_school: bool = True) -> Filters:
    """The report's filters from the query string. An id that is not a school (or round) this
    person may see is a 404; a bad date, grade or range keeps its message beside the field."""
    form = ReportFilterForm(request.args)
    form.validate()
    schools = _schools(allowed)
    school = None
    if by_school:
        raw = request.args.get("school", "")
        if raw:
            wanted = parse_id(raw)
            school = next((s for s in schools if s.id == wanted), None)
            if school is None:
                abort(404)
        elif allowed is not None and schools:
            school = schools[0]  # a coordinator's report is about one school at a time
    form.school.choices = ([] if allowed is not None else [SelectChoice("", _("All schools"))]) + [
        SelectChoice(str(s.id), s.name) for s in schools
    ]
    form.school.data = str(school.id) if school else ""
    rounds = list(db.session.scalars(round_queries.rounds(school.id))) if school else []
    chosen_round, notice = None, None
    raw_round = request.args.get("round", "")
    if by_school and raw_round:
        wanted = parse_id(raw_round)
        if wanted is None:
            abort(404)
        chosen_round = next((r for r in rounds if r.id == wanted), None)
        if chosen_round is None:  # e.g. the school was just changed: not an error to shout
            notice = _("That round is not one of this school's: showing all rounds.")
    form.round.choices = [SelectChoice("", _("All rounds"))] + [
        SelectChoice(str(r.id), r.name if r.is_open else _("%(round)s (closed)", round=r.name))
        for r in rounds
    ]
    form.round.data = str(chosen_round.id) if chosen_round else ""
    if school is not None:
        ids: tuple[int, ...] | None = (school.id,)
    else:
        ids = None if allowed is None else tuple(sorted(s.id for s in schools))
    scope = Scope(
        school_ids=ids,
        round_id=chosen_round.id if chosen_round else None,
        start=None if form.start.errors else form.start.data,
        end=None if form.end.errors else form.end.data,
        grade=None if form.grade.errors else (form.grade.data or None),
        timezone=school.timezone if school else current_app.config["DEFAULT_TIMEZONE"],
    )
    return Filters(form, scope, schools, school, rounds, chosen_round, notice)


def _today(filters: Filters) -> date:
    return clock.today(filters.scope.zone)


def _print_view() -> bool:
    return request.args.get("print") == "1"


# ---- the programme report ---------------------------------------------------------------------


@bp.get("/")
@policy.requires(policy.view_reports)
def report():
    filters = _filters(policy.report_school_ids(current_user))
    charts = (
        services.report_charts(filters.scope, filters.in_scope, _today(filters))
        if filters.schools
        else []
    )
    return render(
        "reports/report.html",
        block=None if _print_view() else "report",
        status=filters.status,
        filters=filters,
        charts=charts,
        printed_on=_today(filters),
        print_view=_print_view(),
        layout=layout,
        is_admin=current_user.has_role(Role.ADMIN),
    )


@bp.get("/data/<name>.csv")
@policy.requires(policy.view_reports)
def chart_csv(name: str):
    if name not in services.REPORT_CHARTS:
        abort(404)
    filters = _filters(policy.report_school_ids(current_user))
    if filters.form.errors:
        abort(400)
    charts = services.report_charts(filters.scope, filters.in_scope, _today(filters), only=name)
    if not charts:
        abort(404)  # e.g. coverage by class of the whole district: not a chart of this report
    return _csv(charts[0].columns, charts[0].data, name, filters)


def _csv(header, rows, name: str, filters: Filters):
    suffix = "-".join(filters.args.get(k, "all") for k in ("school", "round"))
    return csv_response(header, rows, f"{name}-{suffix}-{_today(filters).isoformat()}.csv")


# ---- the district, side by side ---------------------------------------------------------------


def _sort() -> tuple[str, bool]:
    column = request.args.get("sort", "school")
    direction = request.args.get("dir", "asc" if column == "school" else "desc")
    if column not in services.DISTRICT_COLUMNS or direction not in ("asc", "desc"):
        abort(400)
    return column, direction == "desc"


@bp.get("/district")
@policy.requires(policy.view_district_report)
def district():
    filters = _filters(None, by_school=False)
    sort, descending = _sort()
    rows, coverage, training = services.district_rows(
        filters.schools, filters.scope, _today(filters), sort, descending
    )
    charts = [
        services.coverage_chart("school", coverage["school"]),
        services.training_chart(filters.schools, training),
    ]
    return render(
        "reports/district.html",
        block=None if _print_view() else "report",
        status=filters.status,
        filters=filters,
        rows=rows,
        columns=services.DISTRICT_COLUMNS,
        sort=sort,
        descending=descending,
        sort_args=(sort_args := {"sort": sort, "dir": "desc" if descending else "asc"}),
        link_args={**filters.args, **sort_args},
        charts=charts,
        printed_on=_today(filters),
        print_view=_print_view(),
        layout=layout,
    )


@bp.get("/district.csv")
@policy.requires(policy.view_district_report)
def district_csv():
    filters = _filters(None, by_school=False)
    if filters.form.errors:
        abort(400)
    sort, descending = _sort()
    rows, _coverage, _training = services.district_rows(
        filters.schools, filters.scope, _today(filters), sort, descending
    )
    return _csv(services.DISTRICT_CSV_HEADER, services.district_table(rows), "district", filters)


# ---- training ---------------------------------------------------------------------------------


def _training(filters: Filters):
    counts = services.training_by_school(filters.scope.school_ids, _today(filters))
    return services.training_chart(filters.in_scope, counts)


@bp.get("/training")
@policy.requires(policy.view_training_report)
def training():
    filters = _filters(None)
    return render(
        "reports/training.html",
        block=None if _print_view() else "report",
        status=filters.status,
        filters=filters,
        charts=[_training(filters)],
        printed_on=_today(filters),
        print_view=_print_view(),
        layout=layout,
    )


@bp.get("/training.csv")
@policy.requires(policy.view_training_report)
def training_csv():
    filters = _filters(None)
    chart = _training(filters)
    return _csv(chart.columns, chart.data, "training", filters)
