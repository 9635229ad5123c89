"""The runner pieces of bench/run.py that have logic: part selection, defaults,
where the results go, the results table, the latency rates and phase summary."""
from __future__ import annotations

from pathlib import Path

import pytest

from bench import run
from bench.benchlib import PartResult
from bench.parts import ALL_PARTS, select_parts
from bench.parts.latency import latency_rates, phase_summary
from bench.report import results_table


def test_select_parts_keeps_the_running_order_and_ignores_case_and_blanks():
    assert select_parts("d, a,C,,") == ["a", "c", "d"]
    assert select_parts(",".join(ALL_PARTS)) == list(ALL_PARTS)


def test_select_parts_names_the_unknown_ones():
    with pytest.raises(ValueError, match=r"\['x', 'z'\]"):
        select_parts("a,z,x")


def test_quick_and_full_defaults_and_explicit_values():
    args, parts = run.parse_args(["--quick", "--only", "c,a"])
    assert (args.events, args.latency_seconds, args.latency_drain_s) == (20_000, 6.0, 30.0)
    assert parts == ["a", "c"]
    args, parts = run.parse_args(["--events", "1000"])
    assert (args.events, args.latency_seconds, args.latency_drain_s) == (1000, 60.0, 300.0)
    assert parts == list(ALL_PARTS)


def test_only_a_full_run_writes_the_results_by_default(tmp_path):
    args, parts = run.parse_args([])
    results, profile = run.output_paths(args, parts, tmp_path)
    assert results.name == "RESULTS.md" and profile.name == "PROFILE.md"
    args, parts = run.parse_args(["--quick"])
    assert run.output_paths(args, parts, tmp_path) == (None, None)
    args, parts = run.parse_args(["--only", "a", "--results", "out.md"])
    assert run.output_paths(args, parts, tmp_path) == (tmp_path / "out.md", None)


def test_results_table_orders_rows_and_divides_by_a_b_d_and_g():
    results = {
        "g": PartResult("g", "fair peer", 100, seconds=1.0, seconds_steady=0.4),  # 250/s
        "d": PartResult("d", "peer", 100, seconds=2.0, seconds_steady=1.0),      # 100/s
        "a": PartResult("a", "ceiling", 100, seconds=1.0, seconds_steady=0.25),  # 400/s
        "c": PartResult("c", "us", 100, seconds=1.0, seconds_steady=0.5, check="same"),  # 200/s
    }
    lines = results_table(results).splitlines()
    assert [line.split("|")[1].strip() for line in lines[2:]] == ["(a)", "(c)", "(d)", "(g)"]
    c_row = [cell.strip() for cell in lines[3].split("|")[1:-1]]
    assert c_row == ["(c)", "us", "100", "1.0", "100", "200", "0.500", "n/a", "2.000", "0.800", "same"]


def test_latency_rates_auto_is_half_of_c_rounded_to_hundreds():
    assert latency_rates("5000,auto", 6465.0) == [3200, 5000]
    assert latency_rates("auto", None) == [1000]
    assert latency_rates("auto", 90.0) == [100]
    assert latency_rates("2000, 1000,2000", None) == [1000, 2000]


def test_phase_summary_counts_unseen_events_as_a_lower_bound():
    polls = [(10.0, {("mentions", 0): 0}), (10.5, {("mentions", 0): 1})]
    sent = [("mentions", 0, 0, 9.9), ("mentions", 0, 1, 10.0), ("mentions", 0, 2, 10.1)]
    ph = phase_summary(1000, 990.0, 6.0, sent, polls, t_end=12.1, drain_s=2.0)
    assert ph["events"] == 3 and ph["unseen"] == 1 and ph["censored"]
    assert ph["max_ms"] == pytest.approx(2000.0)
    assert ph["p50_ms"] == pytest.approx(500.0)
