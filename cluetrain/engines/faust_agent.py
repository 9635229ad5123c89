"""Faust agent: input topics -> ClickHouse tables, dead letters, recoverable state.

A thin adapter: each batch of `take_events` is processed by PipelineProcessor and
handed to engines/commit.py, run in the ClickHouse writer's thread so that the event
loop stays free; the adapters below bring the topic sends and the state table's
changelog writes back onto the loop and wait for their delivery. Returning to
take_events acks the batch; Faust commits the acked offsets itself (step 4 of the
protocol only seeks back over gaps here).
"""
from __future__ import annotations

import asyncio
import functools
import logging
import os
import sys
import time

import faust
import mode
from faust.types import TP

from cluetrain.codec.headers import RawRecord, normalize_headers
from cluetrain.codec.outputs import alert_record, dead_letter_record
from cluetrain.domain.results import Alert, DeadLetter
from cluetrain.engines.commit import commit
from cluetrain.processing.processor import BatchOutput, PipelineProcessor
from cluetrain.runtime import exit_codes
from cluetrain.settings import Settings
from cluetrain.sinks.clickhouse_writer import ClickHouseWriter
from cluetrain.sinks.writer import SinkError
from cluetrain.state.faust_table import StateTable

log = logging.getLogger(__name__)


def to_raw(message) -> RawRecord:
    return RawRecord(message.topic, message.partition, message.offset, message.key, message.value,
                     normalize_headers(message.headers))


class FaustTopics:
    """TopicOutput of the commit protocol: queued by the commit thread, sent and awaited on the loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, alerts: faust.TopicT, dead_letters: faust.TopicT):
        self.loop = loop
        self.alerts = alerts
        self.dead_letters = dead_letters
        self.pending: list[tuple[faust.TopicT, bytes, bytes]] = []

    def send_alert(self, alert: Alert) -> None:
        self.pending.append((self.alerts, *alert_record(alert)))

    def send_dead_letter(self, dead_letter: DeadLetter) -> None:
        self.pending.append((self.dead_letters, *dead_letter_record(dead_letter)))

    def flush(self) -> None:
        pending, self.pending = self.pending, []

        async def send_and_wait() -> None:
            futures = [await topic.send(key=key, value=value) for topic, key, value in pending]
            await asyncio.gather(*futures)

        if pending:
            asyncio.run_coroutine_threadsafe(send_and_wait(), self.loop).result()


class Seeker:
    """InputOffsets of the commit protocol: seeks the consumer back over records it
    skipped, once per gap (again if stuck); Faust commits the offsets itself."""

    def __init__(self, app: faust.App, loop: asyncio.AbstractEventLoop, retry_after_s: float = 5.0):
        self.app = app
        self.loop = loop
        self.retry_after_s = retry_after_s
        self.pending: dict[tuple[str, int, int], float] = {}

    def commit(self, batch: BatchOutput) -> None:
        for (topic, partition), offset in batch.gaps.items():
            key = (topic, partition, offset)
            now = time.monotonic()
            if now - self.pending.get(key, -1e9) < self.retry_after_s:
                continue  # records fetched before the seek are still arriving
            self.pending[key] = now
            log.warning("consumer skipped records of %s/%d: seeking back to offset %d", topic, partition, offset)
            asyncio.run_coroutine_threadsafe(self.app.consumer.seek(TP(topic, partition), offset), self.loop).result()


def clickhouse_gone(exc: SinkError) -> None:
    """ClickHouse down past CLUETRAIN_SINK_OUTAGE_S: one line and exit code 3, as the bulk
    worker (DESIGN.md § ClickHouse outages). Faust would log the crash with two
    tracebacks and exit 1; the batch was not committed (step 1 of the protocol failed),
    so ending here loses nothing: it is processed again after the restart."""
    print(f"cluetrain: error: {exc}", file=sys.stderr, flush=True)
    os._exit(exit_codes.CLICKHOUSE)


def register_pipeline_agent(app: faust.App, settings: Settings) -> None:
    inputs = app.topic(*settings.input_topics, partitions=settings.partitions)
    dead_letters = app.topic(settings.topic_dead_letters, partitions=settings.partitions)
    alerts = app.topic(settings.topic_alerts, partitions=settings.partitions)
    # Keys and values are bytes we encode ourselves (raw serializers for the changelog too).
    table = app.Table("state", default=None, partitions=settings.partitions, key_type=bytes, value_type=bytes)
    state = StateTable(table)
    processor = PipelineProcessor(settings, load_state=state.load)

    @app.on_partitions_revoked.connect
    async def on_revoked(app, revoked, **kwargs) -> None:
        partitions = {tp.partition for tp in revoked if tp.topic in settings.input_topics}
        processor.drop_partitions(partitions)
        state.drop(partitions)

    # A bug in processing must stop the worker (non-zero exit), not loop on restarts.
    @app.agent(inputs, name="cluetrain.pipeline", supervisor_strategy=mode.CrashingSupervisor)
    async def pipeline(stream):
        loop = asyncio.get_running_loop()
        state.loop = loop
        topics, seeker = FaustTopics(loop, alerts, dead_letters), Seeker(app, loop)
        writer = ClickHouseWriter(settings)
        await loop.run_in_executor(writer.executor, writer.open)
        try:
            async for events in stream.take_events(settings.sink_batch_size, settings.sink_flush_interval_s):
                out = processor.process([to_raw(e.message) for e in events], int(time.time() * 1000))
                await loop.run_in_executor(writer.executor, functools.partial(
                    commit, out, rows=writer, topics=topics, state=state, offsets=seeker))
        except SinkError as exc:
            clickhouse_gone(exc)
        finally:
            await loop.run_in_executor(writer.executor, writer.close)
            writer.executor.shutdown(wait=False)
