"""Wire format of the topics: Avro values in, Events / dead letters / alerts out.

Every value cluetrain writes to a topic is Avro *single-object encoded*: C3 01, the
fingerprint of the writer schema, then the Avro body (cluetrain.codec.framing
frames and unframes). The fingerprint says which schema version wrote the body, so a
worker with a newer schema still reads months-old records, and a record of the wrong
schema is recognised as such instead of being mis-read.

`decode_event` is the single place where input bytes become an Event: anything else
(undecodable Avro, a raw JSON line the replayer could not validate, any validation
failure) raises BadEvent whose str() is the one-line dead-letter reason. It never
raises another exception for bad input.

Dead letters and alerts (encode_/decode_dead_letter, encode_/decode_alert,
CodecError) live in cluetrain.codec.outputs and are re-exported
here: import them from this module. Times in their dicts are epoch milliseconds.

Throughput (bench/codec_bench.py): fastavro is several times faster than the `avro`
package for encode+decode, so the hot path uses fastavro; the `avro` package is the
authority for schema resolution in the tests.
"""
from __future__ import annotations

from typing import Any

import orjson

from cluetrain.codec import schemas
from cluetrain.codec.framing import clip_one_line, read_body, schema_of, write_single_object, writer_schema
from cluetrain.codec.outputs import (
    CodecError,
    decode_alert,
    decode_dead_letter,
    encode_alert,
    encode_dead_letter,
)
from cluetrain.domain.events import BadEvent, Event, format_rfc3339, validate_record

__all__ = [
    "AVRO", "JSON", "PAYLOAD_SLACK", "CodecError", "payload_cap", "encode_event", "decode_event",
    "schema_of", "encode_dead_letter", "decode_dead_letter", "encode_alert", "decode_alert",
]

AVRO = "avro/binary"
JSON = "application/json"
_AVRO_TYPES = frozenset({"", AVRO, "application/avro", "avro/binary-single-object",
                         "application/vnd.apache.avro+binary"})
_JSON_TYPES = frozenset({JSON, "application/x-ndjson", "application/jsonl", "text/json"})
PAYLOAD_SLACK = 64 * 1024  # payload cap = max_text_bytes + this (the other fields, framing)
_EVENT_SCHEMAS = ("mention", "reply")


def payload_cap(max_text_bytes: int) -> int:
    """Largest accepted event payload in bytes."""
    return max_text_bytes + PAYLOAD_SLACK


def encode_event(event: Event) -> bytes:
    """Event -> single-object Avro (schemas/mention.avsc or reply.avsc, by kind).

    An Event built by validate_record always fits; a hand-built one that does not
    (unknown kind, wrong types) raises ValueError/TypeError.
    """
    if event.kind not in _EVENT_SCHEMAS:
        raise ValueError(f"cannot encode an event of kind {event.kind!r}")
    return write_single_object(schemas.get(event.kind), {
        "kind": event.kind,
        "event_id": event.event_id,
        "conversation_id": event.conversation_id,
        "in_reply_to": event.in_reply_to,
        "brand": event.brand,
        "author_id": event.author_id,
        "author_role": event.author_role,
        "author_followers": event.author_followers,
        "text": event.text,
        "lang": event.lang,
        "created_at": event.created_at_ms,
    })


def decode_event(
    payload: bytes,
    *,
    topic_kind: str,
    content_type: str | None,
    clock_ms: int | None,
    max_future_s: int,
    max_text_bytes: int,
    max_past_s: int = 0,
) -> Event:
    """Bytes consumed from the `mentions` (topic_kind="mention") or `replies`
    (topic_kind="reply") topic -> a valid Event, or BadEvent(reason).

    content_type None or "avro/binary": single-object Avro; "application/json": one
    raw JSON object (a line the replayer could not validate). clock_ms is the stream
    clock: events more than max_future_s after it, or more than max_past_s before it
    (0: no bound), are rejected.
    """
    if topic_kind not in _EVENT_SCHEMAS:
        raise ValueError(f"topic_kind must be 'mention' or 'reply', got {topic_kind!r}")
    if not isinstance(payload, (bytes, bytearray, memoryview)):
        raise BadEvent(f"payload is not bytes: got {type(payload).__name__}")
    size = len(payload)
    cap = payload_cap(max_text_bytes)
    if size > cap:
        raise BadEvent(f"payload of {size} bytes over the limit of {cap} bytes (max_text_bytes + 64 KiB)")
    if size == 0:
        raise BadEvent("empty payload")
    ctype = _content_type(content_type)
    if ctype in _AVRO_TYPES:
        record = _read_event_avro(bytes(payload))
    elif ctype in _JSON_TYPES:
        record = _read_json(bytes(payload))
    else:
        raise BadEvent(f"unsupported content-type: {clip_one_line(content_type, 64)!r}")
    event = validate_record(
        record,
        clock_ms=clock_ms,
        max_future_s=max_future_s,
        max_text_bytes=max_text_bytes,
        expected_kind=topic_kind,
    )
    if max_past_s and clock_ms is not None and event.created_at_ms < clock_ms - max_past_s * 1000:
        raise BadEvent(f"created_at {format_rfc3339(event.created_at_ms)} is more than {max_past_s} s "
                       f"before the stream clock {format_rfc3339(clock_ms)}")
    return event


def _content_type(value: str | bytes | None) -> str:
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("ascii", "replace")
    return value.split(";", 1)[0].strip().lower()


def _read_event_avro(payload: bytes) -> dict:
    schema = writer_schema(payload, "undecodable Avro")
    if schema.base not in _EVENT_SCHEMAS:
        raise BadEvent(f"Avro of the wrong schema: {schema.full_name} is not a mention or a reply")
    current = schemas.get(schema.base)
    record = read_body(payload, schema, current, "undecodable Avro")
    if not isinstance(record, dict):  # cannot happen with a record schema; be safe
        raise BadEvent(f"undecodable Avro: got {type(record).__name__}")
    return record


def _read_json(payload: bytes) -> Any:
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadEvent(f"invalid UTF-8 in JSON at byte {exc.start} ({exc.reason})") from None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise BadEvent(f"JSON syntax error: {clip_one_line(exc, 200)}") from None
