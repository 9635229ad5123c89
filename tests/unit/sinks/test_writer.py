"""ClickHouseSink against a fake backend: buffering per table, retries through an
outage (capped back-off, a limit or none), one log line per state change, nothing lost."""
from __future__ import annotations

import logging
import threading

import pytest

from cluetrain.sinks.backends import ClickHouseError
from cluetrain.sinks.writer import ClickHouseSink, SinkError

COLUMNS = {"a": ("x", "y"), "b": ("z",)}


class FakeBackend:
    """Records inserts; fails the next `failures` inserts (optionally per table)."""

    def __init__(self, failures: int = 0, fail_table: str | None = None, retryable: bool = True):
        self.failures = failures
        self.fail_table = fail_table
        self.retryable = retryable
        self.calls: list[tuple[str, tuple, list]] = []
        self.stored: dict[str, list[tuple]] = {}

    def insert(self, table, columns, rows):
        self.calls.append((table, tuple(columns), list(rows)))
        if self.failures and self.fail_table in (None, table):
            self.failures -= 1
            raise ClickHouseError("connection refused", retryable=self.retryable)
        self.stored.setdefault(table, []).extend(rows)


class FakeTime:
    """sleep() advances clock(): back-off without waiting."""

    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_sink(backend, *, outage_limit_s=0.0, **kwargs):
    time = FakeTime()
    sink = ClickHouseSink(backend, outage_limit_s=outage_limit_s, clock=time.clock, sleep=time.sleep,
                          columns=COLUMNS, **kwargs)
    return sink, time


def test_flush_writes_one_insert_per_table_with_its_columns():
    backend = FakeBackend()
    sink, time = make_sink(backend)
    sink.add("a", (1, 2))
    sink.add("b", (3,))
    sink.add("a", (4, 5))
    assert sink.pending == 3
    assert sink.flush() == 3
    assert sink.pending == 0
    assert backend.calls == [("a", ("x", "y"), [(1, 2), (4, 5)]), ("b", ("z",), [(3,)])]
    assert time.sleeps == []
    assert sink.flush() == 0
    assert len(backend.calls) == 2


def test_retries_with_exponential_backoff_then_success():
    backend = FakeBackend(failures=3)
    sink, time = make_sink(backend)
    sink.add("a", (1, 2))
    assert sink.flush() == 1
    assert len(backend.calls) == 4
    assert time.sleeps == [0.2, 0.4, 0.8]
    assert backend.stored == {"a": [(1, 2)]}


def test_backoff_is_capped():
    backend = FakeBackend(failures=9)
    sink, time = make_sink(backend, backoff_s=1.0, max_backoff_s=5.0)
    sink.write("a", [(1, 2)])
    assert time.sleeps == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0]


def test_without_a_limit_it_retries_through_an_hour_long_outage():
    backend = FakeBackend(failures=800)  # 800 failures ~ 66 min at the 5 s cap
    sink, time = make_sink(backend)
    sink.write("a", [(1, 2)])
    assert time.now > 3600 and len(backend.calls) == 801
    assert backend.stored == {"a": [(1, 2)]}


def test_gives_up_after_the_outage_limit_and_loses_nothing():
    backend = FakeBackend(failures=1000)
    sink, time = make_sink(backend, outage_limit_s=30)
    sink.add("a", (1, 2))
    sink.add("a", (3, 4))
    with pytest.raises(SinkError) as info:
        sink.flush()
    message = str(info.value)
    assert "cannot write 2 rows to a: ClickHouse failing for 3" in message
    assert "CLUETRAIN_SINK_OUTAGE_S=30" in message and "connection refused" in message
    assert 30 <= time.now < 36  # gave up at the first attempt past the limit
    assert sink.pending == 2
    # The backend recovers: the same rows are written, once.
    backend.failures = 0
    sink.add("a", (5, 6))
    assert sink.flush() == 3
    assert backend.stored == {"a": [(1, 2), (3, 4), (5, 6)]}
    assert sink.pending == 0


def test_an_outage_is_logged_once_down_and_once_back(caplog):
    backend = FakeBackend(failures=50)
    sink, time = make_sink(backend)
    with caplog.at_level(logging.INFO, logger="cluetrain.sinks.writer"):
        sink.write("a", [(1, 2)])
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2, lines
    assert lines[0].startswith("ClickHouse down: connection refused; input paused")
    assert lines[1].startswith("ClickHouse back: 1 rows written to a after 2") and "(51 attempts)" in lines[1]


def test_a_failing_table_keeps_its_rows_while_others_are_written():
    backend = FakeBackend(failures=10, fail_table="b")
    sink, _ = make_sink(backend, outage_limit_s=1)
    sink.add("a", (1, 2))
    sink.add("b", (3,))
    with pytest.raises(SinkError):
        sink.flush()
    assert backend.stored == {"a": [(1, 2)]}
    assert sink.pending == 1
    backend.failures = 0
    assert sink.flush() == 1
    assert backend.stored == {"a": [(1, 2)], "b": [(3,)]}


def test_non_retryable_error_fails_at_once():
    backend = FakeBackend(failures=1, retryable=False)
    sink, time = make_sink(backend)
    with pytest.raises(SinkError, match="cannot write 1 rows to a: connection refused"):
        sink.write("a", [(1, 2)])
    assert time.sleeps == [] and len(backend.calls) == 1


def test_cancel_from_another_thread_ends_an_endless_retry():
    backend = FakeBackend(failures=10**9)
    sink = ClickHouseSink(backend, columns=COLUMNS, backoff_s=0.01, max_backoff_s=0.05)
    threading.Timer(0.3, sink.cancel).start()
    with pytest.raises(SinkError, match="stopped while ClickHouse was down"):
        sink.write("a", [(1, 2)])
    assert len(backend.calls) > 3


def test_other_exceptions_are_not_retried():
    class Broken(FakeBackend):
        def insert(self, table, columns, rows):
            raise KeyError("bug")

    sink, time = make_sink(Broken())
    sink.add("a", (1, 2))
    with pytest.raises(KeyError):
        sink.flush()
    assert sink.pending == 1 and time.sleeps == []


def test_add_checks_table_and_width():
    sink, _ = make_sink(FakeBackend())
    with pytest.raises(ValueError, match="unknown table"):
        sink.add("nope", (1,))
    with pytest.raises(ValueError, match="expected 2 values"):
        sink.add("a", (1,))
    assert sink.pending == 0


def test_constructor_validates():
    with pytest.raises(ValueError):
        ClickHouseSink(FakeBackend(), outage_limit_s=-1)
