import re

from cluetrain.web.dashboard.charts import bar_chart, line_chart


def test_line_chart_points_carry_their_values_and_a_gap_breaks_the_line():
    svg = line_chart("c", "Volume", [("Customers", [(0, 1), (60, None), (120, 3), (180, 4)]),
                                     ("Brand", [(0, 2)])], x_range=(0, 180), y_format=str, y_min=0)
    points = re.findall(r'data-series="([^"]+)" data-t="(\d+)" data-value="([^"]+)"', svg)
    assert points == [("Customers", "0", "1"), ("Customers", "120", "3"), ("Customers", "180", "4"),
                      ("Brand", "0", "2")]
    assert svg.count("<polyline") == 3  # Customers in two runs around the gap, Brand in one
    assert 'stroke-dasharray="6 4"' in svg  # the second series differs by more than colour
    assert 'role="img"' in svg and 'aria-label="Volume"' in svg


def test_bars_print_their_value_and_escape_labels():
    svg = bar_chart("b", "Who", [("<brand>", 3, "3"), ("Peers", 0, "0")])
    assert 'data-label="&lt;brand&gt;" data-value="3"' in svg
    assert ">0</text>" in svg and "<brand>" not in svg


def test_no_data_is_said_not_drawn():
    assert "No data" in line_chart("c", "Volume", [("x", [(0, None)])], x_range=(0, 60), y_format=str)
    assert "No data" in bar_chart("b", "Who", [("a", 0, "0")])
