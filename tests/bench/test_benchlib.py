"""Pure helpers of the measurement harness (bench/benchlib.py)."""
from __future__ import annotations

import pytest

from bench.benchlib import (
    PartResult, compare_counts, format_table, minute_key, percentile, quarter_rates, visibility_latencies,
)


def test_minute_key_floors_to_the_utc_minute():
    assert minute_key("acme", 59_999) == "acme|0"
    assert minute_key("acme", 60_000) == "acme|1"
    assert minute_key("acme", 1_767_600_061_000) == "acme|29460001"


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([7.0], 99) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_compare_counts_says_same_or_how_they_differ():
    assert compare_counts({"a|1": 2}, {"a|1": 2}) == "same"
    text = compare_counts({"a|1": 2, "b|1": 1}, {"a|1": 3, "c|1": 1})
    assert text.startswith("DIFFERENT") and "1 keys missing" in text and "1 extra" in text and "1 differ" in text


def test_visibility_latency_is_the_first_poll_that_reaches_the_offset():
    polls = [
        (10.0, {("mentions", 0): 4}),
        (10.5, {("mentions", 0): 4, ("replies", 1): 0}),
        (11.0, {("mentions", 0): 9, ("replies", 1): 3}),
    ]
    sent = [
        ("mentions", 0, 3, 9.0),   # visible at the first poll
        ("mentions", 0, 5, 9.8),   # visible when the max reached 9
        ("replies", 1, 0, 10.1),
        ("replies", 1, 7, 10.9),   # never
        ("replies", 2, 0, 10.0),   # partition never seen
    ]
    latencies, unseen = visibility_latencies(polls, sent)
    assert latencies == pytest.approx([1.0, 1.2, 0.4])
    assert unseen == [10.9, 10.0]


def test_visibility_latency_is_never_negative():
    latencies, _ = visibility_latencies([(5.0, {("mentions", 0): 1})], [("mentions", 0, 1, 5.2)])
    assert latencies == [0.0]


def test_format_table_pads_columns():
    text = format_table(["a", "bb"], [["xxx", 1], [None, "y"]])
    lines = text.splitlines()
    assert lines[0] == "| a   | bb |"
    assert lines[1] == "|-----|----|"
    assert lines[2] == "| xxx | 1  |"
    assert lines[3] == "|     | y  |"


def test_part_result_rates():
    r = PartResult("c", "x", 1000, seconds=10.0, seconds_steady=4.0, events_steady=800)
    assert r.eps == 100.0
    assert r.eps_steady == 200.0
    assert PartResult("a", "x", 10).eps is None


def test_quarter_rates_split_the_records_in_four():
    trace = [(10.0, 100), (20.0, 250), (30.0, 500), (50.0, 750), (60.0, 1000)]
    rates = quarter_rates(trace, 1000, 2000)  # 2 events per record
    assert rates[0] == pytest.approx((250 - 100) * 2 / 10)
    assert rates[1] == pytest.approx(250 * 2 / 10)
    assert rates[2] == pytest.approx(250 * 2 / 20)
    assert rates[3] == pytest.approx(250 * 2 / 10)
    assert quarter_rates([(1.0, 5)], 10, 10) == []
