from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user

from fieldapp import audit, clock, policy
from fieldapp.extensions import db
from fieldapp.fields import csv_response, parse_id
from fieldapp.formatting import format_date
from fieldapp.i18n import gettext as _
from fieldapp.models import HoursMode, School
from fieldapp.rendering import redirect_after_post, render
from fieldapp.schools import queries, services
from fieldapp.schools.dashboard import dashboard as school_dashboard
from fieldapp.schools.forms import HoursRangeForm, HoursSettingsForm

bp = Blueprint("schools", __name__)


@bp.get("/")
@policy.requires(policy.coordinate)
def home():
    schools = db.session.scalars(queries.coordinated_schools(current_user.id)).all()
    if len(schools) == 1:
        return redirect(url_for("schools.dashboard", school_id=schools[0].id))
    return render("schools/list.html", schools=schools)


@bp.get("/<int:school_id>/")
@policy.requires(policy.coordinate_school, school=School)
def dashboard(school: School):
    board = school_dashboard(
        school,
        parse_id(request.args.get("round")),
        clock.today(ZoneInfo(school.timezone)),
        clock.now(),
    )
    return render("schools/dashboard.html", school=school, **board.context())


def _month_of(day: date) -> tuple[date, date]:
    start = day.replace(day=1)
    return start, (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _period(school: School) -> tuple[date, date, HoursRangeForm]:
    """The period asked for, else the last completed pay period (month) with hours in it, else
    this month; a bad period keeps its message for the form."""
    form = HoursRangeForm(request.args)
    asked = "start" in request.args or "end" in request.args
    if asked and form.validate():
        if form.start.data <= form.end.data:
            return form.start.data, form.end.data, form
        form.end.errors.append(_("The period must end after it starts."))
    this_month = clock.today(ZoneInfo(school.timezone)).replace(day=1)
    last = db.session.scalar(queries.last_day_with_hours_before(school.id, this_month))
    start, end = _month_of(last or this_month)
    if not form.errors:
        form.start.data, form.end.data = start, end
    return start, end, form


@bp.get("/<int:school_id>/hours")
@policy.requires(policy.coordinate_school, school=School)
def hours(school: School):
    start, end, form = _period(school)
    settings = HoursSettingsForm(
        mode=school.hours_mode.value, hours_per_visit=school.hours_per_visit
    )
    rows = db.session.execute(queries.hours_by_person(school.id, start, end)).all()
    return render(
        "schools/hours.html",
        school=school,
        form=form,
        settings=settings,
        start=start,
        end=end,
        rows=rows,
        totals=[sum(row[i] for row in rows) for i in range(1, 5)],
        exports=db.session.scalars(queries.exports(school.id)).all(),
    )


@bp.get("/<int:school_id>/hours.csv")
@policy.requires(policy.coordinate_school, fresh=True, school=School)
def hours_csv(school: School):
    start, end, _form = _period(school)
    audit.record(
        "hours.download",
        actor=current_user,
        obj=school,
        school_id=school.id,
        start=start.isoformat(),
        end=end.isoformat(),
    )
    db.session.commit()
    rows = db.session.execute(queries.hours_by_person(school.id, start, end)).all()
    return csv_response(
        HOURS_HEADER,
        (
            [
                user.name,
                user.email,
                user.staff_id or "",
                count,
                f"{visitor_hours:.2f}",
                f"{interpreter_hours:.2f}",
                f"{visitor_hours + interpreter_hours - pending:.2f}",
                f"{pending:.2f}",
            ]
            for user, count, visitor_hours, interpreter_hours, pending in rows
        ),
        f"hours-{school.code}-{start.isoformat()}-{end.isoformat()}.csv",
        stream=True,
    )


# The file payroll reads: machine headers that never change with the interface language.
HOURS_HEADER = [
    "name",
    "email",
    "staff_id",
    "completed_visits",
    "visitor_hours",
    "interpreter_hours",
    "exported_hours",
    "not_exported_hours",
]


@bp.post("/<int:school_id>/hours/export")
@policy.requires(policy.coordinate_school, school=School)
def mark_exported(school: School):
    start, end, _form = _period(school)
    export = services.mark_exported(school, start, end, by=current_user)
    db.session.commit()
    if export is None:
        flash(_("Nothing new to export in that period: it was exported before."), "warning")
    else:
        flash(
            _(
                "Hours from %(start)s to %(end)s are marked as exported.",
                start=format_date(start),
                end=format_date(end),
            ),
            "success",
        )
    return redirect_after_post(
        url_for("schools.hours", school_id=school.id, start=start.isoformat(), end=end.isoformat())
    )


@bp.post("/<int:school_id>/hours/settings")
@policy.requires(policy.coordinate_school, school=School)
def pay_settings(school: School):
    form = HoursSettingsForm()
    if form.validate_on_submit():
        services.set_pay(
            school,
            mode=HoursMode(form.mode.data),
            hours_per_visit=form.hours_per_visit.data,
            by=current_user,
        )
        db.session.commit()
        flash(_("Pay settings saved. They apply to visits completed from now on."), "success")
    else:
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    return redirect_after_post(url_for("schools.hours", school_id=school.id))
