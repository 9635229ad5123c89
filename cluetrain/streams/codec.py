"""Wire format of the topics: Avro values in, Events / dead letters / alerts out.

Every value cluetrain writes to a topic is Avro *single-object encoded* (Avro
specification): C3 01, the 8-byte CRC-64-AVRO fingerprint of the writer schema
(schemas/*.avsc), then the Avro binary body written by fastavro's schemaless_writer.
The fingerprint says which schema (and which version of it) wrote the body, so a
worker with a newer schema still reads months-old records, and a record of the wrong
schema is recognised as such instead of being mis-read.

`decode_event` is the single place where input bytes become an Event: anything else
(undecodable Avro, a raw JSON line the replayer could not validate, any validation
failure) raises BadEvent whose str() is the one-line dead-letter reason. It never
raises another exception for bad input.

Times in the dicts of dead letters and alerts are epoch milliseconds (ints), under the
Avro field names (received_at, fired_at, resolved_at).

Throughput (bench/codec_bench.py): fastavro is several times faster than the `avro`
package for encode+decode, so the hot path uses fastavro; the `avro` package is the
authority for schema resolution in the tests.
"""
from __future__ import annotations

import io
import threading
from datetime import datetime, timezone
from typing import Any, Mapping

import orjson
from fastavro import schemaless_reader, schemaless_writer

from cluetrain.streams import schemas
from cluetrain.streams.domain.events import BadEvent, Event, validate_record

AVRO = "avro/binary"
JSON = "application/json"
_AVRO_TYPES = frozenset({"", AVRO, "application/avro", "avro/binary-single-object",
                         "application/vnd.apache.avro+binary"})
_JSON_TYPES = frozenset({JSON, "application/x-ndjson", "application/jsonl", "text/json"})
PAYLOAD_SLACK = 64 * 1024  # payload cap = max_text_bytes + this (the other fields, framing)
_MAX_REASON = 500
_EVENT_SCHEMAS = ("mention", "reply")


class CodecError(ValueError):
    """A dead letter or alert that cannot be decoded (or encoded)."""


def payload_cap(max_text_bytes: int) -> int:
    """Largest accepted event payload in bytes."""
    return max_text_bytes + PAYLOAD_SLACK


# --- events ------------------------------------------------------------------------

_local = threading.local()


def _buffer() -> io.BytesIO:
    """A BytesIO reused per thread (saves ~15% of an encode over a fresh one)."""
    try:
        buf = _local.buf
    except AttributeError:
        buf = _local.buf = io.BytesIO()
    buf.seek(0)
    buf.truncate()
    return buf


