"""Charts as inline SVG, drawn on the server: no script, no CDN, one self-contained file.

Every drawn value is an element of class `mark` carrying `data-series`, `data-label`
and `data-value` (the exact number, as Python's repr) and a <title> tooltip, so a
reader hovers for the figure and a test reads back what was drawn.
"""
from __future__ import annotations

from html import escape
from typing import Sequence

WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 56, 16, 44
MAX_TICK_LABELS = 8
COLORS = {"volume": "#9db4d3", "compliance": "#1b7f3b", "customer": "#c0392b", "brand": "#2c5aa0",
          "employee": "#e08e0b", "bucket": "#5b7db8"}


def _attrs(series: str, label: str, value) -> str:
    return (f'class="mark" data-series="{escape(series)}" data-label="{escape(label)}" '
            f'data-value="{escape(repr(value))}"')


def _frame(title: str, body: list[str], height: int = HEIGHT) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
            f'width="{WIDTH}" height="{height}" aria-label="{escape(title)}">'
            f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>' + "".join(body) + "</svg>")


def _plot_width() -> int:
    return WIDTH - LEFT - RIGHT


def _plot_height(height: int = HEIGHT) -> int:
    return height - TOP - BOTTOM


def _text(x, y, text, anchor="middle", size=11, color="#444") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
            f'font-family="sans-serif" fill="{color}">{escape(str(text))}</text>')


def _axes(labels: Sequence[str], left_ticks: Sequence[tuple[float, str]],
          right_ticks: Sequence[tuple[float, str]] = ()) -> list[str]:
    """Frame lines, y ticks (fraction of the plot height, text) on both sides, and
    at most MAX_TICK_LABELS x labels under the slots."""
    ph, pw = _plot_height(), _plot_width()
    out = [f'<line x1="{LEFT}" y1="{TOP + ph}" x2="{LEFT + pw}" y2="{TOP + ph}" stroke="#888"/>']
    for fraction, text in left_ticks:
        y = TOP + ph * (1 - fraction)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + pw}" y2="{y:.1f}" stroke="#eee"/>')
        out.append(_text(LEFT - 6, y + 4, text, anchor="end"))
    for fraction, text in right_ticks:
        out.append(_text(LEFT + pw + 6, TOP + ph * (1 - fraction) + 4, text, anchor="start"))
    step = max(1, -(-len(labels) // MAX_TICK_LABELS))
    slot = pw / max(1, len(labels))
    for i in range(0, len(labels), step):
        out.append(_text(LEFT + slot * (i + 0.5), TOP + ph + 16, labels[i]))
    return out


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for multiple in (1, 2, 5, 10):
        if value <= multiple * magnitude:
            return float(multiple * magnitude)
    return float(10 * magnitude)


def _bars(labels: Sequence[str], values: Sequence[float], series: str, top: float) -> list[str]:
    ph, slot = _plot_height(), _plot_width() / max(1, len(labels))
    out = []
    for i, (label, value) in enumerate(zip(labels, values)):
        h = ph * value / top
        out.append(f'<rect {_attrs(series, label, value)} x="{LEFT + slot * i + slot * 0.1:.1f}" '
                   f'y="{TOP + ph - h:.1f}" width="{slot * 0.8:.1f}" height="{h:.1f}" fill="{COLORS[series]}">'
                   f'<title>{escape(label)}: {value:,}</title></rect>')
    return out


def _line(labels: Sequence[str], values: Sequence[float | None], series: str, lo: float, hi: float,
          text) -> list[str]:
    """A polyline through the defined values, with one point mark each."""
    ph, slot = _plot_height(), _plot_width() / max(1, len(labels))
    points, out = [], []
    for i, (label, value) in enumerate(zip(labels, values)):
        if value is None:
            continue
        x, y = LEFT + slot * (i + 0.5), TOP + ph * (1 - (value - lo) / (hi - lo))
        points.append(f"{x:.1f},{y:.1f}")
        out.append(f'<circle {_attrs(series, label, value)} cx="{x:.1f}" cy="{y:.1f}" r="3.5" '
                   f'fill="{COLORS[series]}"><title>{escape(label)}: {escape(text(value))}</title></circle>')
    line = (f'<polyline points="{" ".join(points)}" fill="none" stroke="{COLORS[series]}" stroke-width="2"/>'
            if len(points) > 1 else "")
    return [line] + out


def _percent(ratio: float) -> str:
    return f"{ratio * 100:.1f}%"


def volume_compliance_chart(labels: Sequence[str], volume: Sequence[int],
                            compliance: Sequence[float | None]) -> str:
    """Bars: customer messages per period (left axis); line: SLA compliance (right axis, 0-100 %)."""
    top = _nice_max(max(volume, default=0))
    ticks = [(f, f"{top * f:,.0f}") for f in (0, 0.5, 1)]
    body = _axes(labels, ticks, [(f, f"{f * 100:.0f}%") for f in (0, 0.5, 1)])
    body += _bars(labels, volume, "volume", top)
    body += _line(labels, compliance, "compliance", 0.0, 1.0, _percent)
    return _frame("SLA compliance and volume over time", body)


def sentiment_chart(labels: Sequence[str], customer: Sequence[float | None],
                    brand: Sequence[float | None]) -> str:
    """Mean sentiment per period of the customers' and the brand's messages, on [-1, 1]."""
    body = _axes(labels, [(0, "-1"), (0.5, "0"), (1, "+1")])
    body += _line(labels, customer, "customer", -1.0, 1.0, lambda v: f"{v:+.2f}")
    body += _line(labels, brand, "brand", -1.0, 1.0, lambda v: f"{v:+.2f}")
    return _frame("Sentiment over time", body)


def bucket_chart(labels: Sequence[str], counts: Sequence[int]) -> str:
    """Conversations per first-reply latency bucket."""
    top = _nice_max(max(counts, default=0))
    body = _axes(labels, [(f, f"{top * f:,.0f}") for f in (0, 0.5, 1)])
    body += _bars(labels, counts, "bucket", top)
    return _frame("First-reply latency distribution", body)


def responder_chart(names: Sequence[str], roles: Sequence[str], answers: Sequence[int]) -> str:
    """Horizontal bars: answers per responder, coloured by role."""
    row = 22
    height = TOP + BOTTOM + row * max(1, len(names))
    top = _nice_max(max(answers, default=0))
    width = WIDTH - 200 - RIGHT
    body = []
    for i, (name, role, value) in enumerate(zip(names, roles, answers)):
        y = TOP + row * i
        body.append(_text(196, y + 15, name, anchor="end"))
        body.append(f'<rect {_attrs(role, name, value)} x="200" y="{y + 3}" width="{width * value / top:.1f}" '
                    f'height="{row - 6}" fill="{COLORS.get(role, COLORS["brand"])}">'
                    f'<title>{escape(name)} ({escape(role)}): {value:,} answers</title></rect>')
        body.append(_text(204 + width * value / top, y + 15, f"{value:,}", anchor="start"))
    return _frame("Who answers", body, height)
