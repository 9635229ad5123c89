"""The bulk engine: one confluent-kafka consumer loop, batches end to end.

Faust handles records one by one (about 130 µs of stream machinery each) and writes a
table's changelog one record per update; this loop takes up to `batch_size` records
per call, processes them (`PipelineProcessor.process`, pure) and hands the result to
engines/commit.py with three adapters: the ClickHouse writer, the worker's producer
(alerts, dead letters and the state changelog) and the consumer (offsets). On
assignment the worker resumes from the offsets in its recovered state, which is exact.

Faults (DESIGN.md § ClickHouse outages, § Broker faults): the rows are written on the
writer's thread while the paused consumer keeps its group alive (held_input.py); a
broker that is gone ends the process with exit code 4 (kafka/watch.py sees it first;
librdkafka's "all brokers down" second), before librdkafka reconnects to a restarted
broker whose topics were re-created, which crashes librdkafka 2.12 (SIGSEGV).
"""
from __future__ import annotations

import gc
import logging
import os
import signal
import sys
import time
from typing import Callable

from cluetrain.settings import Settings
from cluetrain.codec.outputs import alert_record, dead_letter_record
from cluetrain.domain.results import Alert, DeadLetter
from cluetrain.engines.commit import commit
from cluetrain.engines.held_input import HeldInput, WorkerStopped
from cluetrain.sinks.clickhouse_writer import ClickHouseWriter
from cluetrain.kafka.admin import ensure_topics, state_changelog_topic
from cluetrain.kafka.config import consumer_config, recovery_consumer_config
from cluetrain.kafka.consumer import to_raw
from cluetrain.processing.processor import BatchOutput, PipelineProcessor
from cluetrain.kafka.producer import SourceProducer, worker_producer
from cluetrain.kafka.watch import BrokerWatch
from cluetrain.runtime import exit_codes, processes
from cluetrain.runtime.processes import BrokerError
from cluetrain.state.changelog import ChangelogStore

log = logging.getLogger(__name__)
POLL_TIMEOUT_S = 0.2  # longest wait for a batch to fill: bounds the added latency


class CycleCollector:
    """The cyclic garbage collector, run on our schedule instead of on allocations.

    Automatic collections rescan the batch's tens of thousands of new objects and, now
    and then, the whole state heap (millions of objects): measured on 200k events,
    10,626 events/s with it off against 8,115 with it on, and a full collection after
    the run found 0 unreachable cycles (the processing makes none: refcounting frees
    everything). So it is off while the worker runs, and a full collection every
    `interval_s` frees any cycle a library makes, at ~1 s per million objects.
    """

    def __init__(self, interval_s: float = 600.0):
        self.interval_s = interval_s
        self.last: float | None = None
        self.found = 0  # unreachable objects the periodic collections freed

    def start(self, now: float) -> None:
        gc.disable()
        self.last = now

    def tick(self, now: float) -> bool:
        if self.last is None or now - self.last < self.interval_s:
            return False
        self.found += gc.collect()
        self.last = now
        log.debug("periodic garbage collection: %d unreachable objects so far", self.found)
        return True


