"""The charts' specs (fieldapp/reports/specs/): each summary is a pure function of the numbers
its query counted, checked here without a database; the figures themselves are checked against
the database in test_figures.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fieldapp.reports.buckets import Buckets, months
from fieldapp.reports.specs import families, follow_ups, hours, visits
from fieldapp.reports.specs.coverage import Coverage
from fieldapp.reports.specs.coverage import summary as coverage_summary


def test_buckets_are_weeks_from_monday_for_half_a_year_then_months():
    weeks = Buckets.spanning([date(2026, 10, 14), date(2026, 10, 6), None])
    assert weeks == Buckets("week", [date(2026, 10, 5), date(2026, 10, 12)])
    assert weeks.of(date(2026, 10, 18)) == date(2026, 10, 12)
    long = Buckets.spanning([date(2026, 9, 1), date(2027, 6, 30)])
    assert long.by == "month" and long.starts == months(date(2026, 9, 1), date(2027, 6, 30))
    assert len(long.starts) == 10 and long.of(date(2027, 2, 14)) == date(2027, 2, 1)


def test_the_visits_summary_names_the_best_week():
    b = Buckets("week", [date(2026, 10, 5), date(2026, 10, 12)])
    found = {b.starts[0]: [2, 0, 1, 1], b.starts[1]: [3, 1, 0, 0]}
    assert visits.summary(b, found) == (
        "5 of 8 visits completed. Most completed in the week of Oct 12: 3."
    )
    assert visits.summary(b, {s: [0, 1, 0, 0] for s in b.starts}) == "0 of 2 visits completed."
    assert visits.summary(Buckets("week", []), {}) == "No visits in this report's filters."


def test_the_coverage_summary_counts_the_groups_at_the_mark():
    rows = [Coverage("K", 1, 4, 2), Coverage("3", 2, 10, 0), Coverage("6", 3, 0, 0)]
    assert coverage_summary("grade", rows) == (
        "14% of students visited overall (2 of 14); 1 of 3 grades at or above the 10% mark."
    )
    assert coverage_summary("class", []) == "No students in this report's filters."


def test_the_follow_ups_summary_counts_those_still_open_even_with_none_in_the_dates():
    b = Buckets("week", [date(2026, 10, 5)])
    f = follow_ups.FollowUps(b, {b.starts[0]: [3, 1]}, still_open=4)
    assert follow_ups.summary(f) == "3 follow-ups opened and 1 closed; 4 still open."
    none_dated = follow_ups.FollowUps(Buckets("week", []), {}, still_open=2)
    assert follow_ups.summary(none_dated) == "0 follow-ups opened and 0 closed; 2 still open."
    nothing = follow_ups.FollowUps(Buckets("week", []), {}, still_open=0)
    assert follow_ups.summary(nothing) == "No follow-ups in this report's filters."


def test_the_families_summary_names_the_commonest_language_other_than_english():
    by_language = {"en": [0, 5], "es": [2, 2], "": [0, 1]}
    assert families.summary(by_language) == (
        "10 families; 2 need an interpreter. "
        "Most common home language other than English: Spanish (4)."
    )
    assert families.summary({"en": [0, 1]}) == "1 family; 0 need an interpreter."
    assert families.summary({}) == "No families in this report's filters."


def test_the_hours_summary_names_the_busiest_month():
    b = Buckets("month", [date(2026, 9, 1), date(2026, 10, 1)])
    values = [[Decimal("1.5"), Decimal(0)], [Decimal(2), Decimal("0.25")]]
    assert hours.summary(b, values) == (
        "3.75 hours recorded over 2 months. Most in Oct 2026: 2.25."
    )
    assert hours.summary(Buckets("month", []), []) == (
        "No hours recorded in this report's filters."
    )
