"""One worker's processing of consumed records, without any Kafka client.

`PipelineProcessor.process(records)` decodes and validates (bad input -> dead letters),
scores sentiment, stores raw events, feeds each input partition's PartitionState, and
advances its watermark. It returns every row to write and the state records to
persist. The agent writes rows first, then state (meta first), then acks: see
agents/ingest.py for why that order makes a SIGKILL harmless.
"""
from __future__ import annotations

import gc
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Callable

from cluetrain.settings import Settings
from cluetrain.sinks import tables
from cluetrain.text import language, sentiment, voice
from cluetrain.domain.partition import PartitionState
from cluetrain.processing.decode import DeadLetter, IngestProcessor
from cluetrain.codec.headers import RawRecord, header_values

# (meta, conversation records) persisted for one partition
StateLoader = Callable[[int], tuple[dict | None, list[dict]]]


@dataclass
class BatchOutput:
    rows: dict[str, list[tuple]] = field(default_factory=dict)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    alerts: list[dict] = field(default_factory=list)  # also for the alerts topic
    # partition -> ({(brand, conversation_id): record}, meta or None): save in this order
    state: dict[int, tuple[dict, dict | None]] = field(default_factory=dict)
    # (topic, partition) -> offset the consumer must seek back to
    gaps: dict[tuple[str, int], int] = field(default_factory=dict)
    events: int = 0

    def add_row(self, table: str, row: tuple) -> None:
        self.rows.setdefault(table, []).append(row)


class PipelineProcessor:
    def __init__(self, settings: Settings, load_state: StateLoader | None = None):
        self.settings = settings
        self.ingest = IngestProcessor(settings)
        self.partitions: dict[int, PartitionState] = {}
        self.load_state = load_state

    def partition(self, p: int) -> PartitionState:
        state = self.partitions.get(p)
        if state is None:
            s = self.settings
            state = PartitionState(s.input_topics, lateness_ms=s.allowed_lateness_s * 1000,
                                   sla_ms_for=lambda brand: s.sla_for(brand) * 1000,
                                   warn_fraction=s.sla_warning_fraction, brand_rules=s.brand_alert_rules)
            if self.load_state is not None:
                state.restore(*self.load_state(p))
            self.partitions[p] = state
        return state

    def drop_partitions(self, partitions) -> None:
        """On revocation: the state moves to another worker (and back via recovery)."""
        for p in partitions:
            self.partitions.pop(p, None)

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
        touched: set[int] = set()
        heads = []
        for record in records:  # clocks first: ticks and events alike
            head = header_values(record.headers)  # (clock_ms, is_tick, is_final, content_type)
            heads.append(head)
            partitions[record.partition].observe_clock(record.topic, head[0], final=head[2])
            touched.add(record.partition)
        batch = self.ingest.decode(records, now_ms, heads)
        rows = out.rows
        ingested_at = tables.utc_from_s(now_ms // 1000)
        detect, score_of, keys_of = language.detect, sentiment.score, voice.template_keys
        event_row, table_of = tables.event_row_at, tables.TABLE_OF_KIND
        events = 0
        for (record, event), clock_ms in zip(batch.events, batch.clocks):
            text = event.text
            lang = event.lang or detect(text)
            score = score_of(text, lang)
            state = partitions[record.partition]
            late = state.is_late(event.created_at_ms, clock_ms)
            keys = keys_of(text) if event.is_brand_side else None
            row = event_row(event, score, lang, late, record.partition, record.offset, ingested_at, keys)
            table = table_of[event.kind]
            table_rows = rows.get(table)
            if table_rows is None:
                table_rows = rows[table] = []
            table_rows.append(row)
            if state.add_event(event, score, clock_ms):
                events += 1
        out.events += events
        for dl in batch.dead_letters:
            out.dead_letters.append(dl)
            out.add_row("dead_letters", tables.dead_letter_row(
                received_at_s=dl.received_at_ms // 1000, source_topic=dl.source_topic,
                source_partition=dl.source_partition, source_offset=dl.source_offset,
                reason=dl.reason, payload=dl.payload))
        for p in sorted(touched):
            self._advance(partitions[p], out)
            out.state[p] = partitions[p].take_dirty()
        return out

    def _advance(self, state: PartitionState, out: BatchOutput) -> None:
        adv = state.advance()
        version = max(0, adv.watermark_ms or 0)
        for turn in adv.turns:
            out.add_row("turns", turn_row(turn, version))
        for alert in adv.alerts:
            out.alerts.append(alert)
            out.add_row("alerts", alert_table_row(alert, version))
        for window in adv.final_windows + adv.open_windows:
            if window.has_reciprocity:
                out.add_row("reciprocity_windows", reciprocity_row(window.reciprocity_row(), version))
            for row in window.sentiment_rows():
                out.add_row("sentiment_windows", sentiment_row(row, version))


def set_text_caches(enabled: bool) -> None:
    """Per-text caches (language, sentiment, template keys) on or off: the same results
    either way, this is for benches and tests."""
    for module in (language, sentiment, voice):
        module.set_caching(enabled)


def clear_text_caches() -> None:
    for module in (language, sentiment, voice):
        module.set_caching(module._caching)


def _row_maker(table: str, times: tuple[str, ...], optional_times: tuple[str, ...] = ()):
    """Row builder of a metric table: the dict's values in column order, epoch-second
    columns as datetimes, `version` last (every metric table ends with it). One
    itemgetter instead of a copy of the dict per row."""
    columns = tables.TABLE_COLUMNS[table]
    assert columns[-1] == "version"
    get = itemgetter(*columns[:-1])
    at = [columns.index(c) for c in times]
    at_optional = [columns.index(c) for c in optional_times]
    utc = tables.utc_from_s

    def make(d: dict, version: int) -> tuple:
        row = list(get(d))
        for i in at:
            row[i] = utc(row[i])
        for i in at_optional:
            if row[i] is not None:
                row[i] = utc(row[i])
        row.append(version)
        return tuple(row)
    return make


turn_row = _row_maker("turns", ("started_at", "deadline"), ("answered_at",))
alert_table_row = _row_maker("alerts", ("fired_at",), ("resolved_at",))
reciprocity_row = _row_maker("reciprocity_windows", ("window_start",))
sentiment_row = _row_maker("sentiment_windows", ("window_start",))
