"""Bad records are dead letters and nothing else: they never move a clock, a watermark or
a tick, whatever their headers say; ticks carry a clock and nothing more; events far
older than the stream clock are rejected too; payloads are capped in the dead letter.
"""
from __future__ import annotations

import hashlib

import pytest

from cluetrain.codec import wire as codec
from cluetrain.codec.headers import CLOCK, CONTENT_TYPE, FINAL, TICK, RawRecord, event_headers, tick_headers
from cluetrain.domain.events import validate_record
from cluetrain.processing.processor import PipelineProcessor
from cluetrain.settings import Settings
from tests.malformed_inputs import json_mention, json_reply

T0 = 1_704_067_200_000  # 2024-01-01T00:00:00Z
DAY_MS = 86_400_000
MENTIONS, REPLIES = "mentions", "replies"


class Feed:
    """Records of partition 0 of both topics, offsets in order, through one processor."""

    def __init__(self, **settings):
        self.settings = Settings.from_env({}, partitions=1, **settings)
        self.processor = PipelineProcessor(self.settings)
        self.offsets = {MENTIONS: 0, REPLIES: 0}

    def record(self, topic: str, value: bytes | None, headers) -> RawRecord:
        offset = self.offsets[topic]
        self.offsets[topic] += 1
        return RawRecord(topic, 0, offset, b"acme", value, tuple(headers))

    def event(self, rec: dict, clock_ms: int | None, **header_kw) -> RawRecord:
        topic = MENTIONS if rec["kind"] == "mention" else REPLIES
        return self.record(topic, codec.encode_event(validate_record(rec)), event_headers(clock_ms, **header_kw))

    def ticks(self, clock_ms: int, **kw) -> list[RawRecord]:
        return [self.record(t, b"", tick_headers(clock_ms, **kw)) for t in (MENTIONS, REPLIES)]

    def process(self, records):
        return self.processor.process(records, now_ms=T0)

    @property
    def state(self):
        return self.processor.partition(0)


def iso(ms: int) -> str:
    from cluetrain.domain.events import format_rfc3339

    return format_rfc3339(ms)


def mention(i: int, at_ms: int) -> dict:
    return json_mention(event_id=f"m{i}", conversation_id=f"m{i}", created_at=iso(at_ms))


def test_rejected_records_do_not_move_the_watermark_so_no_false_breach_or_alert():
    feed = Feed()
    start = feed.process([feed.event(mention(1, T0), T0), *feed.ticks(T0)])
    assert start.turns == [] and feed.state.watermark_ms() == T0 - 300_000
    ahead = T0 + DAY_MS  # undecodable, one per topic, dated a day ahead by their clock header
    out = feed.process([feed.record(t, b"\x00junk", event_headers(ahead)) for t in (MENTIONS, REPLIES)])
    assert [d.reason for d in out.dead_letters] == ["undecodable Avro: no single-object marker C3 01 "
                                                    "(starts with 006a756e)"] * 2
    assert feed.state.clocks == {MENTIONS: T0, REPLIES: T0} and feed.state.watermark_ms() == T0 - 300_000
    assert out.turns == [] and out.alerts == []
    end = feed.process(feed.ticks(T0 + 1_000, final=True))  # the real end: the mention is not breached
    assert [t.status for t in end.turns] == ["open"] and end.alerts == []


@pytest.mark.parametrize("name, headers, reason", [
    ("junk payload", [(CLOCK, b"%d" % (T0 + DAY_MS)), (TICK, b"1")], "cluetrain-tick record with a payload of 5 bytes"),
    ("no clock", [(TICK, b"1")], "cluetrain-tick record without a cluetrain-clock header"),
    ("bad clock", [(CLOCK, b"tomorrow"), (TICK, b"1")], "header cluetrain-clock: not epoch milliseconds"),
    ("two clocks", [(CLOCK, b"1"), (CLOCK, b"%d" % (T0 + DAY_MS)), (TICK, b"1")],
     "header cluetrain-clock given more than once"),
    ("final event", [(CLOCK, b"%d" % T0), (FINAL, b"1")], "cluetrain-final header on a record that is not a tick"),
])
def test_a_tick_is_validated_like_an_event(name, headers, reason):
    feed = Feed()
    feed.process([feed.event(mention(1, T0), T0), *feed.ticks(T0)])
    value = b"" if name in ("no clock", "two clocks", "bad clock") else b"junk!"
    out = feed.process([feed.record(REPLIES, value, headers)])
    assert [d.reason[:len(reason)] for d in out.dead_letters] == [reason], name
    assert out.dead_letters[0].payload == value
    assert feed.state.clocks == {MENTIONS: T0, REPLIES: T0} and feed.state.finals == set()
    assert out.turns == [] and out.alerts == []


