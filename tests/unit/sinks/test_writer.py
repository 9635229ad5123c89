"""ClickHouseSink against a fake backend: batching, due(), retries, nothing lost."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from cluetrain.sinks.backends import ClickHouseError
from cluetrain.sinks.tables import TABLE_COLUMNS, dead_letter_row, event_row
from cluetrain.sinks.writer import ClickHouseSink, SinkError
from cluetrain.domain.events import Event

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


class Clock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_sink(backend, *, batch_size=3, flush_interval_s=1.0, retries=4, clock=None):
    sleeps: list[float] = []
    sink = ClickHouseSink(
        backend, batch_size=batch_size, flush_interval_s=flush_interval_s, retries=retries,
        sleep=sleeps.append, clock=clock or Clock(), columns=COLUMNS,
    )
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


def test_due_on_batch_size_per_table():
    clock = Clock()
    sink, _ = make_sink(FakeBackend(), batch_size=3, flush_interval_s=60, clock=clock)
    assert not sink.due(clock.now)
    sink.add("a", (1, 2))
    sink.add("b", (1,))
    sink.add("a", (3, 4))
    assert not sink.due(clock.now)  # 3 rows, but no table holds 3
    sink.add("a", (5, 6))
    assert sink.due(clock.now)


def test_due_on_interval_since_first_buffered_row():
    clock = Clock(100.0)
    sink, _ = make_sink(FakeBackend(), batch_size=1000, flush_interval_s=2.0, clock=clock)
    assert not sink.due(500.0)  # nothing buffered: never due
    sink.add("a", (1, 2))
    clock.now = 101.5
    sink.add("a", (3, 4))  # does not restart the interval
    assert not sink.due(101.9)
    assert sink.due(102.0)
    sink.flush()
    assert not sink.due(200.0)
    clock.now = 300.0
    sink.add("b", (1,))
    assert not sink.due(301.0)
    assert sink.due(302.5)


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
    sink = ClickHouseSink(backend, batch_size=10, flush_interval_s=1, retries=10,
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
    assert sink.due(10_000.0)  # still waiting, still due
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
        ClickHouseSink(FakeBackend(), batch_size=0, flush_interval_s=1, retries=1)
    with pytest.raises(ValueError):
        ClickHouseSink(FakeBackend(), batch_size=1, flush_interval_s=1, retries=0)


# ------------------------------------------------------------ row builders


def sample_event(**changes) -> Event:
    fields = dict(
        kind="reply", event_id="r1", conversation_id="m1", in_reply_to="m1", brand="acme",
        author_id="u9", author_role="employee", author_followers=None, text="Bonjour 👋",
        lang=None, created_at_ms=1_700_000_000_123,
    )
    fields.update(changes)
    return Event(**fields)


def test_event_row_matches_columns():
    row = event_row(sample_event(), sentiment=0.25, lang="fr", late=True,
                    source_partition=2, source_offset=41, ingested_at_s=1_700_000_100)
    values = dict(zip(TABLE_COLUMNS["replies"], row, strict=True))
    assert values["created_at"] == datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)
    assert values["created_at_ms"] == 1_700_000_000_123
    assert values["ingested_at"] == datetime(2023, 11, 14, 22, 15, tzinfo=timezone.utc)
    assert values["lang"] == "fr" and values["late"] == 1 and values["author_followers"] is None
    assert values["source_partition"] == 2 and values["source_offset"] == 41
    assert TABLE_COLUMNS["mentions"] == TABLE_COLUMNS["replies"]


def test_dead_letter_row_is_deterministic():
    kwargs = dict(source_topic="mentions", source_partition=2, source_offset=1234,
                  reason="missing field: text", payload=b"\xff{bad")
    row = dead_letter_row(received_at_s=1_700_000_000, **kwargs)
    again = dead_letter_row(received_at_s=1_700_009_999, **kwargs)
    values = dict(zip(TABLE_COLUMNS["dead_letters"], row, strict=True))
    assert values["source"] == "mentions/2@1234"
    assert values["dead_letter_id"] == "mentions/2@1234" == again[-1]
    assert values["payload_base64"] == "/3tiYWQ="
    no_offset = dict(kwargs, source_partition=-1, source_offset=-1)
    a = dead_letter_row(received_at_s=1, **no_offset)[-1]
    b = dead_letter_row(received_at_s=2, **no_offset)[-1]
    c = dead_letter_row(received_at_s=2, **dict(no_offset, payload=b"other"))[-1]
    assert a == b != c
