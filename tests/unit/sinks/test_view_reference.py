"""The view reference's comment parser (cluetrain/sinks/view_reference.py)."""
from __future__ import annotations

import pytest

from cluetrain.sinks.view_reference import parse_view, parse_views, render


def test_description_and_columns_are_read_from_the_comment():
    doc = parse_view("v_x", "0009_x", ["v_x: one row per brand.", "More prose.", "Columns:",
                                       "brand: the brand", "a, b: two counts"])
    assert doc.description == ["one row per brand.", "More prose."]
    assert doc.columns == {"brand": "the brand", "a": "two counts", "b": "two counts"}


def test_a_column_line_without_a_meaning_is_an_error():
    with pytest.raises(ValueError, match="0009_x, v_x: not a 'column: meaning' line: 'brand'"):
        parse_view("v_x", "0009_x", ["v_x: rows.", "Columns:", "brand"])


def test_a_view_without_a_comment_is_an_error():
    with pytest.raises(ValueError, match="view v_x has no comment"):
        parse_view("v_x", "0009_x", [])


def test_the_latest_migration_defines_a_view_and_inherited_columns_are_filled():
    views = parse_views()
    assert views["v_turn_status"].migration == "0005_reciprocity_views_on_turn_status"
    hourly = views["v_brand_hourly"]
    assert hourly.columns["period_start"] == "start of the hour (UTC)"
    assert hourly.columns["sla_compliance"] == views["v_brand_timeseries"].columns["sla_compliance"]


def test_render_lists_every_column_with_its_type_and_meaning():
    doc = parse_view("v_x", "0009_x", ["v_x: rows.", "Columns:", "brand: the | brand"])
    text = render({"v_x": doc}, {"v_x": [("brand", "String"), ("n", "UInt64")]})
    assert "| `brand` | `String` | the &#124; brand |" in text
    assert "| `n` | `UInt64` | (described in the text above) |" in text
