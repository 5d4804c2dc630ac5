"""Time buckets for the charts over time: weeks (from Monday) for a short span, else months."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import format_skeleton

from fieldapp.i18n import current_locale
from fieldapp.i18n import gettext as _

WEEKS_AT_MOST = 26  # a longer span is shown by month


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
        return cls("month", months(first, last))

    def of(self, day: date) -> date:
        if self.by == "week":
            return day - timedelta(days=day.weekday())
        return day.replace(day=1)

    def label(self, start: date) -> str:
        """ "5 Oct" or "Oct 2026", month names in the reader's language."""
        skeleton = "dMMM" if self.by == "week" else "yMMM"
        return format_skeleton(skeleton, start, locale=current_locale()).replace(".", "")

    @property
    def heading(self) -> str:
        return _("Week of") if self.by == "week" else _("Month")


def months(first: date, last: date) -> list[date]:
    """The first days of the months from ``first``'s to ``last``'s."""
    found, month = [], first.replace(day=1)
    while month <= last:
        found.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return found


def as_date(value) -> date:
    """A day as the database returned it (a date, or ISO text from a UNION on SQLite)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
