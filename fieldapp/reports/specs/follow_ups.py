"""Follow-ups (commitments made at visits) opened and closed, by week (or month)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fieldapp.extensions import db
from fieldapp.i18n import gettext as _
from fieldapp.i18n import ngettext
from fieldapp.reports import queries
from fieldapp.reports.buckets import Buckets, as_date
from fieldapp.reports.charts import Chart, Series
from fieldapp.reports.formats import num
from fieldapp.reports.queries import Scope


@dataclass
class FollowUps:
    buckets: Buckets
    counts: dict[date, list[int]]  # per bucket: [opened, closed]
    still_open: int

    @property
    def opened(self) -> int:
        return sum(c[0] for c in self.counts.values())

    @property
    def closed(self) -> int:
        return sum(c[1] for c in self.counts.values())


def counts(scope: Scope) -> FollowUps:
    found = list(db.session.execute(queries.follow_ups_by_day(scope)))
    still_open = sum(n for _, kind, n in found if kind == "open")
    rows = [(as_date(d), kind, n) for d, kind, n in found if kind != "open"]
    buckets = Buckets.spanning(d for d, _, _ in rows)
    per_bucket: dict[date, list[int]] = {b: [0, 0] for b in buckets.starts}
    for day, kind, n in rows:
        per_bucket[buckets.of(day)][0 if kind == "opened" else 1] += n
    return FollowUps(buckets, per_bucket, still_open)


def summary(f: FollowUps) -> str:
    if not (f.buckets.starts or f.still_open):
        return _("No follow-ups in this report's filters.")
    return ngettext(
        "%(count)s follow-up opened and %(closed)s closed; %(open)s still open.",
        "%(count)s follow-ups opened and %(closed)s closed; %(open)s still open.",
        f.opened,
        count=num(f.opened),
        closed=num(f.closed),
        open=num(f.still_open),
    )


def follow_ups_chart(scope: Scope) -> Chart:
    f = counts(scope)
    buckets = f.buckets
    return Chart(
        key="follow-ups",
        title=_("Follow-ups opened and closed, by week")
        if buckets.by == "week"
        else _("Follow-ups opened and closed, by month"),
        summary=summary(f),
        categories=[buckets.label(b) for b in buckets.starts],
        series=[Series("opened", _("Follow-ups opened")), Series("closed", _("Follow-ups closed"))],
        values=[f.counts[b] for b in buckets.starts],
        stacked=False,
        header=[buckets.heading, _("Follow-ups opened"), _("Follow-ups closed")],
        rows=[[b.isoformat(), *f.counts[b]] for b in buckets.starts],
        columns=["period", "period_start", "opened", "closed"],
        data=[[buckets.by, b, *f.counts[b]] for b in buckets.starts],
        note=_("Commitments made at visits, by the day they were made and the day they were done."),
    )
