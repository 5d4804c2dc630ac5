"""Rule 3: the first visit builds the relationship, once a school year: when a
school year starts and ends."""

from __future__ import annotations

from datetime import date, timedelta

# The school year starts on 1 July: first visits run in late summer and fall, second visits in
# winter and spring, and a round in June still belongs to the year that is ending.
SCHOOL_YEAR_STARTS = (7, 1)


def school_year(day: date) -> tuple[date, date]:
    """The first and last day of the school year ``day`` belongs to."""
    year = day.year if (day.month, day.day) >= SCHOOL_YEAR_STARTS else day.year - 1
    start = date(year, *SCHOOL_YEAR_STARTS)
    return start, date(year + 1, *SCHOOL_YEAR_STARTS) - timedelta(days=1)


def school_year_label(day: date) -> str:
    """ "2026–27" for any day from 1 July 2026 to 30 June 2027."""
    start, end = school_year(day)
    return f"{start.year}–{end.year % 100:02d}"
