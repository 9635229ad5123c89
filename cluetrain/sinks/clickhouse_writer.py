"""The engines' row sink: ClickHouse rows of a batch, written and flushed (with retries)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from cluetrain.settings import Settings
from cluetrain.sinks.backends import open_backend
from cluetrain.sinks.migrate import apply_migrations
from cluetrain.sinks.writer import ClickHouseSink


class ClickHouseWriter:
    """The sink, used from one thread so ClickHouse I/O can stay off an event loop."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clickhouse")
        self.backend = None
        self.sink: ClickHouseSink | None = None

    def open(self) -> None:
        s = self.settings
        self.backend = open_backend(s.clickhouse, s.database)
        apply_migrations(self.backend, self.backend.database)
        self.sink = ClickHouseSink(self.backend, outage_limit_s=s.sink_outage_s)

    def write(self, rows: dict[str, list[tuple]]) -> int:
        for table, table_rows in rows.items():
            self.sink.extend(table, table_rows)
        return self.sink.flush()

    @property
    def down(self) -> bool:
        """An outage is in progress and logged (sinks/writer.py)."""
        return self.sink is not None and self.sink.down

    def cancel(self) -> None:
        """Stop retrying a write through an outage (from any thread): it raises SinkError."""
        if self.sink is not None:
            self.sink.cancel()

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()
            self.backend = None
