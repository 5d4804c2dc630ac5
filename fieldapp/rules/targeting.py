"""Rule 4: no targeting. Warnings for a round that looks targeted; and a visit's hours, by the
school's pay setting."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from fieldapp.i18n import gettext as _
from fieldapp.i18n import ngettext
from fieldapp.models import HoursMode, RoundScope, School

COVERAGE_MARK = 0.10  # research found effects where a school visited at least 10% of families


def targeting_warnings(
    scope: RoundScope, in_scope_by_grade: dict[str, int], students_by_grade: dict[str, int]
) -> list[str]:
    """Gentle warnings when a round looks targeted: individual students only, or most of a
    grade left out. A school visits all students of a group, or a cross-section."""
    warnings = []
    if scope == RoundScope.STUDENTS:
        warnings.append(
            _(
                "This round picks individual students only. Visit all students of a group, or "
                "a cross-section, so that no family feels singled out."
            )
        )
    for grade, chosen in sorted(in_scope_by_grade.items()):
        total = students_by_grade.get(grade, 0)
        if chosen and total and chosen / total < 0.5:
            warnings.append(
                ngettext(
                    "It leaves out most of grade %(grade)s (%(chosen)d of %(num)d student is in "
                    "the round).",
                    "It leaves out most of grade %(grade)s (%(chosen)d of %(num)d students are in "
                    "the round).",
                    total,
                    grade=grade,
                    chosen=chosen,
                )
            )
    return warnings


def visit_hours(school: School, minutes: int) -> Decimal:
    """Hours each team member earns for a completed visit, by the school's pay setting."""
    if school.hours_mode == HoursMode.MINUTES:
        hours = Decimal(minutes) / Decimal(60)
    else:
        hours = Decimal(school.hours_per_visit)
    return hours.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
