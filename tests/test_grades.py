"""A grade, defined once (fieldapp/grades.py): its order and how a reader is told of it."""

from __future__ import annotations

import random

from fieldapp.grades import GRADES, grade_label, grade_order
from fieldapp.i18n import in_language


def test_kindergarten_first_then_by_number_then_other_codes_then_none():
    codes = [*GRADES, "PK", "UG", "", None]
    shuffled = random.Random(4).sample(codes, len(codes))
    ordered = sorted(shuffled, key=grade_order)
    assert ordered[:13] == list(GRADES)  # "10" after "9", not after "1"
    assert ordered[13:15] == ["PK", "UG"] and ordered[15:] in (["", None], [None, ""])


def test_one_label_for_each_grade_in_the_reader_s_language(app):
    assert [grade_label(g) for g in ("K", "3", "")] == [
        "Kindergarten",
        "Grade 3",
        "Grade not given",
    ]
    with in_language("es"):
        assert grade_label("K") == "Kínder" and grade_label("3") == "Grado 3"
