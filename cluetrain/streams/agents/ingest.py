"""Faust agent: input topics -> ClickHouse raw tables and dead letters.

A thin adapter: records go to IngestProcessor (pure per-event work), rows to the
ClickHouse sink. Each batch is flushed before take_events acks its events, so Faust
commits an offset only after its rows are written (at-least-once; the tables are
idempotent under FINAL).
"""
from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor

import faust

from cluetrain.settings import Settings
from cluetrain.sinks.backends import open_backend
from cluetrain.sinks.migrate import apply_migrations
from cluetrain.sinks.writer import ClickHouseSink
from cluetrain.streams import codec
from cluetrain.streams.ingest import IngestProcessor
from cluetrain.streams.records import RawRecord, normalize_headers

log = logging.getLogger(__name__)


def to_raw(message) -> RawRecord:
    return RawRecord(message.topic, message.partition, message.offset, message.key, message.value,
                     normalize_headers(message.headers))


class IngestWorker:
    """Holds the sink and the processor for the agent; ClickHouse I/O runs off the event loop."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.processor = IngestProcessor(settings)
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clickhouse")
        self.sink: ClickHouseSink | None = None
        self.backend = None

    def open(self) -> None:
        s = self.settings
        self.backend = open_backend(s.clickhouse, s.database)
        apply_migrations(self.backend, s.database)
        self.sink = ClickHouseSink(self.backend, database=s.database, batch_size=s.sink_batch_size,
                                   flush_interval_s=s.sink_flush_interval_s, retries=s.sink_retries)

    def write_batch(self, rows: dict[str, list[tuple]]) -> int:
        assert self.sink is not None
        for table, table_rows in rows.items():
            for row in table_rows:
                self.sink.add(table, row)
        return self.sink.flush()

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()
            self.backend = None


def register_ingest_agent(app: faust.App, settings: Settings) -> None:
    inputs = app.topic(*settings.input_topics, partitions=settings.partitions)
    dead_letters = app.topic(settings.topic_dead_letters, partitions=settings.partitions)
    worker = IngestWorker(settings)

    @app.agent(inputs, name="cluetrain.ingest")
    async def ingest(stream):
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(worker.executor, worker.open)
        try:
            async for events in stream.take_events(settings.sink_batch_size, settings.sink_flush_interval_s):
                now = time.time()
                batch = worker.processor.decode([to_raw(e.message) for e in events], int(now * 1000))
                rows = worker.processor.rows(batch, int(now))
                await loop.run_in_executor(worker.executor, worker.write_batch, rows)
                for dl in batch.dead_letters:
                    await dead_letters.send(key=dl.source_topic.encode(), value=codec.encode_dead_letter(dl))
                # returning to take_events acks the batch: offsets follow the flush
        finally:
            await loop.run_in_executor(worker.executor, worker.close)
            worker.executor.shutdown(wait=False)
