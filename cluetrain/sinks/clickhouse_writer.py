"""What both worker engines write besides state: ClickHouse rows, alert and dead-letter records."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from cluetrain.settings import Settings
from cluetrain.sinks.backends import open_backend
from cluetrain.sinks.migrate import apply_migrations
from cluetrain.sinks.writer import ClickHouseSink
from cluetrain.codec import wire as codec


def encode_alert(alert: dict) -> bytes:
    resolved = alert["resolved_at"]
    return codec.encode_alert(dict(alert, fired_at=alert["fired_at"] * 1000,
                                   resolved_at=None if resolved is None else resolved * 1000))


def encode_dead_letter(dl) -> bytes:
    return codec.encode_dead_letter(received_at=dl.received_at_ms, reason=dl.reason, payload=dl.payload,
                                    source_topic=dl.source_topic, source_partition=dl.source_partition,
                                    source_offset=dl.source_offset)


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
        self.sink = ClickHouseSink(self.backend, batch_size=s.sink_batch_size,
                                   flush_interval_s=s.sink_flush_interval_s, retries=s.sink_retries)

    def write(self, rows: dict[str, list[tuple]]) -> int:
        for table, table_rows in rows.items():
            self.sink.extend(table, table_rows)
        return self.sink.flush()

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()
            self.backend = None
