"""Wire format of the `dead_letters` and `alerts` topics (re-exported by codec).

Both are single-object Avro (schemas/dead_letter.avsc, schemas/alert.avsc). Times in
their dicts are epoch milliseconds (ints), under the Avro field names (received_at,
fired_at, resolved_at). Every failure, encoding or decoding, raises CodecError.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any, Mapping

import orjson

from cluetrain.codec import schemas
from cluetrain.codec.framing import clip_one_line, read_body, write_single_object, writer_schema
from cluetrain.domain.events import BadEvent
from cluetrain.domain.results import Alert, DeadLetter


class CodecError(ValueError):
    """A dead letter or alert that cannot be decoded (or encoded)."""


# --- dead letters -------------------------------------------------------------------

# The keyword arguments of encode_dead_letter, in their order.
_DEAD_LETTER_FIELDS = ("received_at", "reason", "payload", "source", "source_topic",
                       "source_partition", "source_offset", "content_type", "payload_size", "payload_sha256")


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
    payload_size: int | None = None,
    payload_sha256: str | None = None,
) -> bytes:
    """A dead letter -> single-object Avro (schemas/dead_letter.avsc).

    Give the fields as keywords, or an object having them as attributes (e.g.
    domain.results.DeadLetter: received_at_ms is accepted for received_at); keywords win.
    received_at: epoch ms (required), reason and payload required. source defaults to
    '<topic>/<partition>@<offset>'. payload_size and payload_sha256 describe the input
    as received; they default to those of `payload` (given whole). The reason is made
    one line (at most 500 characters). The record is as large as the payload given:
    domain.results.DeadLetter.of caps it. Raises CodecError.
    """
    given = dict(zip(_DEAD_LETTER_FIELDS, (received_at, reason, payload, source, source_topic,
                                           source_partition, source_offset, content_type, payload_size,
                                           payload_sha256)))
    f = _with_attributes_of(dead_letter, given) if dead_letter is not None else given
    missing = [n for n in ("received_at", "reason", "payload") if f[n] is None]
    if missing:
        raise CodecError(f"dead letter: missing {', '.join(missing)}")
    source, content_type = f["source"], f["content_type"]
    if source is None:
        if f["source_topic"] is None or f["source_partition"] is None or f["source_offset"] is None:
            raise CodecError("dead letter: give source, or source_topic, source_partition and source_offset")
        source = f"{f['source_topic']}/{f['source_partition']}@{f['source_offset']}"
    if isinstance(content_type, (bytes, bytearray)):
        content_type = bytes(content_type).decode("ascii", "replace")
    payload = bytes(f["payload"])
    size = len(payload) if f["payload_size"] is None else f["payload_size"]
    digest = hashlib.sha256(payload).hexdigest() if f["payload_sha256"] is None else f["payload_sha256"]
    return _encode("dead_letter", {
        "received_at": _ms("received_at", f["received_at"]),
        "source": source,
        "source_topic": f["source_topic"],
        "source_partition": f["source_partition"],
        "source_offset": f["source_offset"],
        "reason": clip_one_line(f["reason"]),
        "payload": payload,
        "content_type": content_type,
        "payload_size": size,
        "payload_sha256": digest,
    })


def _with_attributes_of(dead_letter: object, given: dict[str, Any]) -> dict[str, Any]:
    """`given`, its None values taken from the object's attributes (received_at_ms
    standing in for received_at)."""
    fields = {name: value if value is not None else getattr(dead_letter, name, None)
              for name, value in given.items()}
    if fields["received_at"] is None:
        fields["received_at"] = getattr(dead_letter, "received_at_ms", None)
    return fields


def decode_dead_letter(data: bytes) -> dict:
    """Single-object Avro -> dict with the keyword arguments of encode_dead_letter
    (received_at in epoch ms, payload as bytes). Raises CodecError."""
    return _decode("dead_letter", data)


# --- alerts -------------------------------------------------------------------------

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
    details = _details_json(values.get("details", "{}"))  # its errors are reported before those of the times
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


def _details_json(details: Any) -> str:
    """An alert's details as a JSON object string (a dict is dumped with sorted keys)."""
    if isinstance(details, (dict, list)):
        return orjson.dumps(details, option=orjson.OPT_SORT_KEYS).decode()
    if not isinstance(details, str):
        raise CodecError(f"alert: details must be a JSON string or a dict, got {type(details).__name__}")
    try:
        parsed = orjson.loads(details)
    except orjson.JSONDecodeError as exc:
        raise CodecError(f"alert: details is not JSON: {clip_one_line(exc, 200)}") from None
    if not isinstance(parsed, dict):
        raise CodecError(f"alert: details must be a JSON object, got {type(parsed).__name__}")
    return details


def decode_alert(data: bytes) -> dict:
    """Single-object Avro -> dict keyed by the Avro field names (fired_at and
    resolved_at in epoch ms, details a JSON string). Raises CodecError."""
    return _decode("alert", data)


# --- shared -------------------------------------------------------------------------

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
    try:
        return write_single_object(schema, record)
    except (ValueError, TypeError, OverflowError) as exc:
        raise CodecError(f"{name}: does not fit {schema.full_name}: {clip_one_line(exc, 200)}") from None


def _decode(name: str, data: bytes) -> dict:
    data = bytes(data)
    what = f"undecodable {name}"
    try:
        writer = writer_schema(data, what)
        if writer.base != name:
            raise BadEvent(f"Avro of the wrong schema: {writer.full_name} where {schemas.get(name).full_name} was expected")
        return read_body(data, writer, schemas.get(name), what)
    except BadEvent as exc:
        raise CodecError(str(exc)) from None



def alert_record(alert: Alert) -> tuple[bytes, bytes]:
    """(key, value) of a domain Alert on the alerts topic: keyed by brand."""
    value = encode_alert({"alert_id": alert.alert_id, "kind": alert.kind, "brand": alert.brand,
                          "conversation_id": alert.conversation_id, "fired_at": alert.fired_ms,
                          "resolved_at": alert.resolved_ms, "severity": alert.severity, "details": alert.details})
    return alert.brand.encode(), value


def dead_letter_record(dead_letter: DeadLetter) -> tuple[bytes, bytes]:
    """(key, value) of a domain DeadLetter on the dead_letters topic: keyed by source topic."""
    return dead_letter.source_topic.encode(), encode_dead_letter(dead_letter)
