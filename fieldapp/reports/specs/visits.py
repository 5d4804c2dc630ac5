"""Visits per week (or month), by status."""

from __future__ import annotations

from datetime import date

from fieldapp.extensions import db
from fieldapp.i18n import gettext as _
from fieldapp.i18n import lazy_gettext as _l
from fieldapp.i18n import ngettext
from fieldapp.models import VisitStatus
from fieldapp.reports import queries
from fieldapp.reports.buckets import Buckets, as_date
from fieldapp.reports.charts import Chart, Series
from fieldapp.reports.formats import num
from fieldapp.reports.queries import Scope

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
SERIES = [s for s, _statuses in STATUS_GROUPS]


def counts(scope: Scope) -> tuple[Buckets, dict[date, list[int]]]:
    """Per week (or month), the visits in each status group, in ``STATUS_GROUPS``' order."""
    rows = [
        (as_date(d), s, n)
        for d, s, n in db.session.execute(queries.visits_by_day_and_status(scope))
    ]
    buckets = Buckets.spanning(d for d, _, _ in rows)
    group_of = {status: i for i, (_, statuses) in enumerate(STATUS_GROUPS) for status in statuses}
    found: dict[date, list[int]] = {b: [0] * len(STATUS_GROUPS) for b in buckets.starts}
    for day, status, n in rows:
        found[buckets.of(day)][group_of[status]] += n
    return buckets, found


def summary(buckets: Buckets, found: dict[date, list[int]]) -> str:
    completed = sum(v[0] for v in found.values())
    total = sum(sum(v) for v in found.values())
    if not total:
        return _("No visits in this report's filters.")
    text = ngettext(
        "%(completed)s of %(count)s visit completed.",
        "%(completed)s of %(count)s visits completed.",
        total,
        completed=num(completed),
        count=num(total),
    )
    if not completed:
        return text
    best = max(buckets.starts, key=lambda b: found[b][0])
    if buckets.by == "week":
        best_text = _(
            "Most completed in the week of %(week)s: %(num)s.",
            week=buckets.label(best),
            num=num(found[best][0]),
        )
    else:
        best_text = _(
            "Most completed in %(month)s: %(num)s.",
            month=buckets.label(best),
            num=num(found[best][0]),
        )
    return text + " " + best_text


def visits_chart(scope: Scope) -> Chart:
    buckets, found = counts(scope)
    return Chart(
        key="visits",
        title=_("Visits per week, by status")
        if buckets.by == "week"
        else _("Visits per month, by status"),
        summary=summary(buckets, found),
        categories=[buckets.label(b) for b in buckets.starts],
        series=list(SERIES),
        values=[found[b] for b in buckets.starts],
        header=[buckets.heading, *[str(s.label) for s in SERIES], _("Total")],
        rows=[[b.isoformat(), *found[b], sum(found[b])] for b in buckets.starts],
        columns=["period", "period_start", *[s.key for s in SERIES], "total"],
        data=[[buckets.by, b, *found[b], sum(found[b])] for b in buckets.starts],
        note=_(
            "Each visit is counted once, in the week it was completed, else of its "
            "appointment, else of its last change. Being arranged: to arrange or contacting."
        ),
    )
