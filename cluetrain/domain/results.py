"""What the processing produces, as immutable values in one time unit (DESIGN.md § Time units).

Instants are epoch milliseconds (`*_ms`), durations carry their unit in their name
(`latency_s` is the metric of DESIGN, in whole seconds). `as_of_ms` is the watermark
at which a snapshot was taken: a later snapshot of the same key supersedes it (sinks
use it as the row version). Turning these into ClickHouse rows, topic records or
anything else is the sinks' and codecs' business, not the domain's.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import NamedTuple

from cluetrain.domain.events import Event


class ScoredEvent(NamedTuple):
    """A valid event with what text analytics and the watermark said of it."""
    event: Event
    sentiment: float
    lang: str  # the event's, or the detected one ('' if unknown)
    late: bool
    source_partition: int
    source_offset: int
    template_keys: list[str] | None  # brand-side replies only
    ingested_ms: int


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """Input that could not be used, with the reason and where it came from.

    `payload` is the input's first bytes only when it was larger than the cap it was
    built with (DeadLetter.of): payload_size and payload_sha256 always describe the
    input as received, so a truncated payload is told apart and can be matched.
    """
    received_at_ms: int
    source_topic: str
    source_partition: int
    source_offset: int  # -1: the input never had a position in a topic
    reason: str
    payload: bytes
    payload_size: int
    payload_sha256: str  # hex

    @classmethod
    def of(cls, received_at_ms: int, source_topic: str, source_partition: int, source_offset: int, reason: str,
           payload: bytes, *, max_payload_bytes: int | None = None) -> "DeadLetter":
        """A dead letter of `payload`, kept whole or cut to `max_payload_bytes`."""
        payload = bytes(payload)
        kept = payload if max_payload_bytes is None else payload[:max_payload_bytes]
        return cls(received_at_ms, source_topic, source_partition, source_offset, reason, kept, len(payload),
                   hashlib.sha256(payload).hexdigest())


@dataclass(frozen=True, slots=True)
class TurnSnapshot:
    """One turn as it stands at `as_of_ms`.

    DESIGN.md § Metric definitions (per brand, event time), § SLA policies (extension).
    """
    brand: str
    conversation_id: str
    turn_index: int
    started_ms: int
    customer_messages: int
    answered_ms: int | None
    responder_id: str  # '' while unanswered
    responder_role: str
    latency_s: int | None
    status: str  # open | answered | breached | answered_late
    deadline_ms: int
    customer_id: str
    customer_followers: int | None
    first_sentiment: float
    last_sentiment: float
    negative_messages: int
    priority: str  # 'normal' unless a priority rule of the brand's SLA policy matched
    business_latency_s: int | None  # B(started, answered) in whole seconds; = latency_s 24/7
    as_of_ms: int
    team: str = ""  # the responder's team in the policy file's team map when it answered


@dataclass(frozen=True, slots=True)
class Alert:
    """An alert as fired (resolved_ms None) or resolved; alert_id is its identity."""
    alert_id: str
    kind: str
    brand: str
    conversation_id: str  # '' for brand-level alerts
    fired_ms: int
    resolved_ms: int | None
    severity: str
    details: str  # JSON object
    as_of_ms: int


@dataclass(frozen=True, slots=True)
class WindowSnapshot:
    """The counters of one brand's one-minute window at `as_of_ms`; `final` once the
    watermark has passed its end (it never changes again)."""
    brand: str
    window_start_ms: int
    counts: dict[str, float]  # a copy: counters of windows.RECIPROCITY_COUNTERS and "<side>:<counter>"
    final: bool
    as_of_ms: int
