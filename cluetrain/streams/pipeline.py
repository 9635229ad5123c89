"""One worker's processing of consumed records, without any Kafka client.

`PipelineProcessor.process(records)` decodes and validates (bad input -> dead letters),
scores sentiment, stores raw events, feeds each input partition's PartitionState, and
advances its watermark. It returns every row to write and the state records to
persist. The agent writes rows first, then state (meta first), then acks: see
agents/ingest.py for why that order makes a SIGKILL harmless.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from cluetrain.settings import Settings
from cluetrain.sinks import tables
from cluetrain.streams.domain import language, sentiment, voice
from cluetrain.streams.domain.partition import PartitionState
from cluetrain.streams.ingest import DeadLetter, IngestProcessor
from cluetrain.streams.records import RawRecord

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
        out = BatchOutput()
        records = self.admit(records, out)
        batch = self.ingest.decode(records, now_ms)
        touched: set[int] = set()
        for record in records:  # clocks first: ticks and events alike
            state = self.partition(record.partition)
            state.observe_clock(record.topic, record.clock_ms, final=record.is_final)
            touched.add(record.partition)
        for record, event in batch.events:
            lang = event.lang or language.detect(event.text)
            score = sentiment.score(event.text, lang)
            state = self.partition(record.partition)
            late = state.is_late(event.created_at_ms, record.clock_ms)
            keys = voice.template_keys(event.text) if event.is_brand_side else None
            out.add_row(tables.event_table(event), tables.event_row(
                event, sentiment=score, lang=lang, late=late, source_partition=record.partition,
                source_offset=record.offset, ingested_at_s=now_ms // 1000, template_keys=keys))
            if state.add_event(event, score, record.clock_ms):
                out.events += 1
        for dl in batch.dead_letters:
            out.dead_letters.append(dl)
            out.add_row("dead_letters", tables.dead_letter_row(
                received_at_s=dl.received_at_ms // 1000, source_topic=dl.source_topic,
                source_partition=dl.source_partition, source_offset=dl.source_offset,
                reason=dl.reason, payload=dl.payload))
        for p in sorted(touched):
            self._advance(self.partitions[p], out)
            out.state[p] = self.partitions[p].take_dirty()
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


def turn_row(t: dict, version: int) -> tuple:
    columns = tables.TABLE_COLUMNS["turns"]
    values = dict(t, started_at=tables.utc_from_s(t["started_at"]), deadline=tables.utc_from_s(t["deadline"]),
                  answered_at=None if t["answered_at"] is None else tables.utc_from_s(t["answered_at"]),
                  version=version)
    return tuple(values[c] for c in columns)


def alert_table_row(a: dict, version: int) -> tuple:
    columns = tables.TABLE_COLUMNS["alerts"]
    values = dict(a, fired_at=tables.utc_from_s(a["fired_at"]), version=version,
                  resolved_at=None if a["resolved_at"] is None else tables.utc_from_s(a["resolved_at"]))
    return tuple(values[c] for c in columns)


def reciprocity_row(r: dict, version: int) -> tuple:
    columns = tables.TABLE_COLUMNS["reciprocity_windows"]
    values = dict(r, window_start=tables.utc_from_s(r["window_start"]), version=version)
    return tuple(values[c] for c in columns)


def sentiment_row(r: dict, version: int) -> tuple:
    columns = tables.TABLE_COLUMNS["sentiment_windows"]
    values = dict(r, window_start=tables.utc_from_s(r["window_start"]), version=version)
    return tuple(values[c] for c in columns)
