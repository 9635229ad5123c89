"""Buffered, retrying writes of rows to ClickHouse tables.

The sink never loses a row: a table's buffer is cleared only after its insert
succeeded. A failing insert is tried `retries` times in all (the setting
CLUETRAIN_SINK_RETRIES), with exponential back-off between attempts; then SinkError
is raised and the rows stay buffered (the caller stops without committing offsets).
Not thread-safe: use it from one task or thread.
"""
from __future__ import annotations

import time
from typing import Callable, Iterable, Sequence

from .backends import Backend, ClickHouseError
from .tables import TABLE_COLUMNS


class SinkError(RuntimeError):
    """A write failed after every attempt; str() is one clear line."""


class ClickHouseSink:
    def __init__(
        self,
        backend: Backend,
        *,
        batch_size: int,
        flush_interval_s: float,
        retries: int,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        backoff_s: float = 0.2,
        max_backoff_s: float = 5.0,
        columns: dict[str, Sequence[str]] | None = None,
    ):
        if batch_size < 1 or retries < 1 or flush_interval_s <= 0:
            raise ValueError("batch_size and retries must be >= 1, flush_interval_s > 0")
        self.backend = backend
        self.batch_size = batch_size
        self.flush_interval_s = flush_interval_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._sleep = sleep
        self._clock = clock
        self._columns = dict(TABLE_COLUMNS if columns is None else columns)
        self._buffers: dict[str, list[tuple]] = {}
        self._first_at: float | None = None  # clock() when the oldest pending row came

    # ------------------------------------------------------------ buffering

    def add(self, table: str, row: tuple) -> None:
        """Buffer one row (a tuple in TABLE_COLUMNS[table] order)."""
        columns = self._columns_of(table)
        if len(row) != len(columns):
            raise ValueError(f"{table}: expected {len(columns)} values, got {len(row)}")
        if self._first_at is None:
            self._first_at = self._clock()
        self._buffers.setdefault(table, []).append(row)

    def extend(self, table: str, rows: Iterable[tuple]) -> None:
        for row in rows:
            self.add(table, row)

    @property
    def pending(self) -> int:
        """Rows buffered, all tables together."""
        return sum(len(rows) for rows in self._buffers.values())

    def due(self, now: float) -> bool:
        """True if a flush is due: a table holds batch_size rows, or the oldest
        buffered row waits since flush_interval_s. `now` is on the sink's clock
        (time.monotonic by default)."""
        if any(len(rows) >= self.batch_size for rows in self._buffers.values()):
            return True
        return self._first_at is not None and now - self._first_at >= self.flush_interval_s

    # ------------------------------------------------------------- writing

    def flush(self) -> int:
        """Write every buffered table; return the number of rows written.

        Raises SinkError if a table cannot be written: its rows (and those of the
        tables not yet written) stay buffered for a later flush.
        """
        written = 0
        for table in list(self._buffers):
            rows = self._buffers[table]
            count = len(rows)
            if count:
                self.write(table, rows[:count])
                del rows[:count]  # only now: a failed write keeps them
                written += count
            if not rows:
                del self._buffers[table]
        if not self._buffers:
            self._first_at = None
        return written

    def write(self, table: str, rows: Sequence[tuple]) -> None:
        """One insert of `rows` into `table`, with retries and back-off."""
        if not rows:
            return
        columns = self._columns_of(table)
        delay = self.backoff_s
        for attempt in range(1, self.retries + 1):
            try:
                self.backend.insert(table, columns, rows)
                return
            except ClickHouseError as exc:
                if attempt == self.retries or not exc.retryable:
                    tries = f"{attempt} attempt{'s' if attempt > 1 else ''}"
                    raise SinkError(f"cannot write {len(rows)} rows to {table} after {tries}: {exc}") from exc
            self._sleep(delay)
            delay = min(delay * 2, self.max_backoff_s)

    def _columns_of(self, table: str) -> Sequence[str]:
        try:
            return self._columns[table]
        except KeyError:
            raise ValueError(f"unknown table {table!r}") from None
