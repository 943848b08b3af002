"""Chart geometry for the dashboard, drawn as inline SVG by the templates.

Pure functions of the numbers: they place axes, ticks, lines, bars and labels in a
``viewBox`` coordinate system and return plain dataclasses; the templates
(``templates/desk/_chart_*.html``) only write the elements out. Colours come from CSS
classes (``.series-*`` in ``static/css/app.css``) or, for rating levels, the level's own
colour as an SVG ``fill`` attribute: no inline style (the CSP forbids it), no script.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from django.utils import dateformat

# viewBox widths: charts across the page and charts in a half-width card. At the
# workbench's desktop width they are drawn about 1:1, so FONT is about the page's small text.
WIDE = 1000
NARROW = 540
FONT = 13  # px in viewBox units; the CSS sets the same size on the SVG text.
LABEL_GAP = 15  # the least vertical distance between two direct labels


@dataclass(frozen=True)
class Tick:
    value: float
    label: str
    pos: float  # the y (value axis) or x (date axis) coordinate


@dataclass(frozen=True)
class Plot:
    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def y_label_x(self) -> float:
        """Where the value axis' labels end (right-aligned, left of the plot)."""
        return self.left - 6

    @property
    def x_label_y(self) -> float:
        """The baseline of the date axis' labels (under the plot)."""
        return self.bottom + 18


def nice_ticks(maximum: float, count: int = 4, *, integer: bool = True) -> list[float]:
    """Round tick values from 0 past ``maximum``: 0, 5, 10, 15 or 0, 200, 400..."""
    if maximum <= 0:
        return [0, 1] if integer else [0, 1.0]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if integer:
        step = max(1, math.ceil(step))
    top = math.ceil(maximum / step) * step
    return [i * step for i in range(round(top / step) + 1)]


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _y_ticks(plot: Plot, maximum: float, fmt=_number) -> tuple[list[Tick], float]:
    values = nice_ticks(maximum)
    top = values[-1]
    return [Tick(v, fmt(v), round(plot.bottom - plot.height * v / top, 1)) for v in values], top


def _date_ticks(days: list[date], x_of) -> list[Tick]:
    every = max(1, math.ceil(len(days) / 8))
    # Count back from the last day, so today always has its label.
    return [
        Tick(i, dateformat.format(day, "j M"), round(x_of(i), 1))
        for i, day in enumerate(days)
        if (len(days) - 1 - i) % every == 0
    ]


# ----------------------------------------------------------------------- line chart


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    values: list[int]
    points: str  # "x,y x,y ..." for <polyline>
    end_x: float
    end_y: float
    label_y: float  # the direct label's y, moved apart from the other labels
    last: int

    @property
    def label_x(self) -> float:
        return self.end_x + 8


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    plot: Plot
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    lines: list[Line]

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def line_chart(days: list[date], series: list[tuple[str, str, list[int]]]) -> LineChart:
    """One line per ``(key, label, values)``, a value per day, with direct labels at the
    right end (so the lines are told apart by words, not colour alone)."""
    height = 320
    plot = Plot(left=48, top=14, right=WIDE - 180, bottom=height - 34)
    maximum = max((max(values, default=0) for _, _, values in series), default=0)
    y_ticks, top = _y_ticks(plot, maximum)

    def x_of(i: int) -> float:
        return plot.left + (plot.width * i / (len(days) - 1) if len(days) > 1 else 0)

    def y_of(v: float) -> float:
        return plot.bottom - plot.height * v / top

    lines = []
    for key, label, values in series:
        coords = [(round(x_of(i), 1), round(y_of(v), 1)) for i, v in enumerate(values)]
        lines.append(
            Line(
                key=key,
                label=label,
                values=values,
                points=" ".join(f"{x},{y}" for x, y in coords),
                end_x=coords[-1][0] if coords else plot.left,
                end_y=coords[-1][1] if coords else plot.bottom,
                label_y=coords[-1][1] if coords else plot.bottom,
                last=values[-1] if values else 0,
            )
        )
    return LineChart(
        width=WIDE,
        height=height,
        plot=plot,
        y_ticks=y_ticks,
        x_ticks=_date_ticks(days, x_of),
        lines=_spread_labels(lines, plot),
    )


def _spread_labels(lines: list[Line], plot: Plot) -> list[Line]:
    """Move the direct labels apart vertically (keeping their order) so none overlap."""
    order = sorted(range(len(lines)), key=lambda i: (lines[i].end_y, i))
    placed: dict[int, float] = {}
    previous = None
    for i in order:
        y = max(lines[i].end_y + FONT / 3, plot.top + FONT)
        if previous is not None and y < previous + LABEL_GAP:
            y = previous + LABEL_GAP
        placed[i] = y
        previous = y
    # If the labels ran below the plot (onto the date axis), shift them all up.
    overflow = max(placed.values(), default=0) - plot.bottom
    return [
        Line(**{**line.__dict__, "label_y": round(placed[i] - max(0, overflow), 1)})
        for i, line in enumerate(lines)
    ]


# ----------------------------------------------------------------------- stacked columns


@dataclass(frozen=True)
class Segment:
    key: str
    y: float
    height: float
    value: int


@dataclass(frozen=True)
class Column:
    x: float
    width: float
    segments: list[Segment]
    total: int
    title: str