def encode_event(event: Event) -> bytes:
    """Event -> single-object Avro (schemas/mention.avsc or reply.avsc, by kind).

    An Event built by validate_record always fits; a hand-built one that does not
    (unknown kind, wrong types) raises ValueError/TypeError.
    """
    if event.kind == "mention":
        schema = schemas.get("mention")
    elif event.kind == "reply":
        schema = schemas.get("reply")
    else:
        raise ValueError(f"cannot encode an event of kind {event.kind!r}")
    buf = _buffer()
    buf.write(schema.header)
    schemaless_writer(buf, schema.wire, {
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
    return buf.getvalue()


def decode_event(
    payload: bytes,
    *,
    topic_kind: str,
    content_type: str | None,
    clock_ms: int | None,
    max_future_s: int,
    max_text_bytes: int,
) -> Event:
    """Bytes consumed from the `mentions` (topic_kind="mention") or `replies`
    (topic_kind="reply") topic -> a valid Event, or BadEvent(reason).

    content_type None or "avro/binary": single-object Avro; "application/json": one
    raw JSON object (a line the replayer could not validate). clock_ms is the source's
    event-time clock (events more than max_future_s after it are rejected).
    """
    if topic_kind not in _EVENT_SCHEMAS:
        raise ValueError(f"topic_kind must be 'mention' or 'reply', got {topic_kind!r}")
    if not isinstance(payload, (bytes, bytearray, memoryview)):
        raise BadEvent(f"payload is not bytes: got {type(payload).__name__}")
    size = len(payload)
    cap = max_text_bytes + PAYLOAD_SLACK
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
        raise BadEvent(f"unsupported content-type: {_clip(content_type, 64)!r}")
    return validate_record(
        record,
        clock_ms=clock_ms,
        max_future_s=max_future_s,
        max_text_bytes=max_text_bytes,
        expected_kind=topic_kind,
    )


def _content_type(value: str | bytes | None) -> str:
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("ascii", "replace")
    return value.split(";", 1)[0].strip().lower()


def _read_event_avro(payload: bytes) -> dict:
    schema = _writer_schema(payload, "undecodable Avro")
    if schema.base not in _EVENT_SCHEMAS:
        raise BadEvent(f"Avro of the wrong schema: {schema.full_name} is not a mention or a reply")
    current = schemas.get(schema.base)
    record = _read_body(payload, schema, current, "undecodable Avro")
    if not isinstance(record, dict):  # cannot happen with a record schema; be safe
        raise BadEvent(f"undecodable Avro: got {type(record).__name__}")
    return record


def _writer_schema(payload: bytes, what: str) -> schemas.Schema:
    if len(payload) < schemas.HEADER_LEN or payload[:2] != schemas.MAGIC:
        if payload[:2] == schemas.MAGIC:
            raise BadEvent(f"{what}: truncated header ({len(payload)} bytes, single-object encoding needs 10)")
        head = payload.lstrip()[:1]
        hint = " (it looks like JSON: raw JSON needs the header content-type: application/json)" if head in (b"{", b"[") else ""
        raise BadEvent(f"{what}: no single-object marker C3 01 (starts with {payload[:4].hex()}){hint}")
    fp = payload[2:schemas.HEADER_LEN]
    schema = schemas.registry().by_fingerprint.get(fp)
    if schema is None:
        raise BadEvent(
            f"{what}: unknown writer schema fingerprint {fp.hex()} (written with a newer or foreign schema?)"
        )
    return schema


def _read_body(payload: bytes, writer: schemas.Schema, current: schemas.Schema, what: str) -> Any:
    buf = io.BytesIO(payload)
    buf.seek(schemas.HEADER_LEN)
    try:
        if writer is current:
            record = schemaless_reader(buf, writer.wire, None)
        else:  # a retired version: resolve to the current schema (defaults fill new fields)
            record = schemaless_reader(buf, writer.wire, current.wire)
    except UnicodeDecodeError as exc:
        raise BadEvent(f"{what}: invalid UTF-8 in a string ({exc.reason})") from None
    except EOFError:
        raise BadEvent(_truncated(what, payload, writer)) from None
    except IndexError as exc:
        # fastavro's compiled reader: reading a varint past the end of the buffer gives
        # "string index out of range"; a union branch that does not exist gives "list ...".
        if "string index" in str(exc):
            raise BadEvent(_truncated(what, payload, writer)) from None
        raise BadEvent(f"{what}: invalid union branch index (corrupt data?)") from None
    except Exception as exc:  # noqa: BLE001 - any failure of the decoder is bad input
        raise BadEvent(f"{what}: {type(exc).__name__}: {_clip(exc, 200)}") from None
    rest = len(payload) - buf.tell()
    if rest:
        raise BadEvent(f"{what}: {rest} trailing byte(s) after the {writer.full_name} record")
    return record


def _truncated(what: str, payload: bytes, writer: schemas.Schema) -> str:
    return f"{what}: truncated ({len(payload)} bytes, the {writer.full_name} record needs more)"


def _read_json(payload: bytes) -> Any:
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadEvent(f"invalid UTF-8 in JSON at byte {exc.start} ({exc.reason})") from None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise BadEvent(f"JSON syntax error: {_clip(exc, 200)}") from None


def _clip(value: object, limit: int = _MAX_REASON) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def schema_of(payload: bytes) -> str | None:
    """Name of the current schema ('mention', 'reply', 'dead_letter', 'alert') whose
    version wrote a single-object Avro payload; None if it is not one we know."""
    if len(payload) < schemas.HEADER_LEN or payload[:2] != schemas.MAGIC:
        return None
    schema = schemas.registry().by_fingerprint.get(bytes(payload[2:schemas.HEADER_LEN]))
    return schema.base if schema is not None else None


# --- dead letters and alerts ----------------------------------------------------------

def encode_dead_letter(
    dead_letter: object | None = None,
    /,
    *,
    received_at: int | None = None,
    reason: str | None = None,
    payload: bytes | None = None,
    source: str | None = None,
    source_topic: str | None = None,
    source_partition: int | None = None,
    source_offset: int | None = None,
    content_type: str | None = None,
) -> bytes:
    """A dead letter -> single-object Avro (schemas/dead_letter.avsc).

    Give the fields as keywords, or an object having them as attributes (e.g.
    ingest.DeadLetter: received_at_ms is accepted for received_at); keywords win.
    received_at: epoch ms (required), reason and payload required. source defaults to
    '<topic>/<partition>@<offset>'. The reason is made one line (at most 500
    characters). Raises CodecError.
    """
    if dead_letter is not None:
        def attr(name: str, value: Any) -> Any:
            return value if value is not None else getattr(dead_letter, name, None)
        received_at = attr("received_at", received_at)
        received_at = attr("received_at_ms", received_at)
        reason = attr("reason", reason)
        payload = attr("payload", payload)
        source = attr("source", source)
        source_topic = attr("source_topic", source_topic)
        source_partition = attr("source_partition", source_partition)
        source_offset = attr("source_offset", source_offset)
        content_type = attr("content_type", content_type)
    missing = [n for n, v in (("received_at", received_at), ("reason", reason), ("payload", payload)) if v is None]
    if missing:
        raise CodecError(f"dead letter: missing {', '.join(missing)}")
    if source is None:
        if source_topic is None or source_partition is None or source_offset is None:
            raise CodecError("dead letter: give source, or source_topic, source_partition and source_offset")
        source = f"{source_topic}/{source_partition}@{source_offset}"
    if isinstance(content_type, (bytes, bytearray)):
        content_type = bytes(content_type).decode("ascii", "replace")
    return _encode("dead_letter", {
        "received_at": _ms("received_at", received_at),
        "source": source,
        "source_topic": source_topic,
        "source_partition": source_partition,
        "source_offset": source_offset,
        "reason": _clip(reason),
        "payload": bytes(payload),
        "content_type": content_type,
    })


def decode_dead_letter(data: bytes) -> dict:
    """Single-object Avro -> dict with the keyword arguments of encode_dead_letter
    (received_at in epoch ms, payload as bytes). Raises CodecError."""
    return _decode("dead_letter", data)


_ALERT_FIELDS = ("alert_id", "kind", "brand", "conversation_id", "fired_at", "resolved_at", "severity", "details")
_ALERT_ALIASES = {"fired_at_ms": "fired_at", "resolved_at_ms": "resolved_at"}


def encode_alert(alert: Mapping[str, Any]) -> bytes:
    """An alert -> single-object Avro (schemas/alert.avsc).

    Keys: alert_id, kind, brand, severity, fired_at (epoch ms or aware datetime;
    `fired_at_ms` accepted too), optional conversation_id (default ''), resolved_at
    (default None), details (a JSON object as str, or a dict that is serialized with
    sorted keys; default '{}'). Unknown keys raise CodecError (typos must not pass).
    """
    values: dict[str, Any] = {}
    for key, value in alert.items():
        name = _ALERT_ALIASES.get(key, key)
        if name not in _ALERT_FIELDS:
            raise CodecError(f"alert: unknown field {key!r}")
        if name in values:
            raise CodecError(f"alert: field {name!r} given twice")
        values[name] = value
    missing = [n for n in ("alert_id", "kind", "brand", "fired_at", "severity") if values.get(n) is None]
    if missing:
        raise CodecError(f"alert: missing field(s): {', '.join(missing)}")
    details = values.get("details", "{}")
    if isinstance(details, (dict, list)):
        details = orjson.dumps(details, option=orjson.OPT_SORT_KEYS).decode()
    elif isinstance(details, str):
        try:
            parsed = orjson.loads(details)
        except orjson.JSONDecodeError as exc:
            raise CodecError(f"alert: details is not JSON: {_clip(exc, 200)}") from None
        if not isinstance(parsed, dict):
            raise CodecError(f"alert: details must be a JSON object, got {type(parsed).__name__}")
    else:
        raise CodecError(f"alert: details must be a JSON string or a dict, got {type(details).__name__}")
    resolved = values.get("resolved_at")
    return _encode("alert", {
        "alert_id": values["alert_id"],
        "kind": values["kind"],
        "brand": values["brand"],
        "conversation_id": values.get("conversation_id") or "",
        "fired_at": _ms("fired_at", values["fired_at"]),
        "resolved_at": None if resolved is None else _ms("resolved_at", resolved),
        "severity": values["severity"],
        "details": details,
    })


def decode_alert(data: bytes) -> dict:
    """Single-object Avro -> dict keyed by the Avro field names (fired_at and
    resolved_at in epoch ms, details a JSON string). Raises CodecError."""
    return _decode("alert", data)


def _ms(name: str, value: Any) -> int:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise CodecError(f"{name}: naive datetime (give epoch ms or an aware datetime)")
        delta = value - datetime(1970, 1, 1, tzinfo=timezone.utc)
        return delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000
    if isinstance(value, bool) or not isinstance(value, int):
        raise CodecError(f"{name}: expected epoch milliseconds (int), got {type(value).__name__}")
    return value


def _encode(name: str, record: dict) -> bytes:
    schema = schemas.get(name)
    buf = io.BytesIO()
    buf.write(schema.header)
    try:
        schemaless_writer(buf, schema.wire, record)
    except (ValueError, TypeError, OverflowError) as exc:
        raise CodecError(f"{name}: does not fit {schema.full_name}: {_clip(exc, 200)}") from None
    return buf.getvalue()


def _decode(name: str, data: bytes) -> dict:
    data = bytes(data)
    try:
        writer = _writer_schema(data, f"undecodable {name}")
        if writer.base != name:
            raise BadEvent(f"Avro of the wrong schema: {writer.full_name} where {schemas.get(name).full_name} was expected")
        return _read_body(data, writer, schemas.get(name), f"undecodable {name}")
    except BadEvent as exc:
        raise CodecError(str(exc)) from None
