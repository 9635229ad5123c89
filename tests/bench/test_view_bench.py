"""bench/view_bench.py's measurement and table, against a fake HTTP interface."""
from __future__ import annotations

from bench import view_bench


class FakeHttp:
    def __init__(self, times_ms):
        self.times = list(times_ms)

    def time_ms(self, sql):
        return self.times.pop(0)

    def rows(self, sql):
        return [["42"]]


def test_p95_is_the_value_at_rank_ceil_095_n():
    got = view_bench.measure(FakeHttp([5.0] + [float(t) for t in range(20, 0, -1)]), "SELECT 1", 20)
    assert got == {"rows": 42, "runs": 20, "p50": 10.5, "p95": 19.0, "max": 20.0}


def test_a_slow_query_gets_fewer_runs():
    got = view_bench.measure(FakeHttp([2000.0, 1500.0, 1400.0, 1300.0, 1200.0, 1100.0]), "SELECT 1", 20)
    assert (got["runs"], got["p95"]) == (5, 1500.0)


def test_the_table_flags_queries_over_the_budget():
    results = [("view", "v_fast", {"rows": 3, "runs": 20, "p50": 5.0, "p95": 9.0, "max": 12.0}),
               ("view", "v_slow", {"rows": 3, "runs": 5, "p50": 500.0, "p95": 900.0, "max": 900.0})]
    text = view_bench.report(results, ["- machine: test"], 20)
    assert "1 of 2 queries within it" in text
    assert "| view | `v_fast` | 3 | 20 | 5.0 | 9.0 | 12.0 | yes |" in text
    assert "| view | `v_slow` | 3 | 5 | 500.0 | 900.0 | 900.0 | **no** |" in text
