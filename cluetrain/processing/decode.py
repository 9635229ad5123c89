"""Decode and validate consumed records: events, ticks, or dead letters with a reason.

No Kafka client here (records are RawRecord); processing/processor.py builds on it.
Only a valid record moves its partition's clock (DESIGN.md § Watermark, clock headers
and ticks): a record rejected for any reason, its headers included, is a dead letter
and nothing else, so bad input can never breach a turn or fire an alert.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from cluetrain.codec import wire as codec
from cluetrain.codec.headers import CLOCK, FINAL, TICK, RawRecord, header_values
from cluetrain.domain.events import BadEvent, Event
from cluetrain.domain.partition import PartitionState
from cluetrain.domain.results import DeadLetter
from cluetrain.settings import Settings


@dataclass
class IngestedBatch:
    events: list[tuple[RawRecord, Event]] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    # each event's stream clock: its record's clock header, else its partition's clock
    clocks: list[int | None] = field(default_factory=list)


def topic_kind(settings: Settings, topic: str) -> str:
    return "mention" if topic == settings.topic_mentions else "reply"


def check_tick(value: bytes | None, clock_ms: int | None) -> None:
    """A tick carries a clock and nothing else."""
    if value:
        raise BadEvent(f"{TICK} record with a payload of {len(value)} bytes (a tick carries none)")
    if clock_ms is None:
        raise BadEvent(f"{TICK} record without a {CLOCK} header")


class IngestProcessor:
    """Decodes and validates records, and feeds the valid clocks to the partitions."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def decode(self, records: list[RawRecord], received_at_ms: int,
               partitions: Mapping[int, PartitionState]) -> IngestedBatch:
        """Records in offset order per topic-partition; `partitions` holds the state of each."""
        batch = IngestedBatch()
        s = self.settings
        kinds = {topic: topic_kind(s, topic) for topic in {r.topic for r in records}}
        max_future_s, max_past_s, max_text_bytes = s.max_future_s, s.max_past_s, s.max_text_bytes
        decode_event, events, clocks = codec.decode_event, batch.events, batch.clocks
        for record in records:
            state = partitions[record.partition]
            try:
                clock_ms, is_tick, is_final, content_type = header_values(record.headers)
                if is_tick:
                    check_tick(record.value, clock_ms)
                    state.observe_clock(record.topic, clock_ms, final=is_final)
                    continue
                if is_final:
                    raise BadEvent(f"{FINAL} header on a record that is not a tick")
                stream_clock_ms = clock_ms if clock_ms is not None else state.stream_clock_ms()
                event = decode_event(
                    record.value or b"",
                    topic_kind=kinds[record.topic],
                    content_type=content_type,
                    clock_ms=stream_clock_ms,
                    max_future_s=max_future_s,
                    max_past_s=max_past_s,
                    max_text_bytes=max_text_bytes,
                )
            except BadEvent as exc:
                batch.dead_letters.append(DeadLetter.of(
                    received_at_ms, record.topic, record.partition, record.offset, str(exc), record.value or b"",
                    max_payload_bytes=s.dead_letter_payload_bytes))
                continue
            state.observe_clock(record.topic, clock_ms)
            events.append((record, event))
            clocks.append(stream_clock_ms)
        return batch
