"""Faust agent: input topics -> ClickHouse tables, dead letters, recoverable state.

A thin adapter around PipelineProcessor. For each batch, in this order:
1. rows (raw events, turns, windows, alerts, dead letters) are written to ClickHouse,
   then alerts and dead letters are sent to their topics;
2. state goes to the changelog of the Faust table `state`: one record per changed
   conversation (written once per batch, not per event), then the partition's meta
   record (clocks, horizon, next input offsets) last;
3. returning to take_events acks the batch; Faust flushes its producer before it
   commits offsets.
A crash anywhere re-delivers from the last commit: rows are idempotent (FINAL), events
already in a recovered conversation are skipped by event_id, and open windows are
rebuilt from the recovered conversations, so nothing is lost or doubled.
"""
from __future__ import annotations

import asyncio
import logging
import time

import faust
import mode
from faust.types import TP

from cluetrain.settings import Settings
from cluetrain.sinks.clickhouse_writer import ClickHouseWriter, encode_alert, encode_dead_letter
from cluetrain.processing.processor import BatchOutput, PipelineProcessor
from cluetrain.codec.headers import RawRecord, normalize_headers
from cluetrain.state.changelog import PartitionImage, encode_save

log = logging.getLogger(__name__)


def to_raw(message) -> RawRecord:
    return RawRecord(message.topic, message.partition, message.offset, message.key, message.value,
                     normalize_headers(message.headers))


class StateTable:
    """Partition state persisted in a Faust table (changelog-backed, recovered by Faust)."""

    def __init__(self, table):
        self.table = table

    def load(self, partition: int) -> tuple[dict | None, list[dict]]:
        image = PartitionImage(partition)
        for key, value in list(self.table.data.items()):
            if isinstance(key, bytes):
                image.apply(key, value)
        return image.state()

    def save(self, partition: int, records: dict[tuple[str, str], dict], meta: dict | None) -> None:
        # Order matters (see domain/partition.py): state records, then meta last.
        for key, value in encode_save(partition, records, meta):
            self._put(partition, key, value)

    def _put(self, partition: int, key: bytes, value: bytes) -> None:
        # Explicit partition: the state of input partition p lives in changelog partition p.
        self.table.send_changelog(partition, key, value, key_serializer="raw", value_serializer="raw")
        store = self.table.data
        store[key] = value
        key_partition = getattr(store, "_key_partition", None)
        if key_partition is not None:
            key_partition[key] = partition  # lets Faust drop it when the partition is revoked


class Seeker:
    """Seeks the consumer back over records it skipped; once per gap, again if stuck."""

    def __init__(self, app: faust.App, retry_after_s: float = 5.0):
        self.app = app
        self.retry_after_s = retry_after_s
        self.pending: dict[tuple[str, int, int], float] = {}

    async def seek_back(self, topic: str, partition: int, offset: int) -> None:
        key = (topic, partition, offset)
        now = time.monotonic()
        if now - self.pending.get(key, -1e9) < self.retry_after_s:
            return  # records fetched before the seek are still arriving
        self.pending[key] = now
        log.warning("consumer skipped records of %s/%d: seeking back to offset %d", topic, partition, offset)
        await self.app.consumer.seek(TP(topic, partition), offset)


def register_pipeline_agent(app: faust.App, settings: Settings) -> None:
    inputs = app.topic(*settings.input_topics, partitions=settings.partitions)
    dead_letters = app.topic(settings.topic_dead_letters, partitions=settings.partitions)
    alerts = app.topic(settings.topic_alerts, partitions=settings.partitions)
    table = app.Table("state", default=None, partitions=settings.partitions)
    # Keys and values are bytes we encode ourselves; Faust defaults to json, and its
    # changelog topic (already built when the table registered) must decode raw too.
    table.key_serializer = table.value_serializer = "raw"
    table.changelog_topic = table._new_changelog_topic()
    state = StateTable(table)
    processor = PipelineProcessor(settings, load_state=state.load)
    seeker = Seeker(app)

    @app.on_partitions_revoked.connect
    async def on_revoked(app, revoked, **kwargs) -> None:
        processor.drop_partitions({tp.partition for tp in revoked if tp.topic in settings.input_topics})

    # A bug in processing must stop the worker (non-zero exit), not loop on restarts.
    @app.agent(inputs, name="cluetrain.pipeline", supervisor_strategy=mode.CrashingSupervisor)
    async def pipeline(stream):
        writer = ClickHouseWriter(settings)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(writer.executor, writer.open)
        try:
            async for events in stream.take_events(settings.sink_batch_size, settings.sink_flush_interval_s):
                now_ms = int(time.time() * 1000)
                out: BatchOutput = processor.process([to_raw(e.message) for e in events], now_ms)
                await loop.run_in_executor(writer.executor, writer.write, out.rows)
                # Topics next, delivered before the state that marks the records done:
                # a crash re-sends them (at least once; alert_id is the idempotency key).
                sent = [await alerts.send(key=a["brand"].encode(), value=encode_alert(a)) for a in out.alerts]
                sent += [await dead_letters.send(key=dl.source_topic.encode(), value=encode_dead_letter(dl))
                         for dl in out.dead_letters]
                for fut in sent:
                    await fut
                for partition, (convs, meta) in out.state.items():
                    state.save(partition, convs, meta)
                for (topic, partition), offset in out.gaps.items():
                    await seeker.seek_back(topic, partition, offset)
        finally:
            await loop.run_in_executor(writer.executor, writer.close)
            writer.executor.shutdown(wait=False)