class BulkWorker:
    def __init__(self, settings: Settings, *, batch_size: int | None = None):
        from confluent_kafka import Consumer

        self.settings = settings
        self.batch_size = batch_size or settings.sink_batch_size
        self.producer = worker_producer(settings)
        self.consumer = Consumer(dict(consumer_config(settings), error_cb=self._on_client_error))
        self.store = ChangelogStore(
            state_changelog_topic(settings), self.producer,
            lambda: Consumer(recovery_consumer_config(settings)))
        self.recovered: dict[int, tuple[dict | None, list[dict]]] = {}
        self.processor = PipelineProcessor(settings, load_state=lambda p: self.recovered.pop(p, (None, [])),
                                           state_interval_s=settings.state_interval_s)
        self.writer = ClickHouseWriter(settings)
        self.output = WorkerOutput(settings, self.producer, self.store, lambda p: p in self.revoked)
        self.stopping = False
        self.exit_code = exit_codes.OK
        self.revoked: set[int] = set()  # partitions revoked while the current batch was held
        self.broker_lost: str | None = None  # set by the client's error callback
        self.held = HeldInput(self.consumer, self.check_held, reported=lambda: self.writer.down)
        self.batches = 0
        self.collector = CycleCollector()

    # -- assignment ----------------------------------------------------------
    def on_assign(self, consumer, tps) -> None:
        from confluent_kafka import OFFSET_BEGINNING

        partitions = {tp.partition for tp in tps}
        started = time.monotonic()
        self.recovered.update(self.store.recover(partitions))
        for tp in tps:
            meta = self.recovered.get(tp.partition, (None, []))[0] or {}
            tp.offset = int(meta.get("offsets", {}).get(tp.topic, OFFSET_BEGINNING))
        consumer.assign(tps)
        log.info("assigned partitions %s, state recovered in %.2f s", sorted(partitions), time.monotonic() - started)

    def on_revoke(self, consumer, tps) -> None:
        partitions = {tp.partition for tp in tps}
        self.revoked |= partitions
        self.processor.drop_partitions(partitions)
        for p in partitions:
            self.recovered.pop(p, None)
        consumer.unassign()

    # -- the loop ------------------------------------------------------------
    def run(self) -> int:
        ensure_topics(self.settings, self.settings.broker)
        self.writer.open()
        watch = BrokerWatch(self.settings.broker, self._on_broker_gone, any_end_is_loss=self.settings.local_broker)
        watch.start()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._stop)
        self.consumer.subscribe(list(self.settings.input_topics), on_assign=self.on_assign,
                                on_revoke=self.on_revoke, on_lost=self.on_revoke)
        self.collector.start(time.monotonic())
        broker_lost = False
        try:
            while not self.stopping:
                messages = self.consumer.consume(num_messages=self.batch_size, timeout=POLL_TIMEOUT_S)
                self.check_broker()
                if messages:
                    self.handle(messages)
                else:
                    self.save_state()
            self.save_state(force=True)  # a stop saves what the last interval changed
        except WorkerStopped:
            log.warning("stopped while ClickHouse was down: the batch in progress will be processed again")
        except BrokerError:
            broker_lost = True
            raise
        finally:
            watch.stop()
            self.writer.cancel()
            if not broker_lost:  # closing would wait on a broker that is gone
                self.consumer.close()
                self.producer.close(10)
            self.writer.close()
        return self.exit_code

    def _stop(self, signum, frame) -> None:
        if signum == signal.SIGINT and not self.stopping:  # Ctrl-C: stopped within 2 s, cleanly or not
            processes.exit_soon(exit_codes.INTERRUPTED)
        self.stopping = True
        self.exit_code = exit_codes.INTERRUPTED if signum == signal.SIGINT else exit_codes.OK

    def _on_client_error(self, err) -> None:
        # An exception raised here would surface as a SystemError: note it, check() raises.
        from confluent_kafka import KafkaError

        if err.fatal() or err.code() == KafkaError._ALL_BROKERS_DOWN:
            self.broker_lost = self.broker_lost or err.str()
        else:
            log.warning("consumer: %s", err.str())

    def _on_broker_gone(self, reason: str) -> None:
        """On the watch's thread: end the process now, with one line. The loop may be held
        inside librdkafka, and waiting risks its reconnect (and crash); nothing is lost,
        this is a crash like any other (DESIGN.md § Crash safety)."""
        print(f"cluetrain: error: lost the broker at {self.settings.broker}: {reason}", file=sys.stderr, flush=True)
        os._exit(exit_codes.BROKER)

    def check_broker(self) -> None:
        self.producer.poll()  # its errors say first that the broker is gone (it reconnects sooner)
        if self.broker_lost:
            raise BrokerError(f"lost the broker at {self.settings.broker}: {self.broker_lost}")

    def check_held(self) -> None:
        """While a batch waits for ClickHouse: a lost broker or a stop ends the wait."""
        self.check_broker()
        if self.stopping:
            raise WorkerStopped()

    def write(self, rows: dict[str, list[tuple]]) -> int:
        """RowSink of the commit protocol: written on the writer's thread, input held meanwhile."""
        return self.held.wait(self.writer.executor.submit(self.writer.write, rows))

    def handle(self, messages) -> None:
        records = []
        for msg in messages:
            err = msg.error()
            if err is None:
                records.append(to_raw(msg))
            elif err.fatal() or not err.retriable():
                raise BrokerError(f"cannot read {msg.topic()}[{msg.partition()}] from {self.settings.broker}: {err.str()}")
            else:
                log.warning("consumer: %s", err)
        out: BatchOutput = self.processor.process(records, int(time.time() * 1000))
        self.revoked = set()
        commit(out, rows=self, topics=self.output, state=self.output, offsets=self)
        self.batches += 1
        self.collector.tick(time.monotonic())

    def save_state(self, *, force: bool = False) -> None:
        """Idle or stopping: the state changed since the last save, if due (the batches
        carry it otherwise; settings.state_interval_s)."""
        out = self.processor.checkpoint(int(time.time() * 1000), force=force)
        if out is not None:
            commit(out, rows=self, topics=self.output, state=self.output, offsets=self)

    def commit(self, batch: BatchOutput) -> None:
        """InputOffsets of the commit protocol: seek back over gaps, commit the state's offsets."""
        from confluent_kafka import KafkaException, TopicPartition

        for (topic, partition), offset in batch.gaps.items():
            if partition in self.revoked:
                continue
            log.warning("consumer skipped records of %s/%d: seeking back to offset %d", topic, partition, offset)
            self.consumer.seek(TopicPartition(topic, partition, offset))
        partitions = self.processor.partitions
        offsets = [TopicPartition(topic, p, offset) for p in batch.state if p not in self.revoked
                   for topic, offset in partitions[p].next_offsets.items()]
        if offsets:
            try:
                self.consumer.commit(offsets=offsets, asynchronous=True)
            except KafkaException as exc:  # informative only: the state holds the true offsets
                log.warning("offset commit failed: %s", exc)


class WorkerOutput:
    """TopicOutput and StateStore of the commit protocol over the worker's one producer."""

    def __init__(self, settings: Settings, producer: SourceProducer, store: ChangelogStore,
                 revoked: Callable[[int], bool]):
        self.settings = settings
        self.producer = producer
        self.store = store
        self.revoked = revoked  # its new owner recovers the last saved state and redoes the batch

    def send_alert(self, alert: Alert) -> None:
        key, value = alert_record(alert)
        self.producer.send(self.settings.topic_alerts, value, key)

    def send_dead_letter(self, dead_letter: DeadLetter) -> None:
        key, value = dead_letter_record(dead_letter)
        self.producer.send(self.settings.topic_dead_letters, value, key)

    def save(self, partition: int, records: dict, meta: dict | None) -> None:
        if not self.revoked(partition):
            self.store.save(partition, records, meta)

    def flush(self) -> None:
        self.producer.flush()


def run_bulk_worker(settings: Settings) -> int:
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return BulkWorker(settings).run()
