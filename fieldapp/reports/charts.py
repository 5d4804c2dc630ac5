"""Charts as data, and their geometry for a small SVG template (``templates/macros/charts.html``).

A ``Chart`` holds what a report shows: a title, a one-sentence summary for screen readers, the
bars (categories × series) and the table under the chart, which is also its CSV. ``layout``
turns a chart into rectangles and text positions in a 360-unit-wide ``viewBox``: the SVG scales
to the screen, and 14-unit text stays readable on a 360 px phone. Horizontal bars, so that long
labels (class names, schools) need no rotation; a label longer than fits goes above its bar.
Series differ by pattern as well as colour, and every figure is also written out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from babel.numbers import format_decimal
from flask_babel import get_locale

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
    pattern = "#,##0" if float(value).is_integer() else "#,##0.0"
    return format_decimal(value, pattern, locale=str(get_locale() or "en"))


def layout(chart: Chart) -> dict:
    """Positions for the SVG: legend items, rows (label, value text, bars) and the mark line."""
    series_n = len(chart.series)
    legend = []
    x, y = 0.0, 0.0
    if series_n > 1:
        for i, s in enumerate(chart.series):
            width = 18 + 6 + len(s.label) * CHAR + 16
            if x + width > WIDTH and x > 0:
                x, y = 0.0, y + 22
            legend.append({"x": x, "y": y, "label": s.label, "fill": i})
            x += width
        y += 30
    if chart.mark is not None:
        y += 20  # room for the mark's label
    labels_left = max((len(c) for c in chart.categories), default=0) <= LABEL_LEFT_MAX
    value_labels = chart.value_labels or [
        _fmt(sum(v) if chart.stacked else max(v, default=0)) for v in chart.values
    ]
    value_w = max((len(v) for v in value_labels), default=1) * CHAR + 8
    if labels_left:
        label_w = max((len(c) for c in chart.categories), default=1) * CHAR + 10
        x0 = label_w
        x1 = WIDTH - (0 if not chart.stacked and series_n > 1 else value_w)
    else:
        x0, x1 = 0.0, WIDTH
    if not chart.stacked and series_n > 1:
        x1 = WIDTH - 4 * CHAR  # each bar carries its own number
    bar_h = 18 if chart.stacked or series_n == 1 else 11
    bars_h = bar_h if chart.stacked or series_n == 1 else bar_h * series_n + 2 * (series_n - 1)
    row_h = bars_h + (10 if labels_left else 32)
    totals = [sum(v) if chart.stacked else max(v, default=0) for v in chart.values]
    top = max([*totals, chart.mark or 0, 0])
    scale_max = _nice_max(top * 1.05 if chart.percent else top)
    if chart.percent:
        scale_max = max(scale_max, (chart.mark or 0) * 2.5)
    span = x1 - x0
    rows = []
    for i, (category, values) in enumerate(zip(chart.categories, chart.values, strict=True)):
        row_y = y + i * row_h
        bar_y = row_y + (0 if labels_left else 20)
        bars = []
        cursor = x0
        for j, value in enumerate(values):
            width = span * value / scale_max if scale_max else 0
            if chart.stacked or series_n == 1:
                bars.append({"x": cursor, "y": bar_y, "w": width, "h": bar_h, "fill": j})
                cursor += width
            else:
                by = bar_y + j * (bar_h + 2)
                bars.append(
                    {
                        "x": x0,
                        "y": by,
                        "w": width,
                        "h": bar_h,
                        "fill": j,
                        "text": chart.bar_labels[i][j] if chart.bar_labels else _fmt(value),
                        "tx": x0 + width + 4,
                        "ty": by + bar_h - 1.5,
                    }
                )
        room = LABEL_LEFT_MAX if labels_left else int((WIDTH - value_w - 8) / CHAR)
        rows.append(
            {
                "label": category,
                "text": category if len(category) <= room else category[: room - 1] + "…",
                "lx": 0,
                "ly": bar_y + bar_h / 2 + 5 if labels_left else row_y + 14,
                "value": value_labels[i] if chart.stacked or series_n == 1 else "",
                "vx": WIDTH,
                "vy": bar_y + bar_h / 2 + 5 if labels_left else row_y + 14,
                "bars": bars,
            }
        )
    height = y + len(rows) * row_h + 4
    mark = None
    if chart.mark is not None:
        mx = x0 + span * chart.mark / scale_max
        # Drawn across the bars only, so that it never runs through a label above a bar.
        segments = [(b["y"] - 3, b["y"] + b["h"] + 3) for r in rows for b in r["bars"][:1]]
        mark = {"x": mx, "segments": segments, "label_y": y - 10}
    return {
        "width": WIDTH,
        "height": max(height, 24),
        "legend": legend,
        "rows": rows,
        "x0": x0,
        "mark": mark,
        "fills": FILLS,
        "font": FONT,
    }