def test_an_event_dated_1971_without_a_clock_header_is_a_dead_letter_not_a_1971_turn():
    feed = Feed()
    feed.process([feed.event(mention(1, T0), T0), *feed.ticks(T0)])
    out = feed.process([feed.event(mention(2, 31_536_000_000), None)])  # 1971-01-01
    assert [d.reason for d in out.dead_letters] == [
        "created_at 1971-01-01T00:00:00Z is more than 2592000 s before the stream clock 2024-01-01T00:00:00Z"]
    end = feed.process(feed.ticks(T0 + 10 * DAY_MS, final=True))
    assert [(t.conversation_id, t.started_ms) for t in end.turns] == [("m1", T0)]
    assert all(a.conversation_id == "m1" for a in end.alerts)


def test_events_older_than_max_past_are_dead_letters_and_0_turns_the_bound_off():
    old = T0 - 31 * DAY_MS
    feed = Feed()
    out = feed.process([feed.event(mention(1, old), T0)])
    assert out.events == [] and "is more than 2592000 s before the stream clock" in out.dead_letters[0].reason
    assert feed.state.clocks == {}  # a rejected event's clock header counts for nothing
    unbounded = Feed(max_past_s=0)
    out = unbounded.process([unbounded.event(mention(1, old), T0)])
    assert out.dead_letters == [] and [e.late for e in out.events] == [True]
    within = Feed()
    out = within.process([within.event(mention(1, T0 - 29 * DAY_MS), T0)])
    assert out.dead_letters == [] and [e.late for e in out.events] == [True]


def test_an_event_without_a_clock_header_is_late_against_its_partition_clock():
    """It cannot reopen what the watermark has passed: it is counted late, as the
    same event with a clock header would be."""
    feed = Feed()
    feed.process([feed.event(mention(1, T0), T0), *feed.ticks(T0)])
    reply = json_reply(event_id="r1", conversation_id="m1", in_reply_to="m1", created_at=iso(T0 - DAY_MS))
    out = feed.process([feed.event(reply, None)])
    assert out.dead_letters == [] and [e.late for e in out.events] == [True]
    assert out.turns == []


@pytest.mark.parametrize("headers", [
    [(CLOCK, b"%d" % (T0 + DAY_MS)), (CLOCK, b"%d" % T0)],
    [(CLOCK, b"%d" % T0), (CONTENT_TYPE, b"application/json"), (CONTENT_TYPE, b"avro/binary")],
    [(CLOCK, b"-1")],
])
def test_a_valid_event_with_untrustworthy_headers_is_a_dead_letter_and_moves_nothing(headers):
    feed = Feed()
    feed.process([feed.event(mention(1, T0), T0), *feed.ticks(T0)])
    value = codec.encode_event(validate_record(mention(2, T0)))
    out = feed.process([feed.record(MENTIONS, value, headers)])
    assert len(out.dead_letters) == 1 and out.events == []
    assert feed.state.clocks == {MENTIONS: T0, REPLIES: T0}


def test_a_payload_over_the_cap_is_kept_cut_with_its_size_and_sha256():
    feed = Feed(dead_letter_payload_bytes=1000)
    huge = bytes(range(256)) * 20_000  # 5 MB
    out = feed.process([feed.record(MENTIONS, huge, event_headers(T0))])
    [dead] = out.dead_letters
    assert dead.reason.startswith("payload of 5120000 bytes over the limit")
    assert (dead.payload, dead.payload_size, dead.payload_sha256) == (
        huge[:1000], 5_120_000, hashlib.sha256(huge).hexdigest())
    # what goes to the dead_letters topic is bounded too: the cap, a reason of at most 500 characters, the rest
    assert len(codec.encode_dead_letter(dead)) < 1000 + 500 + 200
    small = feed.process([feed.record(MENTIONS, b"{}", event_headers(T0))]).dead_letters[0]
    assert (small.payload, small.payload_size) == (b"{}", 2)


def test_a_null_value_and_a_null_key_are_dead_letters():
    feed = Feed()
    out = feed.process([RawRecord(MENTIONS, 0, 0, None, None, tuple(event_headers(T0)))])
    assert [(d.reason, d.payload, d.payload_size) for d in out.dead_letters] == [("empty payload", b"", 0)]
    assert feed.state.clocks == {}
