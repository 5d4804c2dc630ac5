"""Hours earned by visitors and interpreters for completed visits, per month."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from fieldapp.extensions import db
from fieldapp.i18n import gettext as _
from fieldapp.i18n import ngettext
from fieldapp.models import TeamRole
from fieldapp.reports import queries
from fieldapp.reports.buckets import Buckets, months
from fieldapp.reports.charts import Chart, Series
from fieldapp.reports.formats import num
from fieldapp.reports.queries import Scope

HOURS = "#,##0.00"  # hours for people: two decimals, grouped, in the reader's language


def counts(scope: Scope) -> tuple[Buckets, list[list[Decimal]]]:
    """Every month from the first with hours to the last: [visitor hours, interpreter hours]."""
    found: dict[date, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for month, role, hours in db.session.execute(queries.hours_by_month(scope)):
        found[month][0 if role == TeamRole.VISITOR else 1] += Decimal(hours or 0)
    buckets = Buckets("month", months(min(found), max(found)) if found else [])
    return buckets, [found.get(b, [Decimal(0), Decimal(0)]) for b in buckets.starts]


def summary(buckets: Buckets, values: list[list[Decimal]]) -> str:
    total = sum(sum(v) for v in values)
    if not total:
        return _("No hours recorded in this report's filters.")
    months_n = len(buckets.starts)
    best = max(range(months_n), key=lambda i: sum(values[i]))
    return (
        ngettext(
            "%(hours)s hours recorded over %(count)s month.",
            "%(hours)s hours recorded over %(count)s months.",
            months_n,
            hours=num(total, HOURS),
            count=num(months_n),
        )
        + " "
        + _(
            "Most in %(month)s: %(hours)s.",
            month=buckets.label(buckets.starts[best]),
            hours=num(sum(values[best]), HOURS),
        )
    )


def hours_chart(scope: Scope) -> Chart:
    buckets, values = counts(scope)
    table = [
        [b.strftime("%Y-%m"), f"{v[0]:.2f}", f"{v[1]:.2f}", f"{sum(v):.2f}"]
        for b, v in zip(buckets.starts, values, strict=True)
    ]
    return Chart(
        key="hours",
        title=_("Hours recorded per month"),
        summary=summary(buckets, values),
        categories=[buckets.label(b) for b in buckets.starts],
        series=[Series("visitor", _("Visitors")), Series("interpreter", _("Interpreters"))],
        values=[[float(v[0]), float(v[1])] for v in values],
        value_labels=[_("%(hours)s h", hours=num(sum(v), HOURS)) for v in values],
        header=[_("Month"), _("Visitor hours"), _("Interpreter hours"), _("Total hours")],
        rows=table,
        columns=["month", "visitor_hours", "interpreter_hours", "total_hours"],
        data=table,  # the table's own: ISO months and plain numbers
        note=_("Hours earned by team members for completed visits, by the day they were earned."),
    )
