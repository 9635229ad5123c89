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
        retries: int,
        sleep: Callable[[float], None] = time.sleep,
        backoff_s: float = 0.2,
        max_backoff_s: float = 5.0,
        columns: dict[str, Sequence[str]] | None = None,
    ):
        if retries < 1:
            raise ValueError("retries must be >= 1")
        self.backend = backend
        self.retries = retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._sleep = sleep
        self._columns = dict(TABLE_COLUMNS if columns is None else columns)
        self._buffers: dict[str, list[tuple]] = {}

    # ------------------------------------------------------------ buffering

    def add(self, table: str, row: tuple) -> None:
        """Buffer one row (a tuple in TABLE_COLUMNS[table] order)."""
        columns = self._columns_of(table)
        if len(row) != len(columns):
            raise ValueError(f"{table}: expected {len(columns)} values, got {len(row)}")
        self._buffers.setdefault(table, []).append(row)

    def extend(self, table: str, rows: Iterable[tuple]) -> None:
        for row in rows:
            self.add(table, row)

    @property
    def pending(self) -> int:
        """Rows buffered, all tables together."""
        return sum(len(rows) for rows in self._buffers.values())

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
