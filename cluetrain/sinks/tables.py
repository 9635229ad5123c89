"""Column lists of the ClickHouse tables (migrations/*.sql) and pure row builders.

Rows are tuples in TABLE_COLUMNS order; DateTime columns hold aware UTC datetimes
(see backends.py for the value conventions). Metric tables end with `version`:
the writer of a metric row gives every new state of a key a larger version.
In `turns`, responder_id/responder_role are '' while the turn is unanswered.
"""
from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timezone

from cluetrain.domain.events import Event

_EVENT_COLUMNS = (
    "kind", "event_id", "conversation_id", "in_reply_to", "brand", "author_id",
    "author_role", "author_followers", "text", "lang", "created_at",
    "created_at_ms", "sentiment", "late", "source_partition", "source_offset", "ingested_at",
    "template_keys",
)

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "mentions": _EVENT_COLUMNS,
    "replies": _EVENT_COLUMNS,
    "dead_letters": (
        "received_at", "source", "reason", "payload_base64",
        "source_topic", "source_partition", "source_offset", "dead_letter_id",
    ),
    "turns": (
        "brand", "conversation_id", "turn_index", "started_at", "customer_messages",
        "answered_at", "responder_id", "responder_role", "latency_s", "status", "deadline",
        "customer_id", "customer_followers", "first_sentiment", "last_sentiment", "negative_messages",
        "version",
    ),
    "reciprocity_windows": (
        "brand", "window_start", "customer_messages", "turns_opened", "brand_replies",
        "employee_replies", "peer_replies", "answered", "answered_within_sla",
        "answered_late", "breached", "latency_sum_s", "late_events", "version",
    ),
    "sentiment_windows": (
        "brand", "window_start", "side", "messages", "score_sum", "positive", "neutral",
        "negative", "version",
    ),
    "alerts": (
        "alert_id", "kind", "brand", "conversation_id", "fired_at", "resolved_at",
        "severity", "details", "version",
    ),
}

TABLE_OF_KIND = {"mention": "mentions", "reply": "replies"}


def utc_from_s(seconds: int | float) -> datetime:
    """Epoch seconds -> aware UTC datetime at second precision."""
    return datetime.fromtimestamp(int(seconds), tz=timezone.utc)


def utc_from_ms(ms: int) -> datetime:
    """Epoch milliseconds -> aware UTC datetime, truncated to the second."""
    return datetime.fromtimestamp(ms // 1000, tz=timezone.utc)


def event_table(event: Event) -> str:
    return TABLE_OF_KIND[event.kind]


def event_row(
    event: Event,
    *,
    sentiment: float,
    lang: str,
    late: bool,
    source_partition: int,
    source_offset: int,
    ingested_at_s: int,
    template_keys: list[str] | None = None,
) -> tuple:
    """A row of `mentions` / `replies` (TABLE_COLUMNS order). `lang` is the stored
    language: the event's, or the detected one ('' if unknown)."""
    return event_row_at(event, sentiment, lang, late, source_partition, source_offset,
                        utc_from_s(ingested_at_s), template_keys)


def event_row_at(event: Event, sentiment: float, lang: str, late: bool, source_partition: int,
                 source_offset: int, ingested_at: datetime, template_keys: list[str] | None) -> tuple:
    """event_row with positional arguments and `ingested_at` already a datetime (the
    pipeline's hot loop: one datetime per batch)."""
    return (
        event.kind,
        event.event_id,
        event.conversation_id,
        event.in_reply_to,
        event.brand,
        event.author_id,
        event.author_role,
        event.author_followers,
        event.text,
        lang or "",
        utc_from_ms(event.created_at_ms),
        event.created_at_ms,
        float(sentiment),
        1 if late else 0,
        int(source_partition),
        int(source_offset),
        ingested_at,
        list(template_keys or ()),
    )


def dead_letter_id(source_topic: str, source_partition: int, source_offset: int, payload: bytes, reason: str) -> str:
    """Deterministic id: `topic/partition@offset` when the record has an offset (so a
    re-delivery replaces itself), else a digest of topic, payload and reason."""
    if source_offset >= 0:
        return f"{source_topic}/{source_partition}@{source_offset}"
    digest = hashlib.sha256(source_topic.encode() + b"\0" + reason.encode() + b"\0" + payload).hexdigest()
    return f"{source_topic}@sha256:{digest[:32]}"


def dead_letter_row(
    *,
    received_at_s: int,
    source_topic: str,
    source_partition: int,
    source_offset: int,
    reason: str,
    payload: bytes,
) -> tuple:
    """A row of `dead_letters` (TABLE_COLUMNS order). Use partition/offset -1 for
    input that never had a position in a topic."""
    source = f"{source_topic}/{source_partition}@{source_offset}"
    return (
        utc_from_s(received_at_s),
        source,
        reason,
        base64.b64encode(payload).decode("ascii"),
        source_topic,
        int(source_partition),
        int(source_offset),
        dead_letter_id(source_topic, source_partition, source_offset, payload, reason),
    )