@dataclass(frozen=True)
class StackedChart:
    width: int
    height: int
    plot: Plot
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    columns: list[Column]
    legend: list[tuple[str, str]]

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def stacked_columns(days: list[date], series: list[tuple[str, str, list[int]]]) -> StackedChart:
    """A column per day, its segments stacked in the order of ``series`` (bottom first)."""
    height = 280
    plot = Plot(left=48, top=14, right=WIDE - 16, bottom=height - 34)
    totals = [sum(values[i] for _, _, values in series) for i in range(len(days))]
    y_ticks, top = _y_ticks(plot, max(totals, default=0))
    slot = plot.width / max(1, len(days))
    bar = max(1.0, slot * 0.8)

    def x_of(i: int) -> float:
        return plot.left + slot * i + slot / 2

    columns = []
    for i, day in enumerate(days):
        y = plot.bottom
        segments = []
        for key, _, values in series:
            h = plot.height * values[i] / top
            y -= h
            segments.append(Segment(key=key, y=round(y, 2), height=round(h, 2), value=values[i]))
        parts = ", ".join(f"{label} {values[i]}" for _, label, values in series)
        columns.append(
            Column(
                x=round(x_of(i) - bar / 2, 2),
                width=round(bar, 2),
                segments=segments,
                total=totals[i],
                title=f"{dateformat.format(day, 'j M Y')}: {parts}",
            )
        )
    return StackedChart(
        width=WIDE,
        height=height,
        plot=plot,
        y_ticks=y_ticks,
        x_ticks=_date_ticks(days, x_of),
        columns=columns,
        legend=[(key, label) for key, label, _ in series],
    )


# ----------------------------------------------------------------------- horizontal bars


@dataclass(frozen=True)
class Bar:
    key: str
    y: float
    width: float
    value: float
    value_label: str
    label_x: float  # where the value is written, just past the bar's end
    fill: str = ""  # a colour (rating levels); empty: the CSS class colours it


@dataclass(frozen=True)
class BarRow:
    label: str
    short: str  # the label as drawn (long names are cut; the SVG title has it whole)
    y: float  # the label's baseline
    bars: list[Bar]


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    plot: Plot
    rows: list[BarRow]
    bar_height: int
    legend: list[tuple[str, str]] = field(default_factory=list)

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def bar_chart(
    rows: list[tuple[str, list[tuple[str, float, str]]]],
    *,
    legend: list[tuple[str, str]] = (),
    fmt=_number,
    label_width: int = 170,
) -> BarChart:
    """Horizontal bars: a row per ``(label, [(key, value, fill), ...])``; several bars in a
    row are grouped (one per key, as in the legend). Values are written at the bar ends."""
    per_row = max((len(bars) for _, bars in rows), default=1)
    bar_height = 18 if per_row == 1 else 11
    row_height = per_row * bar_height + (per_row - 1) * 2 + 12
    height = max(40, 10 + row_height * len(rows))
    plot = Plot(left=label_width, top=6, right=NARROW - 50, bottom=height - 4)
    maximum = max((v for _, bars in rows for _, v, _ in bars), default=0) or 1
    out = []
    for r, (label, bars) in enumerate(rows):
        top = plot.top + r * row_height
        placed = [
            Bar(
                key=key,
                y=round(top + b * (bar_height + 2), 1),
                width=round(max(0.0, plot.width * value / maximum), 1),
                value=value,
                value_label=fmt(value),
                label_x=round(plot.left + max(0.0, plot.width * value / maximum) + 6, 1),
                fill=fill,
            )
            for b, (key, value, fill) in enumerate(bars)
        ]
        block = per_row * bar_height + (per_row - 1) * 2
        out.append(
            BarRow(
                label=label,
                short=label if len(label) <= 24 else f"{label[:23]}\u2026",
                y=round(top + block / 2 + FONT / 3, 1),
                bars=placed,
            )
        )
    return BarChart(
        width=NARROW,
        height=int(height),
        plot=plot,
        rows=out,
        bar_height=bar_height,
        legend=list(legend),
    )


# ----------------------------------------------------------------------- columns


@dataclass(frozen=True)
class ValueColumn:
    x: float
    y: float
    width: float
    height: float
    cx: float  # the column's centre (its labels are centred on it)
    label: str  # the x label
    value_label: str
    has_value: bool


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    plot: Plot
    y_ticks: list[Tick]
    columns: list[ValueColumn]

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def column_chart(
    items: list[tuple[str, float | None]], *, fmt=_number, tick_fmt=_number
) -> ColumnChart:
    """A column per ``(label, value)``; ``None`` is "no data" (drawn as a dash)."""
    height = 240
    plot = Plot(left=56, top=22, right=NARROW - 10, bottom=height - 34)
    maximum = max((v for _, v in items if v is not None), default=0)
    y_ticks, top = _y_ticks(plot, maximum, tick_fmt)
    slot = plot.width / max(1, len(items))
    width = min(56.0, slot * 0.7)
    columns = []
    for i, (label, value) in enumerate(items):
        h = plot.height * (value or 0) / top
        columns.append(
            ValueColumn(
                x=round(plot.left + slot * i + (slot - width) / 2, 1),
                y=round(plot.bottom - h, 1),
                width=round(width, 1),
                height=round(h, 1),
                cx=round(plot.left + slot * i + slot / 2, 1),
                label=label,
                value_label=fmt(value) if value is not None else "\u2013",
                has_value=value is not None,
            )
        )
    return ColumnChart(width=NARROW, height=height, plot=plot, y_ticks=y_ticks, columns=columns)
