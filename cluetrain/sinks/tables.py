"""One spec per ClickHouse table: its columns, key, version column and row builder.

The migrations (migrations/*.sql) create the tables; a test checks every spec against
them on both backends (tests/integration/test_table_specs.py). Rows are tuples in
`columns` order; DateTime columns hold aware UTC datetimes at second precision (see
backends.py), built here from the domain's epoch milliseconds (DESIGN.md § Time
units). Metric tables are ReplacingMergeTree(version): a snapshot's `as_of_ms` (the
watermark when it was taken) is its version, so a later state of a key wins under
FINAL. In `turns`, responder_id/responder_role are '' while the turn is unanswered.
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from operator import attrgetter

from cluetrain.domain.events import Event
from cluetrain.domain.results import Alert, DeadLetter, ScoredEvent, TurnSnapshot, WindowSnapshot
from cluetrain.domain.windows import RECIPROCITY_COUNTERS, SENTIMENT_COUNTERS, SIDES


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]  # the ORDER BY of the table: rows with the same key replace each other
    version: str | None  # the ReplacingMergeTree version column, if any


def utc_from_s(seconds: int | float) -> datetime:
    """Epoch seconds -> aware UTC datetime at second precision."""
    return datetime.fromtimestamp(int(seconds), tz=timezone.utc)


def utc_from_ms(ms: int) -> datetime:
    """Epoch milliseconds -> aware UTC datetime, truncated to the second."""
    return datetime.fromtimestamp(ms // 1000, tz=timezone.utc)


def _optional_utc(ms: int | None) -> datetime | None:
    return None if ms is None else utc_from_ms(ms)


# -- raw events -----------------------------------------------------------------------
_EVENT_COLUMNS = (
    "kind", "event_id", "conversation_id", "in_reply_to", "brand", "author_id",
    "author_role", "author_followers", "text", "lang", "created_at",
    "created_at_ms", "sentiment", "late", "source_partition", "source_offset", "ingested_at",
    "template_keys",
)
MENTIONS = TableSpec("mentions", _EVENT_COLUMNS, ("brand", "event_id"), None)
REPLIES = TableSpec("replies", _EVENT_COLUMNS, ("brand", "event_id"), None)
TABLE_OF_KIND = {"mention": MENTIONS.name, "reply": REPLIES.name}


def event_row(scored: ScoredEvent, ingested_at: datetime | None = None) -> tuple:
    """A row of `mentions` / `replies`. `ingested_at`: the datetime of scored.ingested_ms,
    when the caller has it already (one per batch instead of one per event)."""
    event: Event = scored.event
    return (
        event.kind, event.event_id, event.conversation_id, event.in_reply_to, event.brand,
        event.author_id, event.author_role, event.author_followers, event.text, scored.lang or "",
        utc_from_ms(event.created_at_ms), event.created_at_ms, float(scored.sentiment), 1 if scored.late else 0,
        int(scored.source_partition), int(scored.source_offset),
        ingested_at if ingested_at is not None else utc_from_ms(scored.ingested_ms),
        list(scored.template_keys or ()),
    )


# -- dead letters ---------------------------------------------------------------------
DEAD_LETTERS = TableSpec("dead_letters", (
    "received_at", "source", "reason", "payload_base64",
    "source_topic", "source_partition", "source_offset", "dead_letter_id",
    "payload_size", "payload_sha256",  # of the payload as received (payload_base64 may be cut: migration 0007)
), ("dead_letter_id",), None)


def dead_letter_id(dl: DeadLetter) -> str:
    """Deterministic id: `topic/partition@offset` when the record has an offset (so a
    re-delivery replaces itself), else a digest of topic, reason and the payload's
    sha256 (of the whole payload, which the dead letter may hold only the start of)."""
    if dl.source_offset >= 0:
        return f"{dl.source_topic}/{dl.source_partition}@{dl.source_offset}"
    digest = hashlib.sha256(f"{dl.source_topic}\0{dl.reason}\0{dl.payload_sha256}".encode()).hexdigest()
    return f"{dl.source_topic}@sha256:{digest[:32]}"


def dead_letter_row(dl: DeadLetter) -> tuple:
    return (
        utc_from_ms(dl.received_at_ms), f"{dl.source_topic}/{dl.source_partition}@{dl.source_offset}", dl.reason,
        base64.b64encode(dl.payload).decode("ascii"), dl.source_topic, int(dl.source_partition),
        int(dl.source_offset), dead_letter_id(dl), int(dl.payload_size), dl.payload_sha256,
    )


# -- metric tables --------------------------------------------------------------------
TURNS = TableSpec("turns", (
    "brand", "conversation_id", "turn_index", "started_at", "customer_messages",
    "answered_at", "responder_id", "responder_role", "latency_s", "status", "deadline",
    "customer_id", "customer_followers", "first_sentiment", "last_sentiment", "negative_messages",
    "version",
    "priority", "business_latency_s",  # SLA policies (migration 0010)
    "team",  # the policy file's team map (migration 0013)
), ("brand", "conversation_id", "turn_index"), "version")

_turn_values = attrgetter(
    "brand", "conversation_id", "turn_index", "started_ms", "customer_messages", "answered_ms",
    "responder_id", "responder_role", "latency_s", "status", "deadline_ms", "customer_id",
    "customer_followers", "first_sentiment", "last_sentiment", "negative_messages", "as_of_ms",
    "priority", "business_latency_s", "team")


def turn_row(turn: TurnSnapshot) -> tuple:
    row = list(_turn_values(turn))
    row[3] = utc_from_ms(row[3])
    row[5] = _optional_utc(row[5])
    row[10] = utc_from_ms(row[10])
    return tuple(row)


ALERTS = TableSpec("alerts", (
    "alert_id", "kind", "brand", "conversation_id", "fired_at", "resolved_at",
    "severity", "details", "version",
), ("alert_id",), "version")


def alert_row(alert: Alert) -> tuple:
    return (alert.alert_id, alert.kind, alert.brand, alert.conversation_id, utc_from_ms(alert.fired_ms),
            _optional_utc(alert.resolved_ms), alert.severity, alert.details, alert.as_of_ms)


RECIPROCITY_WINDOWS = TableSpec("reciprocity_windows", (
    "brand", "window_start", *RECIPROCITY_COUNTERS, "version",
), ("brand", "window_start"), "version")


def reciprocity_rows(window: WindowSnapshot) -> list[tuple]:
    """The window's reciprocity row, or none if it counts only sentiment."""
    counts = window.counts
    if not any(counts.get(name) for name in RECIPROCITY_COUNTERS):
        return []
    return [(window.brand, utc_from_ms(window.window_start_ms),
             *[int(counts.get(name, 0)) for name in RECIPROCITY_COUNTERS], window.as_of_ms)]


