"""A student's grade, one idea in one place: the codes the rosters give ("K", "1" … "12"; a
roster may leave it out), their order, and how a reader is told of them ("Kindergarten",
"Grade 3", in the reader's language)."""

from __future__ import annotations

from flask_babel.speaklater import LazyString

from fieldapp.i18n import gettext as _

GRADES = ("K", *(str(n) for n in range(1, 13)))


def grade_order(grade: str | None) -> tuple:
    """Kindergarten first, then 1 to 12 by number, then any other code, then none."""
    if not grade:
        return (3, 0, "")
    if grade == "K":
        return (0, 0, "")
    return (1, int(grade), "") if grade.isdigit() else (2, 0, grade)


def grade_label(grade: str | None) -> str:
    if not grade:
        return _("Grade not given")  # a roster import without one (optional in OneRoster 1.1)
    return _("Kindergarten") if grade == "K" else _("Grade %(grade)s", grade=grade)


def lazy_grade_label(grade: str | None) -> LazyString:
    """For labels made at import time (form choices)."""
    return LazyString(grade_label, grade)
