"""Malformed inputs of the input topics, each with the dead-letter reason it must give.

MALFORMED: list of (name, topic_kind, payload, content_type, expected reason substring).
- topic_kind: "mention" (the `mentions` topic) or "reply" (the `replies` topic);
- content_type: the value of the record's `content-type` header, None for Avro
  (the default), "application/json" for a raw JSON line;
- payload: the record value.

Reused by tests/unit/codec/test_wire.py (codec.decode_event) and by the end-to-end test
(produced to the real topics, each must come out as a dead letter whose reason contains
the substring). Decode with clock_ms=CLOCK_MS, or produce with a `cluetrain-clock`
header: the "created_at_far_future" case is dated FUTURE_CREATED_AT (2099-12-31), more
than a day after any clock before 2099-12-30 — but without a clock nothing is "in the
future" and that one case is valid.
"""
from __future__ import annotations

import io
import json
import random

from fastavro import schemaless_writer

from cluetrain.codec import wire as codec, schemas

CLOCK_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
FUTURE_CREATED_AT = "2099-12-31T00:00:00Z"
JSON = "application/json"
MAX_TEXT_BYTES = 100_000
MAX_FUTURE_S = 86_400

CREATED_AT = "2023-12-31T12:00:00Z"
CREATED_AT_MS = 1_704_024_000_000


def json_mention(**overrides) -> dict:
    rec = {
        "kind": "mention", "event_id": "m1", "conversation_id": "m1", "in_reply_to": None,
        "brand": "acme", "author_id": "cust1", "author_role": "customer", "author_followers": 42,
        "text": "toujours pas de réponse", "lang": "fr", "created_at": CREATED_AT,
    }
    rec.update(overrides)
    return rec


def json_reply(**overrides) -> dict:
    rec = json_mention(kind="reply", event_id="r1", in_reply_to="m1", author_id="acme_care",
                       author_role="brand", text="Désolés, on regarde", lang=None)
    rec.update(overrides)
    return rec


def without(rec: dict, name: str) -> dict:
    return {k: v for k, v in rec.items() if k != name}


def as_json(rec: object) -> bytes:
    return json.dumps(rec, ensure_ascii=False).encode("utf-8")


def avro_body(rec: dict, schema_name: str = "mention") -> bytes:
    """The bare Avro body (no single-object header) of a JSON-style record."""
    rec = dict(rec)
    if isinstance(rec.get("created_at"), str):
        from cluetrain.domain.events import parse_rfc3339_ms
        rec["created_at"] = parse_rfc3339_ms(rec["created_at"])
    buf = io.BytesIO()
    schemaless_writer(buf, schemas.get(schema_name).wire, rec)
    return buf.getvalue()


def as_avro(rec: dict, schema_name: str | None = None) -> bytes:
    """Single-object Avro of any record that fits the schema, valid event or not."""
    name = schema_name or ("reply" if rec.get("kind") == "reply" else "mention")
    return schemas.get(name).header + avro_body(rec, name)


def _patched(payload: bytes, old: bytes, new: bytes) -> bytes:
    assert payload.count(old) == 1, old
    return payload.replace(old, new)


def _union_index_corrupted() -> bytes:
    """A mention whose in_reply_to union branch index is 3 (the union has 2 branches)."""
    rec = json_mention(event_id="m7", conversation_id="m7")
    good = as_avro(rec)
    # header, then kind, event_id, conversation_id (each: 1-byte length + bytes), then the index
    pos = schemas.HEADER_LEN + (1 + len("mention")) + (1 + 2) + (1 + 2)
    assert good[pos] == 0  # null branch
    return good[:pos] + bytes([6]) + good[pos + 1:]  # zigzag(3) = 6


VALID_MENTION = as_avro(json_mention())
VALID_REPLY = as_avro(json_reply())
_ALERT = codec.encode_alert({
    "alert_id": "m1:0", "kind": "ignored_conversation", "brand": "acme", "conversation_id": "m1",
    "fired_at": CREATED_AT_MS, "severity": "warning", "details": {"sla_s": 3600},
})
_DEAD_LETTER = codec.encode_dead_letter(received_at=CREATED_AT_MS, source="test", reason="x", payload=b"{")

