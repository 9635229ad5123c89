"""The replayer's hot path without a broker: EventEncoder writes exactly the bytes of
codec.encode_event; the machine's clock is read lazily without changing which lines
are valid; replays through the in-memory broker are unchanged."""
from __future__ import annotations

import io
import random

import orjson
import pytest
from fastavro import schemaless_writer

from cluetrain.settings import Settings
from cluetrain.sources.generate import generate
from cluetrain.codec import wire as codec, headers as records
from cluetrain.codec.event_encoder import EventEncoder, _long, _varint
from cluetrain.sources.replay import InputLine, Replayer, arrange, parse_line
from cluetrain.kafka.memory import MemoryBroker
from tests.unit.codec.test_wire import ROUND_TRIP, mention, reply


def test_long_encoding_equals_fastavro():
    rng = random.Random(3)
    values = [0, 1, -1, 63, 64, -64, -65, 8191, 8192, 16383, 16384, 2**63 - 1, -2**63, 1_704_024_000_123,
              4_102_444_799_999] + [rng.randrange(-2**63, 2**63) for _ in range(2000)] + list(range(-20_000, 40_000, 7))
    for n in values:
        buf = io.BytesIO()
        schemaless_writer(buf, "long", n)
        assert _varint(n) == buf.getvalue() == _long(n), n


EDGE = ROUND_TRIP + [
    mention(text="x" * 16_383), mention(text="x" * 16_384), mention(text="é" * 9_000),  # length prefix 2 -> 3 bytes
    mention(event_id="e" * 63, conversation_id="e" * 63), mention(event_id="e" * 64, conversation_id="e" * 64),
    mention(author_followers=8_191), mention(author_followers=8_192), mention(author_followers=2**40),
    mention(created_at_ms=8_191), mention(created_at_ms=8_192), mention(created_at_ms=16_384 * 8_192),
    reply(in_reply_to="m" * 300, conversation_id="c" * 300), reply(lang="de", brand="brand_ü"),
]


@pytest.mark.parametrize("event", EDGE, ids=range(len(EDGE)))
def test_event_encoder_writes_the_bytes_of_codec(event):
    encoder = EventEncoder()
    assert encoder.encode(event) == codec.encode_event(event)
    assert encoder.encode(event) == codec.encode_event(event)  # memoised strings too


def test_event_encoder_on_generated_events_and_fallback():
    events = [validate for validate in (parse_line(i, orjson.dumps(e)).event for i, e in
                                        enumerate(generate(17, 3000, brands=9))) if validate is not None]
    encoder = EventEncoder()
    assert encoder.fast, "the schemas are no longer the ones EventEncoder writes: update it"
    assert [encoder.encode(e) for e in events] == [codec.encode_event(e) for e in events]
    slow = EventEncoder(fast=False)  # another schema shape: codec.encode_event does the work
    assert not slow.fast and [slow.encode(e) for e in events[:50]] == [codec.encode_event(e) for e in events[:50]]


T = 1_704_024_000_000


def line(pos: int, created_at_ms: int) -> InputLine:
    event = mention(event_id=f"m{pos}", conversation_id=f"m{pos}", created_at_ms=created_at_ms)
    return InputLine(pos, orjson.dumps(event.to_json_dict()), event, "mention", event.brand)


def test_future_events_go_raw_exactly_as_before_and_the_clock_is_read_lazily():
    settings = Settings.from_env({}, partitions=2, max_future_s=60)
    now = {"ms": T, "reads": 0}

    def now_ms():
        now["reads"] += 1
        return now["ms"]

    broker = MemoryBroker(2)
    r = Replayer(settings, producer=broker.producer(), now_ms=now_ms)
    r.send_line(line(0, T))  # the first event sets the clock (no clock yet: the machine's is read)
    assert now["reads"] == 1
    r.send_line(line(1, T + 60_000))  # within clock + max_future: valid, the clock is not read
    assert now["reads"] == 1 and r.result.events == 2 and r.result.last_clock_ms == T + 60_000
    r.send_line(line(2, T + 60_000 + 60_001))  # beyond clock and machine clock: raw
    assert now["reads"] == 2 and r.result.raw_lines == 1 and r.result.last_clock_ms == T + 60_000
    now["ms"] = T + 10**9  # the machine's clock is ahead: the same event is valid
    r.send_line(line(3, T + 60_000 + 60_001))
    assert r.result.events == 3 and r.result.last_clock_ms == T + 120_001
    raw = [records.header_values(rec.headers) for p in range(2) for rec in broker.records("mentions", p)]
    raw = [(clock, content_type) for clock, _, _, content_type in raw if content_type == records.JSON]
    assert raw == [(T + 60_000, records.JSON)]


def test_memory_broker_replay_headers_and_values():
    """Every event record: codec's bytes, key = brand, the clock header of its turn."""
    settings = Settings.from_env({}, partitions=3)
    lines = arrange([parse_line(i, orjson.dumps(e)) for i, e in enumerate(generate(4, 1500, brands=5))], "file")
    broker = MemoryBroker(3)
    result = Replayer(settings, producer=broker.producer(), now_ms=lambda: 4_000_000_000_000).replay(lines)
    got = {}
    for topic in settings.input_topics:
        for p in range(3):
            recs = broker.records(topic, p)
            assert result.end_offsets[(topic, p)] == len(recs)
            for rec in recs:
                if not records.header_values(rec.headers)[1]:  # [1]: tick
                    got[rec.value] = rec
    clock = None
    for l in lines:
        clock = l.event.created_at_ms if clock is None else max(clock, l.event.created_at_ms)
        rec = got[codec.encode_event(l.event)]
        assert rec.key == l.event.brand.encode() and rec.headers == ((records.CLOCK, str(clock).encode()),)
    assert result.events == len(lines) == len(got)
