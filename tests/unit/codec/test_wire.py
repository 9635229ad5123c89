"""cluetrain.codec.wire: round trips, the malformed-input table, a mutation fuzz."""
from __future__ import annotations

import hashlib
import io
import json
import random
from datetime import datetime, timedelta, timezone

import avro.io
import avro.schema
import pytest

from cluetrain.codec import wire as codec, schemas
from cluetrain.domain.events import BadEvent, Event, validate_record
from tests.malformed_inputs import (
    CLOCK_MS, MALFORMED, MAX_FUTURE_S, MAX_TEXT_BYTES, VALID_MENTION, VALID_REPLY, as_json, json_mention,
    json_reply,
)

LIMITS = dict(max_future_s=MAX_FUTURE_S, max_text_bytes=MAX_TEXT_BYTES)


def decode(payload: bytes, topic_kind: str, content_type: str | None = None, clock_ms: int | None = CLOCK_MS) -> Event:
    return codec.decode_event(payload, topic_kind=topic_kind, content_type=content_type, clock_ms=clock_ms, **LIMITS)


def mention(**kw) -> Event:
    base = dict(kind="mention", event_id="m1", conversation_id="m1", in_reply_to=None, brand="acme",
                author_id="cust1", author_role="customer", author_followers=42, text="hello", lang="en",
                created_at_ms=1_704_024_000_123)
    base.update(kw)
    return Event(**base)


def reply(**kw) -> Event:
    base = dict(kind="reply", event_id="r1", conversation_id="m1", in_reply_to="m1", brand="acme",
                author_id="acme_care", author_role="brand", author_followers=None, text="On regarde !",
                lang=None, created_at_ms=1_704_024_060_001)
    base.update(kw)
    return Event(**base)


ROUND_TRIP = [
    mention(),
    mention(text="Ça ne marche toujours pas 😡🙏 — 日本語 / العربية / 𝔘𝔫𝔦𝔠𝔬𝔡𝔢"),
    mention(text="line 1\nline 2\r\nline 3\ttab \"quoted\" \\ backslash \u2028 \x00 nul"),
    mention(text="", lang=None, author_followers=None),
    mention(author_followers=0),
    mention(author_followers=2**63 - 1),
    mention(created_at_ms=0),
    mention(created_at_ms=4_102_444_799_999),  # 2099-12-31T23:59:59.999Z
    mention(created_at_ms=1_704_024_000_001),  # ms precision
    mention(created_at_ms=1_704_024_000_999),
    mention(text="é" * 50_000),  # exactly 100,000 UTF-8 bytes: the limit is inclusive
    mention(event_id="x" * 256, conversation_id="x" * 256),
    mention(brand="acme_fr", author_id="@jean.dupont"),
    reply(),
    reply(author_role="employee", author_id="agent_marie", text="Bonjour, c'est Marie 👋", lang="fr"),
    reply(author_role="customer", in_reply_to="r1", event_id="r2", author_followers=7),
]


@pytest.mark.parametrize("event", ROUND_TRIP, ids=range(len(ROUND_TRIP)))
def test_avro_round_trip(event):
    payload = codec.encode_event(event)
    assert payload[:2] == schemas.MAGIC
    assert payload[2:10] == schemas.get(event.kind).fingerprint
    assert codec.schema_of(payload) == event.kind
    out = decode(payload, event.kind, clock_ms=None)
    assert out == event
    assert type(out.created_at_ms) is int


@pytest.mark.parametrize("event", ROUND_TRIP, ids=range(len(ROUND_TRIP)))
def test_json_line_round_trip(event):
    line = json.dumps(event.to_json_dict(), ensure_ascii=False).encode()
    assert decode(line, event.kind, "application/json", clock_ms=None) == event


@pytest.mark.parametrize("content_type", [None, "avro/binary", "AVRO/binary", b"avro/binary", ""])
def test_avro_content_types(content_type):
    assert decode(VALID_MENTION, "mention", content_type).event_id == "m1"


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8", b"application/json"])
def test_json_content_types(content_type):
    assert decode(as_json(json_reply()), "reply", content_type).event_id == "r1"


def test_bytearray_and_memoryview_payloads():
    assert decode(bytearray(VALID_REPLY), "reply").event_id == "r1"
    assert decode(memoryview(VALID_REPLY), "reply").event_id == "r1"


EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def test_bytes_match_the_avro_package():
    """The body is exactly what the reference implementation writes, and it reads it back."""
    for event in ROUND_TRIP:
        payload = codec.encode_event(event)
        ref = avro.schema.parse(json.dumps(schemas.get(event.kind).raw))
        buf = io.BytesIO()
        record = event.to_record() | {"created_at": EPOCH + timedelta(milliseconds=event.created_at_ms)}
        avro.io.DatumWriter(ref).write(record, avro.io.BinaryEncoder(buf))
        assert payload[schemas.HEADER_LEN:] == buf.getvalue()
        back = avro.io.DatumReader(ref, ref).read(avro.io.BinaryDecoder(io.BytesIO(payload[schemas.HEADER_LEN:])))
        assert back == record


def test_clock_limit_is_inclusive():
    ev = mention(created_at_ms=CLOCK_MS + MAX_FUTURE_S * 1000)
    assert decode(codec.encode_event(ev), "mention") == ev
    late = mention(created_at_ms=CLOCK_MS + MAX_FUTURE_S * 1000 + 1)
    with pytest.raises(BadEvent, match="after the stream clock"):
        decode(codec.encode_event(late), "mention")
    assert decode(codec.encode_event(late), "mention", clock_ms=None) == late


def test_max_text_bytes_is_a_parameter():
    ev = mention(text="x" * 2_000)
    with pytest.raises(BadEvent, match="over 1000 bytes"):
        codec.decode_event(codec.encode_event(ev), topic_kind="mention", content_type=None, clock_ms=None,
                           max_future_s=86_400, max_text_bytes=1_000)
    with pytest.raises(BadEvent, match="over the limit of 66536 bytes"):
        codec.decode_event(b"\xc3\x01" + b"\x00" * 70_000, topic_kind="mention", content_type=None,
                           clock_ms=None, max_future_s=86_400, max_text_bytes=1_000)


def test_bad_topic_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="topic_kind"):
        decode(VALID_MENTION, "mentions")


def test_encode_event_rejects_unknown_kind():
    with pytest.raises(ValueError, match="kind"):
        codec.encode_event(mention(kind="retweet"))


# --- the malformed-input table ------------------------------------------------------------

def test_malformed_table_is_large_and_distinct():
    assert len(MALFORMED) >= 25
    assert len({name for name, *_ in MALFORMED}) == len(MALFORMED)
    assert len({payload for _, _, payload, _, _ in MALFORMED}) >= len(MALFORMED) - 1  # json/avro variants differ
    for name, topic_kind, payload, content_type, reason in MALFORMED:
        assert topic_kind in ("mention", "reply"), name
        assert isinstance(payload, bytes) and reason, name


