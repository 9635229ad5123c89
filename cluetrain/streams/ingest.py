"""Turn a batch of consumed records into table rows and dead letters.

No Kafka client here: the Faust agent (agents/ingest.py) adapts its events to
RawRecord, calls `IngestProcessor.process`, writes the rows, flushes the sink, and
only then lets Faust commit the offsets. Per-event work is plain functions.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass, field

from cluetrain.settings import Settings
from cluetrain.sinks import tables
from cluetrain.streams import codec
from cluetrain.streams.domain import language, sentiment
from cluetrain.streams.domain.events import BadEvent, Event
from cluetrain.streams.records import RawRecord


@dataclass(frozen=True, slots=True)
class DeadLetter:
    received_at_ms: int
    source_topic: str
    source_partition: int
    source_offset: int
    reason: str
    payload: bytes

    @property
    def source(self) -> str:
        return f"{self.source_topic}/{self.source_partition}@{self.source_offset}"

    @property
    def dead_letter_id(self) -> str:
        return self.source

    @property
    def payload_base64(self) -> str:
        return base64.b64encode(self.payload).decode("ascii")


@dataclass
class IngestedBatch:
    events: list[tuple[RawRecord, Event]] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    ticks: list[RawRecord] = field(default_factory=list)


def topic_kind(settings: Settings, topic: str) -> str:
    return "mention" if topic == settings.topic_mentions else "reply"


class IngestProcessor:
    """Decodes and validates records; keeps each partition's source clock."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.clocks: dict[tuple[str, int], int] = {}

    def decode(self, records: list[RawRecord], received_at_ms: int) -> IngestedBatch:
        batch = IngestedBatch()
        s = self.settings
        for record in records:
            clock = record.clock_ms
            if clock is not None:
                tp = (record.topic, record.partition)
                if clock > self.clocks.get(tp, -1):
                    self.clocks[tp] = clock
            if record.is_tick:
                batch.ticks.append(record)
                continue
            try:
                event = codec.decode_event(
                    record.value or b"",
                    topic_kind=topic_kind(s, record.topic),
                    content_type=record.content_type,
                    clock_ms=clock,
                    max_future_s=s.max_future_s,
                    max_text_bytes=s.max_text_bytes,
                )
            except BadEvent as exc:
                batch.dead_letters.append(DeadLetter(
                    received_at_ms, record.topic, record.partition, record.offset, str(exc), record.value or b""))
                continue
            batch.events.append((record, event))
        return batch

    def is_late(self, record: RawRecord, event: Event) -> bool:
        """DESIGN: later than the allowed lateness behind the source clock of its record."""
        clock = record.clock_ms
        return clock is not None and event.created_at_ms < clock - self.settings.allowed_lateness_s * 1000

    def rows(self, batch: IngestedBatch, ingested_at_s: int) -> dict[str, list[tuple]]:
        out: dict[str, list[tuple]] = {"mentions": [], "replies": [], "dead_letters": []}
        for record, event in batch.events:
            lang = event.lang or language.detect(event.text)
            row = tables.event_row(
                event,
                sentiment=sentiment.score(event.text, lang),
                lang=lang,
                late=self.is_late(record, event),
                source_partition=record.partition,
                source_offset=record.offset,
                ingested_at_s=ingested_at_s,
            )
            out["mentions" if event.kind == "mention" else "replies"].append(row)
        for dl in batch.dead_letters:
            out["dead_letters"].append(tables.dead_letter_row(dl))
        return out
