"""Charts as data, and their geometry for a small SVG template (``templates/macros/charts.html``).

A ``Chart`` holds what a report shows: a title, a one-sentence summary for screen readers, the
bars (categories × series) and the table under the chart, which is also its CSV. ``layout``
turns a chart into rectangles and text positions in a 360-unit-wide ``viewBox``: the SVG scales
to the screen, and 14-unit text stays readable on a 360 px phone. Horizontal bars, so that long
labels (class names, schools) need no rotation; a label longer than fits goes above its bar.
Series differ by pattern as well as colour, and every figure is also written out. ``layout``
is put together from small pure functions (``legend``, ``scale_max``, ``grid``, the bars,
``mark_line``), each tested on its own (tests/reports/test_charts.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from fieldapp.reports.formats import num

WIDTH = 360
FONT = 14
CHAR = 7.6  # the width of an average character at FONT, for fitting labels
LABEL_LEFT_MAX = 12  # labels up to this long sit left of their bar


@dataclass(frozen=True)
class Series:
    key: str
    label: str


@dataclass
class Chart:
    key: str
    title: str
    summary: str
    categories: list[str]
    series: list[Series]
    values: list[list[float]]  # values[category][series]
    header: list[str]
    rows: list[list]
    stacked: bool = True
    percent: bool = False  # values are shares (0–1); ``mark`` draws a line at that share
    mark: float | None = None
    value_labels: list[str] = field(default_factory=list)
    bar_labels: list[list[str]] = field(default_factory=list)  # side by side: each bar's number
    note: str = ""
    unit: str = ""
    # Its CSV (docs/csv.md): machine column names and rows of data (codes, ISO dates, plain
    # numbers), the same in every language; ``header`` and ``rows`` are the table for people.
    columns: list[str] = field(default_factory=list)
    data: list[list] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.categories


# Fills, by series position: a colour and a pattern each, so no series is told by colour alone.
FILLS = [
    {"pattern": "solid", "color": "#1f5f8b", "light": "#1f5f8b"},
    {"pattern": "hatch", "color": "#2e7d4f", "light": "#d7eedf"},
    {"pattern": "dots", "color": "#8a5a00", "light": "#fbecd0"},
    {"pattern": "cross", "color": "#7a2e2e", "light": "#f4dede"},
]


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exponent:
            return step * exponent
    return 10 * exponent


def _fmt(value: float) -> str:
    """A bar's number in the reader's language ("1,234.5" in English, "1234,5" in Spanish)."""
    return num(value, "#,##0" if float(value).is_integer() else "#,##0.0")


# ---- the parts of the geometry, each a pure function of the chart ------------------------------


def side_by_side(chart: Chart) -> bool:
    """Unstacked bars of several series: one bar per series, each carrying its own number."""
    return not chart.stacked and len(chart.series) > 1


def legend(series: Sequence[Series]) -> tuple[list[dict], float]:
    """The legend's items, wrapped to the width, and the height they take (none for one series)."""
    if len(series) <= 1:
        return [], 0.0
    items = []
    x, y = 0.0, 0.0
    for i, s in enumerate(series):
        width = 18 + 6 + len(s.label) * CHAR + 16
        if x + width > WIDTH and x > 0:
            x, y = 0.0, y + 22
        items.append({"x": x, "y": y, "label": s.label, "fill": i})
        x += width
    return items, y + 30


def totals(chart: Chart) -> list[float]:
    """Each category's reach on the scale: its stack's sum, or its longest bar side by side."""
    return [sum(v) if chart.stacked else max(v, default=0) for v in chart.values]


def value_labels(chart: Chart) -> list[str]:
    """The number written at the end of each row: the chart's own, else its total."""
    return chart.value_labels or [_fmt(total) for total in totals(chart)]


def scale_max(chart: Chart) -> float:
    """The value at the right end of the bars: a round number above the largest, and for shares
    with a mark, room to see the mark (at 40 % of the width at most)."""
    top = max([*totals(chart), chart.mark or 0, 0])
    if not chart.percent:
        return _nice_max(top)
    return max(_nice_max(top * 1.05), (chart.mark or 0) * 2.5)


@dataclass(frozen=True)
class Grid:
    """Where the rows go: from ``top`` down, ``row_h`` apart; bars from ``x0`` over ``span`` for
    values up to ``scale``. Labels sit left of their bar when all are short, else above it."""

    top: float
    x0: float
    span: float
    scale: float
    bar_h: int
    row_h: int
    labels_left: bool
    side_by_side: bool
    value_w: float

    def length(self, value: float) -> float:
        return self.span * value / self.scale if self.scale else 0


