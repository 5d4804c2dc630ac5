"""No naive day: a stored UTC moment becomes a day or a day word only through ``fieldapp.clock``
(``local_date``, ``today``, ``days_from_today``), in a school's zone. This test reads the source
of ``fieldapp/`` and fails on a new ``date.today()``, ``datetime.now()``/``utcnow()`` or
``<datetime>.date()`` outside ``clock.py``: the UTC date is tomorrow in California from 4 pm
(5 pm in winter), and ``date.today()`` is the server's day, in the server's zone."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "fieldapp"

# (file, function) where a listed call is right, and why. Keep it short: each entry is a place
# a reviewer has read; a new one needs the same reading.
ALLOWED = {
    # The moment a row is written (a column default), never turned into a day.
    ("models/base.py", "utcnow"): "datetime.now",
    # ``start`` was made local (``astimezone(tz)``) two lines above: its date is the school's.
    ("visits/views.py", "schedule"): ".date()",
    ("visits/queries.py", "group_my_visits"): ".date()",
}


def _calls(tree: ast.AST):
    """(function name, call kind, line) of each suspicious call, with the enclosing function."""
    found = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = function
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = child.name
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute):
                kind = _kind(child)
                if kind:
                    found.append((name, kind, child.lineno))
            visit(child, name)

    visit(tree, "<module>")
    return found


def _kind(call: ast.Call) -> str | None:
    attr, owner = call.func.attr, call.func.value
    owner_name = owner.id if isinstance(owner, ast.Name) else None
    if attr == "today" and owner_name in ("date", "datetime"):
        return "date.today"
    if attr in ("now", "utcnow") and owner_name == "datetime":
        return "datetime.now"
    if attr == "date" and not call.args:
        # ``moment.astimezone(tz).date()`` is local by construction, unless the zone is UTC.
        if (
            isinstance(owner, ast.Call)
            and isinstance(owner.func, ast.Attribute)
            and owner.func.attr == "astimezone"
            and owner.args
        ):
            zone = owner.args[0]
            if not (isinstance(zone, ast.Name) and zone.id == "UTC"):
                return None
        return ".date()"
    return None


def naive_conversions(root: Path = ROOT) -> list[str]:
    problems = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative == "clock.py":
            continue
        for function, kind, line in _calls(ast.parse(path.read_text(), str(path))):
            if ALLOWED.get((relative, function)) == kind:
                continue
            problems.append(f"fieldapp/{relative}:{line} {kind} in {function}()")
    return problems


def test_no_naive_day_outside_the_clock():
    assert naive_conversions() == [], (
        "Use clock.local_date(moment, tz) / clock.today(tz) / clock.now() instead"
    )


@pytest.mark.parametrize(
    "source",
    [
        "def f(s):\n    return s.starts_at.date()\n",
        "from datetime import date\ndef f():\n    return date.today()\n",
        "from datetime import datetime\ndef f():\n    return datetime.now()\n",
        "from datetime import datetime\ndef f():\n    return datetime.today()\n",
        "from datetime import UTC\ndef f(s):\n    return s.astimezone(UTC).date()\n",
    ],
)
def test_the_scan_catches_each_naive_conversion(tmp_path, source):
    (tmp_path / "feature.py").write_text(source)
    assert len(naive_conversions(tmp_path)) == 1


def test_the_scan_accepts_a_local_conversion(tmp_path):
    (tmp_path / "feature.py").write_text(
        "from fieldapp import clock\n"
        "def f(s, tz):\n"
        "    return clock.local_date(s.starts_at, tz), s.starts_at.astimezone(tz).date()\n"
    )
    assert naive_conversions(tmp_path) == []
