"""The charts' geometry (fieldapp/reports/charts.py), piece by piece: the legend, the scale, the
plot's frame, the bars (stacked and side by side), the labels and the mark line. Pure functions
of a ``Chart``: no database, no request."""

from __future__ import annotations

import pytest

from fieldapp.reports.charts import (
    CHAR,
    LABEL_LEFT_MAX,
    WIDTH,
    Chart,
    Grid,
    Series,
    bars_side_by_side,
    fitted,
    grid,
    layout,
    legend,
    scale_max,
    stacked_bars,
    value_labels,
)


def chart(values, categories=None, series=2, **kw) -> Chart:
    categories = categories or [f"Room {i}" for i in range(len(values))]
    return Chart(
        key="test",
        title="Test",
        summary="",
        categories=categories,
        series=[Series(f"s{i}", f"Series {i}") for i in range(series)],
        values=values,
        header=[],
        rows=[],
        **kw,
    )


def frame(**kw) -> Grid:
    values = {"top": 0.0, "x0": 10.0, "span": 100.0, "scale": 10.0, "bar_h": 18, "row_h": 28}
    values |= {"labels_left": True, "side_by_side": False, "value_w": 23.2}
    return Grid(**values | kw)


# ---- the legend -------------------------------------------------------------------------------


def test_one_series_needs_no_legend():
    assert legend([Series("visited", "Students visited")]) == ([], 0.0)


def test_the_legend_wraps_to_the_width_and_says_how_tall_it_is():
    labels = ["Completed", "Scheduled", "Being arranged", "Declined or cancelled"]
    items, height = legend([Series(str(i), label) for i, label in enumerate(labels)])
    # A swatch, a gap and the words: 40 units and 7.6 a character.
    assert [i["x"] for i in items] == pytest.approx([0, 108.4, 0, 146.4])
    assert [i["y"] for i in items] == [0, 0, 22, 22]  # the third would pass 360: a new line
    assert [i["fill"] for i in items] == [0, 1, 2, 3] and items[2]["label"] == "Being arranged"
    assert height == pytest.approx(22 + 30)


# ---- the scale --------------------------------------------------------------------------------


def test_the_scale_ends_at_a_round_number_above_the_longest_bar():
    assert scale_max(chart([[3, 4], [1, 1]])) == 10  # stacked: 7 at most
    assert scale_max(chart([[3, 4], [1, 1]], stacked=False)) == 5  # side by side: 4
    assert scale_max(chart([[25]], series=1)) == 25
    assert scale_max(chart([])) == 1.0  # nothing to show still has a scale


def test_shares_leave_room_past_the_largest_and_the_mark_sits_at_40_percent_at_most():
    assert scale_max(chart([[0.1], [0.3]], series=1, percent=True)) == 0.5  # 0.3 × 1.05
    marked = chart([[0.1], [0.3]], series=1, percent=True, mark=0.25)
    assert scale_max(marked) == pytest.approx(0.625)  # 0.25 is 40 % of it
    assert scale_max(chart([[0.9]], series=1, percent=True, mark=0.1)) == 1.0


def test_a_rows_number_is_its_total_unless_the_chart_brings_its_own():
    assert value_labels(chart([[3, 4], [1, 1.5]])) == ["7", "2.5"]
    assert value_labels(chart([[3, 4]], stacked=False)) == ["4"]
    assert value_labels(chart([[0.5]], series=1, value_labels=["50 %"])) == ["50 %"]


# ---- the frame: where labels, bars and numbers go ---------------------------------------------


def test_short_labels_sit_left_of_their_bars_and_the_number_at_the_end():
    g = grid(chart([[5, 7]], categories=["Grade 3"]), 0.0, ["12"])
    assert g.labels_left and not g.side_by_side
    assert g.x0 == pytest.approx(7 * CHAR + 10)  # the longest label, and a gap
    assert g.x0 + g.span == pytest.approx(WIDTH - (2 * CHAR + 8))  # room for "12"
    assert (g.bar_h, g.row_h) == (18, 18 + 10)


def test_a_long_label_puts_every_label_above_its_bar_across_the_whole_width():
    name = "Alder Elementary"
    assert len(name) > LABEL_LEFT_MAX
    g = grid(chart([[5, 7]], categories=[name]), 20.0, ["12"])
    assert not g.labels_left and (g.top, g.x0, g.span) == (20.0, 0.0, WIDTH)
    assert g.row_h == 18 + 32  # the label's line above the bar