def _bars_end(labels_left: bool, several: bool, value_w: float) -> float:
    """Where the longest bar ends: short of each bar's number side by side, else short of the
    row's number when it shares the line with the label."""
    if several:
        return WIDTH - 4 * CHAR
    return WIDTH - value_w if labels_left else WIDTH


def grid(chart: Chart, top: float, values: Sequence[str]) -> Grid:
    """The plot's frame below ``top`` (the legend's height), for the row numbers ``values``."""
    labels_left = max((len(c) for c in chart.categories), default=0) <= LABEL_LEFT_MAX
    value_w = max((len(v) for v in values), default=1) * CHAR + 8
    several = side_by_side(chart)
    x0 = max((len(c) for c in chart.categories), default=1) * CHAR + 10 if labels_left else 0.0
    x1 = _bars_end(labels_left, several, value_w)
    n = len(chart.series)
    bar_h = 11 if several else 18
    bars_h = bar_h * n + 2 * (n - 1) if several else bar_h
    return Grid(
        top=top,
        x0=x0,
        span=x1 - x0,
        scale=scale_max(chart),
        bar_h=bar_h,
        row_h=bars_h + (10 if labels_left else 32),
        labels_left=labels_left,
        side_by_side=several,
        value_w=value_w,
    )


def stacked_bars(g: Grid, values: Sequence[float], y: float) -> list[dict]:
    """One bar per series, end to end from the axis (or a single series' one bar)."""
    bars, cursor = [], g.x0
    for j, value in enumerate(values):
        width = g.length(value)
        bars.append({"x": cursor, "y": y, "w": width, "h": g.bar_h, "fill": j})
        cursor += width
    return bars


def bars_side_by_side(
    g: Grid, values: Sequence[float], texts: Sequence[str], y: float
) -> list[dict]:
    """One thin bar per series, one under the other, each with its number (``texts``) after it."""
    bars = []
    for j, value in enumerate(values):
        width, by = g.length(value), y + j * (g.bar_h + 2)
        bars.append(
            {"x": g.x0, "y": by, "w": width, "h": g.bar_h, "fill": j, "text": texts[j]}
            | {"tx": g.x0 + width + 4, "ty": by + g.bar_h - 1.5}
        )
    return bars


def fitted(label: str, g: Grid) -> str:
    """A category's label, cut short with "…" where it would not fit."""
    room = LABEL_LEFT_MAX if g.labels_left else int((WIDTH - g.value_w - 8) / CHAR)
    return label if len(label) <= room else label[: room - 1] + "…"


def row(chart: Chart, g: Grid, i: int, category: str, values: list[float], value: str) -> dict:
    """The ``i``-th row: the category's label, its number (``value``) and its bars."""
    row_y = g.top + i * g.row_h
    bar_y = row_y + (0 if g.labels_left else 20)
    if g.side_by_side:
        texts = chart.bar_labels[i] if chart.bar_labels else [_fmt(v) for v in values]
        bars = bars_side_by_side(g, values, texts, bar_y)
    else:
        bars = stacked_bars(g, values, bar_y)
    text_y = bar_y + g.bar_h / 2 + 5 if g.labels_left else row_y + 14
    shown = "" if g.side_by_side else value
    return {
        "label": category,
        # What a pointer over the row reads: its number, or each bar's.
        "title": shown or " / ".join(str(b.get("text", "")) for b in bars),
        "text": fitted(category, g),
        "lx": 0,
        "ly": text_y,
        "value": shown,
        "vx": WIDTH,
        "vy": text_y,
        "bars": bars,
    }


def mark_line(chart: Chart, g: Grid, rows: Sequence[dict]) -> dict | None:
    """The dashed line at ``chart.mark``, drawn across each row's bars only, so that it never
    runs through a label above a bar; its label goes above the first row."""
    if chart.mark is None:
        return None
    segments = [(b["y"] - 3, b["y"] + b["h"] + 3) for r in rows for b in r["bars"][:1]]
    return {"x": g.x0 + g.span * chart.mark / g.scale, "segments": segments, "label_y": g.top - 10}


def layout(chart: Chart) -> dict:
    """Positions for the SVG: legend items, rows (label, value text, bars) and the mark line."""
    items, top = legend(chart.series)
    if chart.mark is not None:
        top += 20  # room for the mark's label
    numbers = value_labels(chart)
    g = grid(chart, top, numbers)
    pairs = enumerate(zip(chart.categories, chart.values, strict=True))
    rows = [row(chart, g, i, category, values, numbers[i]) for i, (category, values) in pairs]
    return {
        "width": WIDTH,
        "height": max(top + len(rows) * g.row_h + 4, 24),
        "legend": items,
        "rows": rows,
        "x0": g.x0,
        "mark": mark_line(chart, g, rows),
        "fills": FILLS,
        "font": FONT,
    }
