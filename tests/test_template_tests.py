"""A visit's state in templates comes from the rules' own sets (``visit is to_agree``), never
from lists of status names written into templates."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from fieldapp import rules
from fieldapp.models import VisitStatus

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@pytest.mark.parametrize("status", list(VisitStatus))
def test_each_template_test_follows_its_rule_set(app, status):
    tests = app.jinja_env.tests
    visit = SimpleNamespace(status=status)
    assert tests["open"](visit) == (status in rules.OPEN_STATUSES)
    assert tests["to_agree"](visit) == (status in rules.TO_AGREE_STATUSES)
    assert tests["timed"](visit) == (status in rules.TIMED_STATUSES)
    assert tests["with_reason"](visit) == (status in rules.WITH_REASON_STATUSES)
    assert tests["scheduled"](visit) == (status == VisitStatus.SCHEDULED)


def test_no_template_compares_a_visit_s_status_by_name():
    found = [
        f"{path.relative_to(TEMPLATES)}:{n}"
        for path in TEMPLATES.rglob("*.html")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if "visit.status.value ==" in line or "visit.status.value in" in line
    ]
    assert not found, found
