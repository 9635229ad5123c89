"""ClickHouseSink against a fake backend: buffering per table, retries, nothing lost."""
from __future__ import annotations


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


def make_sink(backend, *, retries=4):
    sleeps: list[float] = []
    sink = ClickHouseSink(backend, retries=retries, sleep=sleeps.append, columns=COLUMNS)
    return sink, sleeps


def test_flush_writes_one_insert_per_table_with_its_columns():
    backend = FakeBackend()
    sink, sleeps = make_sink(backend)
    sink.add("a", (1, 2))
    sink.add("b", (3,))
    sink.add("a", (4, 5))
    assert sink.pending == 3
    assert sink.flush() == 3
    assert sink.pending == 0
    assert backend.calls == [("a", ("x", "y"), [(1, 2), (4, 5)]), ("b", ("z",), [(3,)])]
    assert sleeps == []
    assert sink.flush() == 0
    assert len(backend.calls) == 2


def test_retries_with_exponential_backoff_then_success():
    backend = FakeBackend(failures=3)
    sink, sleeps = make_sink(backend, retries=4)
    sink.add("a", (1, 2))
    assert sink.flush() == 1
    assert len(backend.calls) == 4
    assert sleeps == [0.2, 0.4, 0.8]
    assert backend.stored == {"a": [(1, 2)]}


def test_backoff_is_capped():
    backend = FakeBackend(failures=9)
    sink = ClickHouseSink(backend, retries=10,
                          sleep=(sleeps := []).append, columns=COLUMNS, backoff_s=1.0, max_backoff_s=5.0)
    sink.write("a", [(1, 2)])
    assert sleeps == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0]


def test_failure_after_last_attempt_raises_and_loses_nothing():
    backend = FakeBackend(failures=5)
    sink, sleeps = make_sink(backend, retries=3)
    sink.add("a", (1, 2))
    sink.add("a", (3, 4))
    with pytest.raises(SinkError) as info:
        sink.flush()
    assert "cannot write 2 rows to a after 3 attempts" in str(info.value)
    assert "connection refused" in str(info.value)
    assert len(backend.calls) == 3 and len(sleeps) == 2
    assert sink.pending == 2
    # The backend recovers: the same rows are written, once.
    backend.failures = 0
    sink.add("a", (5, 6))
    assert sink.flush() == 3
    assert backend.stored == {"a": [(1, 2), (3, 4), (5, 6)]}
    assert sink.pending == 0


def test_a_failing_table_keeps_its_rows_while_others_are_written():
    backend = FakeBackend(failures=10, fail_table="b")
    sink, _ = make_sink(backend, retries=2)
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
    sink, sleeps = make_sink(backend, retries=5)
    with pytest.raises(SinkError, match="after 1 attempt:"):
        sink.write("a", [(1, 2)])
    assert sleeps == [] and len(backend.calls) == 1


def test_other_exceptions_are_not_retried():
    class Broken(FakeBackend):
        def insert(self, table, columns, rows):
            raise KeyError("bug")

    sink, sleeps = make_sink(Broken())
    sink.add("a", (1, 2))
    with pytest.raises(KeyError):
        sink.flush()
    assert sink.pending == 1 and sleeps == []


def test_add_checks_table_and_width():
    sink, _ = make_sink(FakeBackend())
    with pytest.raises(ValueError, match="unknown table"):
        sink.add("nope", (1,))
    with pytest.raises(ValueError, match="expected 2 values"):
        sink.add("a", (1,))
    assert sink.pending == 0


def test_constructor_validates():
    with pytest.raises(ValueError):
        ClickHouseSink(FakeBackend(), retries=0)
