"""The server-side SVG charts: every value a mark with its exact number, text escaped."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from cluetrain.reports import svg

NS = {"s": "http://www.w3.org/2000/svg"}


def marks(chart: str, series: str) -> list[tuple[str, str]]:
    root = ET.fromstring(chart)
    return [(m.get("data-label"), m.get("data-value")) for m in root.iter()
            if m.get("class") == "mark" and m.get("data-series") == series]


def test_volume_and_compliance_marks_skip_undefined_ratios():
    chart = svg.volume_compliance_chart(["10:00", "11:00", "12:00"], [5, 0, 2], [1.0, None, 0.5])
    assert marks(chart, "volume") == [("10:00", "5"), ("11:00", "0"), ("12:00", "2")]
    assert marks(chart, "compliance") == [("10:00", "1.0"), ("12:00", "0.5")]
    assert chart.count("<polyline") == 1


def test_bars_scale_to_a_round_maximum():
    chart = svg.bucket_chart(["0-1h", "1-4h"], [200, 100])
    heights = [float(h) for h in re.findall(r'<rect class="mark"[^>]* height="([\d.]+)"', chart)]
    assert heights[0] == 2 * heights[1] > 0
    assert svg._nice_max(220) == 500 and svg._nice_max(20) == 20 and svg._nice_max(0) == 1.0


def test_names_are_escaped():
    chart = svg.responder_chart(["<b>&co"], ["employee"], [3])
    assert "<b>" not in chart and "&lt;b&gt;&amp;co" in chart
    ET.fromstring(chart)  # well-formed


def test_a_sentiment_line_per_side():
    chart = svg.sentiment_chart(["a", "b"], [-0.5, 0.25], [None, 0.5])
    assert marks(chart, "customer") == [("a", "-0.5"), ("b", "0.25")]
    assert marks(chart, "brand") == [("b", "0.5")]