MALFORMED: list[tuple[str, str, bytes, str | None, str]] = [
    # --- not Avro at all / broken Avro --------------------------------------------------
    ("empty_payload", "mention", b"", None, "empty payload"),
    ("random_bytes", "mention", random.Random(1).randbytes(64), None, "undecodable Avro"),
    ("single_zero_byte", "reply", b"\x00", None, "no single-object marker"),
    ("truncated_avro", "mention", VALID_MENTION[:-5], None, "truncated"),
    ("truncated_in_last_field", "mention", VALID_MENTION[:-1], None, "truncated"),
    ("truncated_header", "mention", VALID_MENTION[:6], None, "truncated header"),
    ("trailing_bytes", "mention", VALID_MENTION + b"\x00", None, "trailing byte"),
    ("bare_avro_without_header", "mention", avro_body(json_mention()), None, "no single-object marker"),
    ("unknown_schema_fingerprint", "mention", schemas.MAGIC + b"\x00" * 8 + avro_body(json_mention()),
     None, "unknown writer schema fingerprint"),
    ("avro_of_alert_schema", "mention", _ALERT, None, "wrong schema"),
    ("avro_of_dead_letter_schema", "reply", _DEAD_LETTER, None, "wrong schema"),
    ("avro_invalid_utf8_string", "mention",
     _patched(as_avro(json_mention(text="abcdefgh")), b"abcdefgh", b"abc\xffefgh"), None, "invalid UTF-8"),
    ("avro_bad_union_index", "mention", _union_index_corrupted(), None, "invalid union branch"),
    ("json_without_content_type", "mention", as_json(json_mention()), None, "looks like JSON"),
    ("unsupported_content_type", "mention", b"kind,event_id\nmention,m1", "text/csv", "unsupported content-type"),
    ("payload_over_size_cap", "mention", as_json(json_mention(text="x" * 200_000)), JSON, "over the limit"),
    # --- raw JSON lines --------------------------------------------------------------------
    ("json_invalid_utf8", "mention", b'{"kind": "mention", "text": "caf\xe9"}', JSON, "invalid UTF-8"),
    ("json_syntax_error", "mention", b'{"kind": "mention", "event_id": ', JSON, "JSON syntax error"),
    ("json_array", "mention", b'[{"kind": "mention"}]', JSON, "not an object: got list"),
    ("json_scalar", "reply", b'"reply"', JSON, "not an object: got str"),
    ("json_nan_created_at", "mention", _patched(as_json(json_mention()), f'"{CREATED_AT}"'.encode(), b"NaN"),
     JSON, "JSON syntax error"),
    ("json_lone_surrogate", "mention", as_json(json_mention(text="ok")).replace(b'"ok"', b'"\\ud800"'),
     JSON, "JSON syntax error"),
    ("float_created_at", "mention", as_json(json_mention(created_at=1704024000000.5)), JSON,
     "field created_at: expected RFC 3339 string, got float"),
    ("missing_event_id", "mention", as_json(without(json_mention(), "event_id")), JSON, "missing field: event_id"),
    ("missing_created_at", "mention", as_json(without(json_mention(), "created_at")), JSON, "missing field: created_at"),
    ("missing_brand", "reply", as_json(without(json_reply(), "brand")), JSON, "missing field: brand"),
    ("missing_kind", "reply", as_json(without(json_reply(), "kind")), JSON, "missing field: kind"),
    ("missing_in_reply_to_key", "reply", as_json(without(json_reply(), "in_reply_to")), JSON, "missing field: in_reply_to"),
    ("missing_text", "mention", as_json(without(json_mention(), "text")), JSON, "missing field: text"),
    ("int_event_id", "mention", as_json(json_mention(event_id=1, conversation_id=1)), JSON,
     "field event_id: expected string, got int"),
    ("null_text", "mention", as_json(json_mention(text=None)), JSON, "field text: expected string, got NoneType"),
    ("string_followers", "mention", as_json(json_mention(author_followers="42")), JSON, "field author_followers"),
    ("bool_followers", "mention", as_json(json_mention(author_followers=True)), JSON, "field author_followers"),
    ("float_followers", "mention", as_json(json_mention(author_followers=1.5)), JSON, "field author_followers"),
    ("negative_followers", "mention", as_avro(json_mention(author_followers=-1)), None, "field author_followers"),
    ("followers_over_int64", "mention", as_json(json_mention(author_followers=2**64 + 1)), JSON, "field author_followers"),
    ("empty_in_reply_to", "reply", as_json(json_reply(in_reply_to="")), JSON, "field in_reply_to"),
    # --- well-formed Avro, invalid event ------------------------------------------------
    ("reply_without_in_reply_to", "reply", as_avro(json_reply(in_reply_to=None)), None, "reply without in_reply_to"),
    ("reply_to_itself", "reply", as_avro(json_reply(in_reply_to="r1")), None, "reply to itself"),
    ("mention_with_in_reply_to", "mention", as_avro(json_mention(in_reply_to="m0")), None, "mention with in_reply_to"),
    ("mention_by_brand", "mention", as_avro(json_mention(author_role="brand")), None, "mention by author_role"),
    ("mention_conversation_mismatch", "mention", as_avro(json_mention(conversation_id="other")), None,
     "conversation_id is not its event_id"),
    ("unknown_role", "reply", as_avro(json_reply(author_role="bot")), None, "unknown author_role: 'bot'"),
    ("unknown_kind", "mention", as_avro(json_mention(kind="retweet")), None, "unknown kind: 'retweet'"),
    ("mention_on_replies_topic", "reply", VALID_MENTION, None, "kind 'mention' on the replies topic"),
    ("reply_on_mentions_topic", "mention", VALID_REPLY, None, "kind 'reply' on the mentions topic"),
    ("uppercase_brand", "mention", as_avro(json_mention(brand="Acme")), None, "field brand: not lower-case"),
    ("empty_event_id", "mention", as_avro(json_mention(event_id="", conversation_id="")), None, "field event_id: empty"),
    ("blank_author_id", "reply", as_avro(json_reply(author_id="   ")), None, "field author_id: empty"),
    ("event_id_too_long", "mention", as_avro(json_mention(event_id="e" * 300, conversation_id="e" * 300)), None,
     "longer than 256 characters"),
    ("text_over_100kB", "mention", as_avro(json_mention(text="é" * 50_001)), None, "field text: over 100000 bytes"),
    ("lang_english", "mention", as_avro(json_mention(lang="english")), None, "field lang"),
    ("lang_upper_case", "mention", as_avro(json_mention(lang="FR")), None, "field lang"),
    ("created_at_before_1970", "mention", as_avro(json_mention(created_at=-1)), None, "out of range"),
    # --- created_at in JSON --------------------------------------------------------------
    ("created_at_unparsable", "mention", as_json(json_mention(created_at="yesterday")), JSON,
     "not an RFC 3339 timestamp"),
    ("created_at_without_offset", "mention", as_json(json_mention(created_at="2024-01-01T10:00:00")), JSON,
     "not an RFC 3339 timestamp"),
    ("created_at_feb_30", "mention", as_json(json_mention(created_at="2024-02-30T10:00:00Z")), JSON,
     "invalid date or time"),
    ("created_at_hour_25", "reply", as_json(json_reply(created_at="2024-01-01T25:00:00Z")), JSON,
     "invalid date or time"),
    ("created_at_second_61", "mention", as_json(json_mention(created_at="2024-01-01T10:00:61Z")), JSON,
     "second out of range"),
    ("created_at_bad_offset", "mention", as_json(json_mention(created_at="2024-01-01T10:00:00+24:00")), JSON,
     "bad UTC offset"),
    ("created_at_non_ascii_digits", "mention", as_json(json_mention(created_at="٢٠٢٤-01-01T10:00:00Z")), JSON,
     "not an RFC 3339 timestamp"),
    ("created_at_trailing_newline", "mention", as_json(json_mention(created_at="2024-01-01T10:00:00Z\n")), JSON,
     "not an RFC 3339 timestamp"),
    ("created_at_far_future", "mention", as_json(json_mention(created_at=FUTURE_CREATED_AT)), JSON,
     "after the stream clock"),
    ("created_at_year_2100", "mention", as_json(json_mention(created_at="2100-01-01T00:00:00Z")), JSON,
     "out of range"),
]

_names = [m[0] for m in MALFORMED]
assert len(_names) == len(set(_names)), "duplicate case name"
