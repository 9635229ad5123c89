"""One worker's processing of consumed records, without any Kafka client.

`PipelineProcessor.process(records)` decodes and validates (bad input -> dead letters),
scores sentiment, feeds each input partition's PartitionState, and advances its
watermark. It returns a BatchOutput of domain values (domain/results.py: scored
events, turn and window snapshots, alerts, dead letters) and the state records to
persist; engines hand it to engines/commit.py, which writes it in the one order that
makes a SIGKILL harmless.
"""
from __future__ import annotations

import gc
from dataclasses import dataclass, field
from typing import Callable

from cluetrain.settings import Settings
from cluetrain.text import language, sentiment, voice
from cluetrain.domain.partition import PartitionState
from cluetrain.domain.results import Alert, DeadLetter, ScoredEvent, TurnSnapshot, WindowSnapshot
from cluetrain.processing.decode import IngestProcessor
from cluetrain.state.archive import ConversationArchive
from cluetrain.codec.headers import RawRecord

# (meta, conversation records) persisted for one partition
StateLoader = Callable[[int], tuple[dict | None, list[dict]]]


@dataclass
class BatchOutput:
    events: list[ScoredEvent] = field(default_factory=list)  # every valid event, duplicates included
    dead_letters: list[DeadLetter] = field(default_factory=list)
    turns: list[TurnSnapshot] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    windows: list[WindowSnapshot] = field(default_factory=list)
    # partition -> ({(brand, conversation_id): record}, meta or None): save in this order
    state: dict[int, tuple[dict, dict | None]] = field(default_factory=dict)
    # (topic, partition) -> offset the consumer must seek back to
    gaps: dict[tuple[str, int], int] = field(default_factory=dict)
    processed: int = 0  # events new to the state (not duplicates)


class PipelineProcessor:
    def __init__(self, settings: Settings, load_state: StateLoader | None = None, *,
                 state_interval_s: float = 0.0):
        """state_interval_s > 0: a batch carries the state (out.state) only when that
        long has passed since the last one that did (a conversation changed by ten
        batches is saved once, not ten times), when a partition's input is final, or
        on `checkpoint(force=True)`; the rows and topic records of every batch are still
        written with it. 0: every batch carries its state."""
        self.settings = settings
        self.ingest = IngestProcessor(settings)
        self.partitions: dict[int, PartitionState] = {}
        self.load_state = load_state
        self.policies = settings.sla_policies()
        self.state_interval_ms = int(state_interval_s * 1000)
        self.unsaved: set[int] = set()  # partitions whose changes no batch has carried yet
        self.state_taken_ms: int | None = None

    def partition(self, p: int) -> PartitionState:
        state = self.partitions.get(p)
        if state is None:
            s = self.settings
            state = PartitionState(s.input_topics, lateness_ms=s.allowed_lateness_s * 1000,
                                   policy_for=self.policies.for_brand,
                                   warn_fraction=s.sla_warning_fraction, brand_rules=s.brand_alert_rules,
                                   retention_ms=s.conversation_retention_s * 1000,
                                   archive=ConversationArchive() if s.conversation_retention_s else None)
            if self.load_state is not None:
                state.restore(*self.load_state(p))
            self.partitions[p] = state
        return state

    def drop_partitions(self, partitions) -> None:
        """On revocation: the state moves to another worker (and back via recovery)."""
        for p in partitions:
            self.unsaved.discard(p)  # the new owner resumes from the last saved meta
            state = self.partitions.pop(p, None)
            if state is not None:
                state.close()

    def admit(self, records: list[RawRecord], out: BatchOutput) -> list[RawRecord]:
        """Keep the records not processed yet, in offset order per topic-partition.

        The state knows the next offset of each input topic-partition (in the meta
        record, saved last): a record below it was processed before
        a restart and is skipped; a record above it means the consumer skipped some
        (seen with Faust around rebalances): it and the rest of that topic-partition
        are left out and `out.gaps` asks the adapter to seek back.
        """
        admitted = []
        for record in records:
            tp = (record.topic, record.partition)
            if tp in out.gaps:
                continue
            state = self.partition(record.partition)
            expected = state.next_offsets.get(record.topic)
            if expected is not None and record.offset < expected:
                continue
            if expected is not None and record.offset > expected:
                out.gaps[tp] = expected
                continue
            state.mark_processed(record.topic, record.offset)
            admitted.append(record)
        return admitted

    def process(self, records: list[RawRecord], now_ms: int) -> BatchOutput:
        # The cyclic GC waits for the end of the batch: a batch allocates tens of thousands
        # of containers (rows, state records) that all live to its end, so collections in
        # the middle rescan the whole state heap again and again (bench/processor_bench.py
        # --no-gc-pause: ~90 instead of ~58 µs/record). Refcounting frees the rest as usual.
        if not gc.isenabled():
            return self._process(records, now_ms)
        gc.disable()
        try:
            return self._process(records, now_ms)
        finally:
            gc.enable()

    def _process(self, records: list[RawRecord], now_ms: int) -> BatchOutput:
        out = BatchOutput()
        records = self.admit(records, out)
        partitions = self.partitions  # admit() made the state of every admitted record
        touched = {record.partition for record in records}
        # valid records only move the clocks; the watermark moves once, after the batch
        batch = self.ingest.decode(records, now_ms, partitions)
        detect, score_of, keys_of = language.detect, sentiment.score, voice.template_keys
        scored, processed = out.events, 0
        for (record, event), clock_ms in zip(batch.events, batch.clocks):
            text = event.text
            lang = event.lang or detect(text)
            score = score_of(text, lang)
            state = partitions[record.partition]
            late = state.is_late(event.created_at_ms, clock_ms)
            keys = keys_of(text) if event.is_brand_side else None
            scored.append(ScoredEvent(event, score, lang, late, record.partition, record.offset, keys, now_ms))
            if state.add_event(event, score, clock_ms):
                processed += 1
        out.processed += processed
        out.dead_letters += batch.dead_letters
        for p in sorted(touched):
            advance = partitions[p].advance()
            out.turns += advance.turns
            out.alerts += advance.alerts
            out.windows += advance.windows
        self.unsaved |= touched
        final = any(partitions[p].final for p in touched)
        self._take_state(out, now_ms, force=final)
        return out

    def checkpoint(self, now_ms: int, *, force: bool = False) -> BatchOutput | None:
        """A batch of state only, if some is unsaved and due (or `force`): for an engine
        that is idle (no input for a while) or stopping."""
        out = BatchOutput()
        self._take_state(out, now_ms, force=force)
        return out if out.state else None

    def _take_state(self, out: BatchOutput, now_ms: int, *, force: bool) -> None:
        due = (force or self.state_taken_ms is None or now_ms - self.state_taken_ms >= self.state_interval_ms)
        if not due or not self.unsaved:
            return
        for p in sorted(self.unsaved):
            out.state[p] = self.partitions[p].take_dirty()
        self.unsaved.clear()
        self.state_taken_ms = now_ms


def set_text_caches(enabled: bool) -> None:
    """Per-text caches (language, sentiment, template keys) on or off: the same results
    either way, this is for benches and tests."""
    for module in (language, sentiment, voice):
        module.CACHES.set_enabled(enabled)


def clear_text_caches() -> None:
    for module in (language, sentiment, voice):
        module.CACHES.clear()