def test_side_by_side_bars_are_thin_and_stop_short_of_their_own_numbers():
    g = grid(chart([[5, 7]], series=3, stacked=False), 0.0, ["7"])
    assert g.side_by_side and g.bar_h == 11
    assert g.row_h == 3 * 11 + 2 * 2 + 10  # three bars, 2 units apart
    assert g.x0 + g.span == pytest.approx(WIDTH - 4 * CHAR)


def test_one_series_unstacked_is_not_side_by_side():
    g = grid(chart([[5]], series=1, stacked=False), 0.0, ["5"])
    assert not g.side_by_side and g.bar_h == 18


# ---- bars and labels --------------------------------------------------------------------------


def test_stacked_bars_run_end_to_end_from_the_axis():
    bars = stacked_bars(frame(), [3, 0, 2], 40.0)
    assert [(b["x"], b["w"], b["fill"]) for b in bars] == [(10, 30, 0), (40, 0, 1), (40, 20, 2)]
    assert {(b["y"], b["h"]) for b in bars} == {(40.0, 18)}


def test_side_by_side_bars_start_at_the_axis_one_under_the_other_with_their_numbers():
    bars = bars_side_by_side(frame(bar_h=11, side_by_side=True), [3, 2], ["3", "2 (50 %)"], 0.0)
    assert [(b["x"], b["y"], b["w"]) for b in bars] == [(10, 0, 30), (10, 13, 20)]
    assert [(b["text"], b["tx"], b["ty"]) for b in bars] == [
        ("3", 44, 9.5),
        ("2 (50 %)", 34, 22.5),
    ]


def test_a_scale_of_nothing_draws_no_bar():
    assert stacked_bars(frame(scale=0), [3], 0.0)[0]["w"] == 0


def test_a_label_above_its_bar_is_cut_short_where_it_would_not_fit():
    g = frame(labels_left=False)
    room = int((WIDTH - g.value_w - 8) / CHAR)
    assert fitted("x" * room, g) == "x" * room
    assert fitted("x" * (room + 5), g) == "x" * (room - 1) + "…"


# ---- the whole layout -------------------------------------------------------------------------


def test_rows_follow_each_other_with_their_label_and_number_on_the_bars_middle():
    geo = layout(chart([[3, 4], [1, 1]], categories=["K", "Grade 3"]))
    assert [r["bars"][0]["y"] for r in geo["rows"]] == [30.0, 58.0]  # below a one-line legend
    assert [(r["text"], r["value"]) for r in geo["rows"]] == [("K", "7"), ("Grade 3", "2")]
    assert geo["rows"][0]["ly"] == geo["rows"][0]["vy"] == 30 + 18 / 2 + 5
    assert geo["height"] == pytest.approx(30 + 2 * 28 + 4)
    assert geo["mark"] is None and geo["x0"] == pytest.approx(7 * CHAR + 10)


def test_side_by_side_rows_take_their_numbers_from_bar_labels():
    c = chart([[3, 1.5]], stacked=False, bar_labels=[["3 (67 %)", "1.5"]])
    (row,) = layout(c)["rows"]
    assert row["value"] == "" and [b["text"] for b in row["bars"]] == ["3 (67 %)", "1.5"]
    (plain,) = layout(chart([[3, 1.5]], stacked=False))["rows"]
    assert [b["text"] for b in plain["bars"]] == ["3", "1.5"]


def test_the_mark_is_drawn_across_each_rows_bar_with_its_label_above_the_first():
    c = chart(
        [[0.3], [0.1]],
        categories=["Room K", "Room 3"],
        series=1,
        percent=True,
        mark=0.25,
        value_labels=["50 %", "10 %"],
    )
    geo = layout(c)
    g = grid(c, 20.0, ["50 %", "10 %"])
    assert geo["mark"]["x"] == pytest.approx(g.x0 + 0.4 * g.span)
    assert geo["mark"]["label_y"] == 10.0  # in the 20 units left above the rows
    assert geo["mark"]["segments"] == [(17.0, 41.0), (45.0, 69.0)]


def test_an_empty_chart_still_has_a_height():
    geo = layout(chart([], series=1))
    assert (geo["rows"], geo["legend"], geo["height"]) == ([], [], 24)
