"""Charts drawn on the server as inline SVG (DESIGN.md § Dashboard: why no chart
library). Pure functions of their data; every point carries its values in data-*
attributes and a <title> (hover, screen readers, the browser tests), and series
differ by dash pattern and marker as well as colour."""
from __future__ import annotations

from html import escape
from typing import Callable, Sequence

from .formats import utc_text

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 78, 12, 12, 28
# (colour class, dash pattern, marker) per series: never colour alone
STYLES = (("s0", "", "circle"), ("s1", "6 4", "square"), ("s2", "2 3", "diamond"))


def _attr(value) -> str:
    return escape(str(value), quote=True)


def _marker(kind: str, x: float, y: float, attrs: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" {attrs}>'
    if kind == "diamond":
        return (f'<polygon points="{x:.1f},{y - 4.5:.1f} {x + 4.5:.1f},{y:.1f} {x:.1f},{y + 4.5:.1f} '
                f'{x - 4.5:.1f},{y:.1f}" {attrs}>')
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" {attrs}>'


def _close(kind: str) -> str:
    return {"square": "</rect>", "diamond": "</polygon>"}.get(kind, "</circle>")


def line_chart(chart_id: str, title: str, series: Sequence[tuple[str, Sequence[tuple[int, float | None]]]],
               *, x_range: tuple[int, int], y_format: Callable[[float], str],
               y_min: float | None = None, y_max: float | None = None) -> str:
    """Lines over time; x in epoch seconds, None values are gaps."""
    values = [v for _, points in series for _, v in points if v is not None]
    if not values:
        return _empty(chart_id, title)
    low = min(values) if y_min is None else min(y_min, min(values))
    high = max(values) if y_max is None else max(y_max, max(values))
    if high == low:
        high = low + 1
    x0, x1 = x_range
    x1 = max(x1, x0 + 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(t: int) -> float:
        return LEFT + (t - x0) / (x1 - x0) * plot_w

    def sy(v: float) -> float:
        return TOP + (1 - (v - low) / (high - low)) * plot_h

    parts = [_frame(chart_id, title)]
    for fraction in (0, 0.5, 1):
        v = low + fraction * (high - low)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{sy(v):.1f}" y2="{sy(v):.1f}"/>'
                     f'<text class="axis" x="{LEFT - 6}" y="{sy(v) + 4:.1f}" text-anchor="end">{escape(y_format(v))}</text>')
    for t, anchor in ((x0, "start"), ((x0 + x1) // 2, "middle"), (x1, "end")):
        parts.append(f'<text class="axis" x="{sx(t):.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}" '
                     f'data-epoch="{t}">{_utc_label(t)}</text>')
    for index, (name, points) in enumerate(series):
        colour, dash, marker = STYLES[index % len(STYLES)]
        for run in _runs(points):
            coords = " ".join(f"{sx(t):.1f},{sy(v):.1f}" for t, v in run)
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(f'<polyline class="line {colour}" points="{coords}"{dash_attr}/>')
        for t, v in points:
            if v is None:
                continue
            attrs = f'class="point {colour}" data-series="{_attr(name)}" data-t="{t}" data-value="{v}"'
            parts.append(_marker(marker, sx(t), sy(v), attrs)
                         + f'<title data-epoch="{t}">{escape(name)}: {escape(y_format(v))} at {_utc_label(t)}</title>'
                         + _close(marker))
    parts.append("</svg>")
    return "".join(parts) + _legend([name for name, _ in series])


def bar_chart(chart_id: str, title: str, bars: Sequence[tuple[str, float | None, str]],
              *, max_value: float | None = None) -> str:
    """Horizontal bars: (label, value, the value as text). The text is always printed."""
    if not bars or not any(v for _, v, _ in bars):
        return _empty(chart_id, title)
    top = max_value if max_value is not None else max(v or 0 for _, v, _ in bars) or 1
    row_h, label_w, text_w = 26, 170, 90
    height = row_h * len(bars) + 8
    bar_w = WIDTH - label_w - text_w
    parts = [_frame(chart_id, title, height)]
    for i, (label, value, text) in enumerate(bars):
        y = 4 + i * row_h
        width = 0 if not value else max(1.0, value / top * bar_w)
        parts.append(f'<text class="label" x="{label_w - 8}" y="{y + 17}" text-anchor="end">{escape(label)}</text>'
                     f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{width:.1f}" height="{row_h - 8}" '
                     f'data-label="{_attr(label)}" data-value="{"" if value is None else value}">'
                     f'<title>{escape(label)}: {escape(text)}</title></rect>'
                     f'<text class="value" x="{label_w + width + 6:.1f}" y="{y + 17}">{escape(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _frame(chart_id: str, title: str, height: int = HEIGHT) -> str:
    return (f'<svg id="{_attr(chart_id)}" class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
            f'aria-label="{_attr(title)}" preserveAspectRatio="xMidYMid meet">')


def _empty(chart_id: str, title: str) -> str:
    return f'<p id="{_attr(chart_id)}" class="chart-empty">No data for “{escape(title)}” in this range.</p>'


def _legend(names: list[str]) -> str:
    items = []
    for index, name in enumerate(names):
        colour, dash, _ = STYLES[index % len(STYLES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        items.append(f'<li><svg width="28" height="10" aria-hidden="true"><line class="line {colour}" x1="0" x2="28" '
                     f'y1="5" y2="5"{dash_attr}/></svg>{escape(name)}</li>')
    return f'<ul class="legend">{"".join(items)}</ul>'


def _runs(points):
    """Consecutive points with values: a None breaks the line."""
    run = []
    for t, v in points:
        if v is None:
            if run:
                yield run
            run = []
        else:
            run.append((t, v))
    if run:
        yield run


def _utc_label(t: int) -> str:
    return utc_text(t)[:-7] + " UTC"  # to the minute
