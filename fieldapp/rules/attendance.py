"""Attendance (the impact report, the student's record): who is chronically absent."""

from __future__ import annotations

# Chronically absent: missed 10 % or more of the days enrolled. Compared exactly, as
# ``absent × CHRONIC_DIVISOR ≥ enrolled`` (no rounding at the line), in Python and in SQL alike.
CHRONIC_DIVISOR = 10


def chronically_absent(days_enrolled, days_absent) -> bool:
    return days_enrolled > 0 and days_absent * CHRONIC_DIVISOR >= days_enrolled