SENTIMENT_WINDOWS = TableSpec("sentiment_windows", (
    "brand", "window_start", "side", *SENTIMENT_COUNTERS, "version",
), ("brand", "window_start", "side"), "version")


def sentiment_rows(window: WindowSnapshot) -> list[tuple]:
    """One row per side that has messages in the window."""
    rows = []
    counts, start = window.counts, utc_from_ms(window.window_start_ms)
    for side in SIDES:
        if int(counts.get(f"{side}:messages", 0)):
            values = [counts.get(f"{side}:{c}", 0) for c in SENTIMENT_COUNTERS]
            rows.append((window.brand, start, side,
                         *[float(v) if c == "score_sum" else int(v) for c, v in zip(SENTIMENT_COUNTERS, values)],
                         window.as_of_ms))
    return rows


SPECS: dict[str, TableSpec] = {spec.name: spec for spec in (
    MENTIONS, REPLIES, DEAD_LETTERS, TURNS, RECIPROCITY_WINDOWS, SENTIMENT_WINDOWS, ALERTS)}
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {name: spec.columns for name, spec in SPECS.items()}


def rows_of(output) -> dict[str, list[tuple]]:
    """Every row of one processed batch (a processing.BatchOutput), per table.

    Within a table rows keep the order the processing produced them in: two snapshots
    of one key in one batch carry different versions, or the later one comes last.
    """
    rows: dict[str, list[tuple]] = {}
    if output.events:
        ingested = {}
        for scored in output.events:
            at = ingested.get(scored.ingested_ms)
            if at is None:
                at = ingested[scored.ingested_ms] = utc_from_ms(scored.ingested_ms)
            rows.setdefault(TABLE_OF_KIND[scored.event.kind], []).append(event_row(scored, at))
    if output.dead_letters:
        rows[DEAD_LETTERS.name] = [dead_letter_row(dl) for dl in output.dead_letters]
    if output.turns:
        rows[TURNS.name] = [turn_row(t) for t in output.turns]
    if output.alerts:
        rows[ALERTS.name] = [alert_row(a) for a in output.alerts]
    reciprocity, sentiment = [], []
    for window in output.windows:
        reciprocity += reciprocity_rows(window)
        sentiment += sentiment_rows(window)
    if reciprocity:
        rows[RECIPROCITY_WINDOWS.name] = reciprocity
    if sentiment:
        rows[SENTIMENT_WINDOWS.name] = sentiment
    return rows
