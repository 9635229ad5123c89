"""Decode and validate consumed records: events, ticks, or dead letters with a reason.

No Kafka client here (records are RawRecord); processing/processor.py builds on it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from cluetrain.settings import Settings
from cluetrain.codec import wire as codec
from cluetrain.domain.events import BadEvent, Event
from cluetrain.domain.results import DeadLetter
from cluetrain.codec.headers import RawRecord, header_values


@dataclass
class IngestedBatch:
    events: list[tuple[RawRecord, Event]] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    clocks: list[int | None] = field(default_factory=list)  # each event's record clock


def topic_kind(settings: Settings, topic: str) -> str:
    return "mention" if topic == settings.topic_mentions else "reply"


class IngestProcessor:
    """Decodes and validates records (the watermark lives in PartitionState)."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def decode(self, records: list[RawRecord], received_at_ms: int,
               heads: list[tuple] | None = None) -> IngestedBatch:
        """`heads`: header_values() of each record when the caller has them already."""
        batch = IngestedBatch()
        s = self.settings
        kinds = {topic: topic_kind(s, topic) for topic in {r.topic for r in records}}
        max_future_s, max_text_bytes = s.max_future_s, s.max_text_bytes
        decode_event, events, clocks = codec.decode_event, batch.events, batch.clocks
        if heads is None:
            heads = [header_values(r.headers) for r in records]
        for record, (clock_ms, is_tick, _, content_type) in zip(records, heads):
            if is_tick:
                continue
            try:
                event = decode_event(
                    record.value or b"",
                    topic_kind=kinds[record.topic],
                    content_type=content_type,
                    clock_ms=clock_ms,
                    max_future_s=max_future_s,
                    max_text_bytes=max_text_bytes,
                )
            except BadEvent as exc:
                batch.dead_letters.append(DeadLetter(
                    received_at_ms, record.topic, record.partition, record.offset, str(exc), record.value or b""))
                continue
            events.append((record, event))
            clocks.append(clock_ms)
        return batch