@pytest.mark.parametrize("name,topic_kind,payload,content_type,reason", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_input_gives_a_precise_reason(name, topic_kind, payload, content_type, reason):
    with pytest.raises(BadEvent) as info:
        decode(payload, topic_kind, content_type)
    message = str(info.value)
    assert reason in message, f"{name}: {message!r}"
    assert "\n" not in message and "\r" not in message, message
    assert 0 < len(message) <= 600, message


def test_valid_payloads_of_the_table_decode():
    assert decode(VALID_MENTION, "mention").kind == "mention"
    assert decode(VALID_REPLY, "reply").kind == "reply"
    assert decode(as_json(json_mention()), "mention", "application/json") == decode(VALID_MENTION, "mention")


# --- fuzz ------------------------------------------------------------------------------

def _mutate(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.choice((1, 1, 1, 2, 3, 8))):
        op = rng.randrange(7)
        pos = rng.randrange(len(b) + 1) if b else 0
        if op == 0 and b:  # flip bits of one byte
            b[min(pos, len(b) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1 and b:  # random byte
            b[min(pos, len(b) - 1)] = rng.randrange(256)
        elif op == 2:  # insert
            b[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 5)))
        elif op == 3 and b:  # delete a run
            del b[pos:pos + rng.randrange(1, 6)]
        elif op == 4:  # truncate
            del b[pos:]
        elif op == 5 and b:  # duplicate a slice
            end = min(len(b), pos + rng.randrange(1, 16))
            b[pos:pos] = b[pos:end]
        else:  # interesting varint bytes
            b[pos:pos] = rng.choice((b"\xff" * 10, b"\x80" * 12 + b"\x01", b"\x7f", b"\x01", b"\xfe\xff\xff\xff\x0f"))
    return bytes(b)


@pytest.mark.parametrize("seed,source,topic_kind,content_type", [
    (1, VALID_MENTION, "mention", None),
    (2, VALID_REPLY, "reply", None),
])
def test_fuzz_avro_mutations_never_raise_anything_but_bad_event(seed, source, topic_kind, content_type):
    rng = random.Random(seed)
    outcomes = {"event": 0, "bad": 0}
    for i in range(2_000):
        payload = _mutate(rng, source)
        try:
            event = decode(payload, topic_kind, content_type)
        except BadEvent as exc:
            assert str(exc) and "\n" not in str(exc)
            outcomes["bad"] += 1
        except Exception as exc:  # pragma: no cover - the failure we are looking for
            pytest.fail(f"mutation {i} {payload!r} raised {type(exc).__name__}: {exc}")
        else:
            assert isinstance(event, Event)
            assert validate_record(event.to_json_dict(), expected_kind=topic_kind) == event
            assert codec.decode_event(codec.encode_event(event), topic_kind=topic_kind, content_type=None,
                                      clock_ms=None, **LIMITS) == event
            outcomes["event"] += 1
    assert outcomes["bad"] > 500  # most mutations break it...
    assert outcomes["event"] > 10  # ...but some only change a character of a string


def test_fuzz_json_mutations_never_raise_anything_but_bad_event():
    rng = random.Random(3)
    line = as_json(json_reply(text="Désolés 🙏 on regarde"))
    for i in range(2_000):
        payload = _mutate(rng, line)
        try:
            decode(payload, "reply", "application/json")
        except BadEvent:
            pass
        except Exception as exc:  # pragma: no cover
            pytest.fail(f"mutation {i} {payload!r} raised {type(exc).__name__}: {exc}")


def test_fuzz_random_bytes_after_a_valid_header():
    rng = random.Random(4)
    header = schemas.get("mention").header
    for _ in range(2_000):
        payload = header + rng.randbytes(rng.randrange(0, 120))
        try:
            decode(payload, "mention")
        except BadEvent:
            pass


# --- dead letters ------------------------------------------------------------------------

def test_dead_letter_round_trip():
    raw = b"\x00\xff\xc3\x01 not valid"
    data = codec.encode_dead_letter(
        received_at=1_704_067_200_123, reason="undecodable Avro: truncated", payload=raw,
        source_topic="mentions", source_partition=3, source_offset=1_234_567_890_123,
        content_type="avro/binary",
    )
    assert codec.schema_of(data) == "dead_letter"
    out = codec.decode_dead_letter(data)
    assert out == {
        "received_at": 1_704_067_200_123, "source": "mentions/3@1234567890123", "source_topic": "mentions",
        "source_partition": 3, "source_offset": 1_234_567_890_123, "reason": "undecodable Avro: truncated",
        "payload": raw, "content_type": "avro/binary", "payload_size": len(raw),
        "payload_sha256": hashlib.sha256(raw).hexdigest(),
    }
    assert codec.encode_dead_letter(**out) == data


def test_dead_letter_outside_kafka_and_reason_made_one_line():
    data = codec.encode_dead_letter(received_at=5, source="events.jsonl:17", reason="bad\n  line\tx" + "y" * 2000,
                                    payload=b"")
    out = codec.decode_dead_letter(data)
    assert out["source"] == "events.jsonl:17"
    assert out["source_topic"] is None and out["source_partition"] is None and out["source_offset"] is None
    assert out["reason"].startswith("bad line xyyy") and len(out["reason"]) <= 500
    assert out["payload"] == b""


def test_dead_letter_from_an_object():
    from dataclasses import dataclass

    @dataclass
    class DeadLetter:  # the shape of cluetrain.domain.results.DeadLetter
        received_at_ms: int
        source_topic: str
        source_partition: int
        source_offset: int
        reason: str
        payload: bytes
        payload_size: int
        payload_sha256: str

    dl = DeadLetter(1_704_067_200_000, "replies", 1, 99, "reply without in_reply_to", b'{"kind":"reply"}',
                    4_000_000, "ab" * 32)  # the start of a larger payload
    out = codec.decode_dead_letter(codec.encode_dead_letter(dl))
    assert out == {"received_at": 1_704_067_200_000, "source": "replies/1@99", "source_topic": "replies",
                   "source_partition": 1, "source_offset": 99, "reason": "reply without in_reply_to",
                   "payload": b'{"kind":"reply"}', "content_type": None, "payload_size": 4_000_000,
                   "payload_sha256": "ab" * 32}
    out = codec.decode_dead_letter(codec.encode_dead_letter(dl, content_type=b"application/json", source="x"))
    assert out["content_type"] == "application/json" and out["source"] == "x"


def test_dead_letter_errors():
    with pytest.raises(codec.CodecError, match="missing received_at"):
        codec.encode_dead_letter(reason="r", payload=b"", source="s")

    with pytest.raises(codec.CodecError, match="give source"):
        codec.encode_dead_letter(received_at=5, reason="r", payload=b"", source_topic="t")
    with pytest.raises(codec.CodecError, match="received_at"):
        codec.encode_dead_letter(received_at=1.5, reason="r", payload=b"", source="s")
    with pytest.raises(codec.CodecError, match="wrong schema"):
        codec.decode_dead_letter(VALID_MENTION)
    for garbage in (b"", b"\x00", VALID_MENTION[:5], codec.encode_dead_letter(received_at=1, reason="r", payload=b"p",
                                                                              source="s")[:-1]):
        with pytest.raises(codec.CodecError):
            codec.decode_dead_letter(garbage)


# --- alerts ---------------------------------------------------------------------------------

ALERT = {
    "alert_id": "m1:0", "kind": "ignored_conversation", "brand": "acme", "conversation_id": "m1",
    "fired_at": 1_704_027_600_000, "resolved_at": None, "severity": "warning",
    "details": '{"deadline":"2023-12-31T13:00:00Z","sla_s":3600}',
}


def test_alert_round_trip():
    data = codec.encode_alert(ALERT)
    assert codec.schema_of(data) == "alert"
    assert codec.decode_alert(data) == ALERT
    resolved = ALERT | {"resolved_at": 1_704_030_000_500}
    assert codec.decode_alert(codec.encode_alert(resolved)) == resolved


def test_alert_conveniences():
    out = codec.decode_alert(codec.encode_alert({
        "alert_id": "acme:volume", "kind": "volume_spike", "brand": "acme", "severity": "info",
        "fired_at_ms": 1_704_027_600_000,
        "resolved_at": datetime(2024, 1, 1, 0, 0, 0, 250_999, tzinfo=timezone.utc),
        "details": {"z": 1, "a": [1, 2], "é": "😀"},
    }))
    assert out["conversation_id"] == ""
    assert out["fired_at"] == 1_704_027_600_000
    assert out["resolved_at"] == 1_704_067_200_250
    assert out["details"] == '{"a":[1,2],"z":1,"é":"😀"}'


@pytest.mark.parametrize("change,match", [
    ({"severity": None}, "missing field"),
    ({"colour": "red"}, "unknown field"),
    ({"fired_at_ms": 5}, "given twice"),
    ({"details": "[1]"}, "JSON object"),
    ({"details": "{"}, "not JSON"),
    ({"details": 3}, "JSON string or a dict"),
    ({"fired_at": "2024-01-01"}, "fired_at"),
    ({"fired_at": datetime(2024, 1, 1)}, "naive datetime"),
    ({"alert_id": 5}, "does not fit"),
])
def test_alert_errors(change, match):
    alert = {k: v for k, v in (ALERT | change).items() if v is not None or k == "resolved_at"}
    with pytest.raises(codec.CodecError, match=match):
        codec.encode_alert(alert)


def test_decode_alert_rejects_other_schemas_and_garbage():
    with pytest.raises(codec.CodecError, match="wrong schema"):
        codec.decode_alert(VALID_REPLY)
    with pytest.raises(codec.CodecError, match="trailing"):
        codec.decode_alert(codec.encode_alert(ALERT) + b"\x00")
