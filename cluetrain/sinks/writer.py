"""Buffered, retrying writes of rows to ClickHouse tables.

The sink never loses a row: a table's buffer is cleared only after its insert
succeeded. A failing insert is retried with capped exponential back-off (0.2 s,
doubling, at most 5 s between attempts) for as long as the outage limit says
(CLUETRAIN_SINK_OUTAGE_S, 0 = for ever: DESIGN.md § ClickHouse outages); then SinkError
is raised and the rows stay buffered (the caller stops without committing offsets).
An outage is logged once when it starts and once when it ends, never per attempt.
Not thread-safe: use it from one task or thread (`cancel()` may come from another).
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Iterable, Sequence

from .backends import Backend, ClickHouseError
from .tables import TABLE_COLUMNS

log = logging.getLogger(__name__)


class SinkError(RuntimeError):
    """A write failed for good (outage past the limit, a value that cannot be written,
    or cancelled); str() is one clear line."""


class ClickHouseSink:
    def __init__(
        self,
        backend: Backend,
        *,
        outage_limit_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
        backoff_s: float = 0.2,
        max_backoff_s: float = 5.0,
        columns: dict[str, Sequence[str]] | None = None,
    ):
        """`outage_limit_s`: how long a failing write is retried (0 = for ever).
        `sleep`: waits between attempts (default: an interruptible wait, see cancel())."""
        if outage_limit_s < 0:
            raise ValueError("outage_limit_s must be >= 0")
        self.backend = backend
        self.outage_limit_s = outage_limit_s
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._clock = clock
        self._cancelled = threading.Event()
        self._sleep = sleep or self._cancelled.wait
        self._columns = dict(TABLE_COLUMNS if columns is None else columns)
        self._buffers: dict[str, list[tuple]] = {}
        self.down = False  # an outage is in progress (its first line is logged); read from any thread

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

    def cancel(self) -> None:
        """Stop retrying (from any thread): the write in progress raises SinkError."""
        self._cancelled.set()

    def write(self, table: str, rows: Sequence[tuple]) -> None:
        """One insert of `rows` into `table`, retried through an outage."""
        if not rows:
            return
        columns = self._columns_of(table)
        delay = self.backoff_s
        failing_since: float | None = None
        attempts = 0
        while True:
            attempts += 1
            try:
                self.backend.insert(table, columns, rows)
                break
            except ClickHouseError as exc:
                what = f"cannot write {len(rows)} rows to {table}"
                if not exc.retryable:
                    raise SinkError(f"{what}: {exc}") from exc
                now = self._clock()
                if failing_since is None:
                    failing_since = now
                    self.down = True
                    limit = f"for {self.outage_limit_s:g} s" if self.outage_limit_s else "until it is back"
                    log.warning("ClickHouse down: %s; input paused, retrying every %g-%g s %s",
                                exc, self.backoff_s, self.max_backoff_s, limit)
                elif self.outage_limit_s and now - failing_since >= self.outage_limit_s:
                    raise SinkError(f"{what}: ClickHouse failing for {now - failing_since:.0f} s "
                                    f"({attempts} attempts, limit CLUETRAIN_SINK_OUTAGE_S={self.outage_limit_s:g}): "
                                    f"{exc}") from exc
            self._sleep(delay)
            if self._cancelled.is_set():
                raise SinkError(f"cannot write {len(rows)} rows to {table}: stopped while ClickHouse was down")
            delay = min(delay * 2, self.max_backoff_s)
        self.down = False
        if failing_since is not None:
            log.warning("ClickHouse back: %d rows written to %s after %.1f s down (%d attempts)",
                        len(rows), table, self._clock() - failing_since, attempts)

    def _columns_of(self, table: str) -> Sequence[str]:
        try:
            return self._columns[table]
        except KeyError:
            raise ValueError(f"unknown table {table!r}") from None
