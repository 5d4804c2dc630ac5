"""Reports: the programme report (coordinators: their schools; admins: the district), the
district side by side (admins), training status (trainers). Each chart's data is also a CSV.

Filters are query-string values (school, round, start, end, grade), so that a filtered report
is a URL to bookmark and share; HTMX applies them in place and pushes the URL."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, request
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from fieldapp import clock, policy
from fieldapp.fields import csv_response
from fieldapp.models import Role
from fieldapp.rendering import render
from fieldapp.reports import impact, services
from fieldapp.reports.charts import layout
from fieldapp.reports.filters import Filters
from fieldapp.reports.filters import read as read_filters
from fieldapp.reports.forms import YearForm

bp = Blueprint("reports", __name__)


def _filters(allowed: set[int] | None, *, by_school: bool = True) -> Filters:
    return read_filters(
        request.args,
        allowed,
        current_user,
        current_app.config["DEFAULT_TIMEZONE"],
        by_school=by_school,
    )


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


# ---- did the visits help? ----------------------------------------------------------------------


def _impact_filters() -> tuple[Filters, YearForm, impact.Year]:
    """The school (as the programme report chooses it) and the school year."""
    filters = read_filters(
        MultiDict({"school": request.args.get("school", "")}),
        policy.report_school_ids(current_user),
        current_user,
        current_app.config["DEFAULT_TIMEZONE"],
    )
    years = impact.years(filters.scope.school_ids, _today(filters))
    form = YearForm(request.args)
    form.year.choices = [SelectChoice(str(y.start), y.label) for y in years]
    if not form.validate() or not form.year.data:
        form.year.data = str(years[0].start)
    return filters, form, impact.Year(int(form.year.data))


@bp.get("/impact")
@policy.requires(policy.view_reports)
def impact_report():
    filters, year_form, year = _impact_filters()
    result = (
        impact.impact(filters.scope.school_ids, year, filters.scope.timezone)
        if filters.schools
        else None
    )
    return render(
        "reports/impact.html",
        block=None if _print_view() else "report",
        status=422 if year_form.errors else 200,
        filters=filters,
        year_form=year_form,
        year=year,
        result=result,
        charts=impact.charts(result) if result and not result.empty else [],
        args={**filters.args, "year": str(year.start)},
        min_group=impact.MIN_GROUP,
        small_group=impact.SMALL_GROUP,
        printed_on=_today(filters),
        print_view=_print_view(),
        layout=layout,
    )


@bp.get("/impact/<name>.csv")
@policy.requires(policy.view_reports)
def impact_csv(name: str):
    if name not in impact.CHARTS:
        abort(404)
    filters, year_form, year = _impact_filters()
    if year_form.errors or not filters.schools:
        abort(400 if year_form.errors else 404)
    result = impact.impact(filters.scope.school_ids, year, filters.scope.timezone)
    chart = impact.charts(result, only=name)[0]
    school = filters.args.get("school", "all")
    return csv_response(
        chart.columns, chart.data, f"{name}-{school}-{year.start}-{_today(filters).isoformat()}.csv"
    )


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
