"""Chart geometry (desk.charts) and the link-check policy page."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from django.conf import settings

from desk import charts
from desk.policy import described_names, policy_settings

DAYS = [date(2026, 11, 1) + timedelta(days=i) for i in range(30)]


@pytest.mark.parametrize(
    ("maximum", "ticks"),
    [
        (0, [0, 1]),
        (3, [0, 1, 2, 3]),
        (7, [0, 2, 4, 6, 8]),
        (95, [0, 25, 50, 75, 100]),
        (1234, [0, 500, 1000, 1500]),
    ],
)
def test_value_axes_get_round_ticks_reaching_past_the_maximum(maximum, ticks):
    assert charts.nice_ticks(maximum) == ticks


def test_a_line_chart_runs_from_the_first_day_at_the_left_to_today_at_the_right():
    chart = charts.line_chart(DAYS, [("new", "New", [0] * 29 + [8])])
    (line,) = chart.lines
    points = [tuple(map(float, p.split(","))) for p in line.points.split()]
    assert points[0] == (chart.plot.left, chart.plot.bottom)
    assert points[-1][0] == chart.plot.right
    assert points[-1][1] == chart.plot.top  # 8 is the top tick
    assert chart.x_ticks[-1].label == "30 Nov"  # today always has its label
    assert len(chart.x_ticks) <= 8


def test_direct_labels_of_lines_ending_together_are_moved_apart():
    chart = charts.line_chart(DAYS, [(key, key, [5] * 30) for key in ("a", "b", "c")])
    ys = sorted(line.label_y for line in chart.lines)
    assert all(b - a >= charts.LABEL_GAP - 0.01 for a, b in itertools.pairwise(ys))


def test_stacked_columns_stack_each_days_values_up_to_their_total():
    chart = charts.stacked_columns(
        DAYS[:3], [("alive", "Alive", [4, 2, 0]), ("dead", "Dead", [0, 2, 0])]
    )
    first, second, third = chart.columns
    alive, dead = second.segments
    assert alive.y + alive.height == pytest.approx(chart.plot.bottom)
    assert dead.y + dead.height == pytest.approx(alive.y)
    assert second.total == 4 and third.total == 0
    assert first.title == "1 Nov 2026: Alive 4, Dead 0"


def test_bars_are_as_long_as_their_values_and_long_labels_are_cut():
    chart = charts.bar_chart([("A" * 40, [("x", 10, "")]), ("Short", [("x", 5, "#123456")])])
    long_row, short_row = chart.rows
    assert long_row.bars[0].width == pytest.approx(chart.plot.width)
    assert short_row.bars[0].width == pytest.approx(chart.plot.width / 2, abs=0.1)
    assert short_row.bars[0].fill == "#123456"
    assert long_row.short.endswith("\u2026") and len(long_row.short) == 24


def test_columns_without_a_value_are_drawn_as_no_data():
    chart = charts.column_chart([("w1", 2.0), ("w2", None)])
    assert chart.columns[0].has_value and not chart.columns[1].has_value
    assert chart.columns[1].value_label == "\u2013"


# --------------------------------------------------------------------- link-check policy


def test_every_link_check_setting_is_described_on_the_policy_page():
    names = {
        name
        for name in dir(settings)
        if name.startswith(("FACTCHECK_LINK_", "FACTCHECK_FETCH_", "FACTCHECK_ARCHIVE_"))
    }
    assert names - described_names() == set(), "describe these settings in desk/policy.py"
    assert described_names() - names == set(), "these described settings no longer exist"


def test_policy_values_read_in_their_units():
    shown = {row.name: row for _, rows in policy_settings() for row in rows}
    assert (
        shown["FACTCHECK_LINK_DEAD_POINTS"].shown == f"{settings.FACTCHECK_LINK_DEAD_POINTS} points"
    )
    alive = shown["FACTCHECK_LINK_RECHECK_ALIVE_HOURS"]
    assert alive.shown == "168 hours" and alive.in_days == "7 days"


@pytest.mark.django_db
def test_the_policy_page_shows_current_values_to_admins(client_for, settings):
    settings.FACTCHECK_LINK_DEAD_POINTS = 5
    html = client_for("admin").get("/review/link-policy/").content.decode()
    assert "FACTCHECK_LINK_DEAD_POINTS" in html
    assert "5 points" in html
    assert "Link-check policy" in html
