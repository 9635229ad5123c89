"""Bad input records of every kind, each with the dead-letter reason it must give.

`bad_records(rng, n, ...)` mixes: the malformed-input table (tests/malformed_inputs.py),
random bytes, truncated Avro, wrong schema fingerprints, untrustworthy headers
(duplicated, non-integer or out-of-range clocks, cluetrain-final on an event, two
content types), raw JSON without its content-type, ticks with a payload or without a
clock, empty and null values, huge values, absurd dates (1971, 2099, before 1970), and
null keys. Many carry a clock header a day ahead of the stream, or a tick marker: if a
rejected record moved a clock, the good events' tables would show it.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from cluetrain.codec import schemas
from cluetrain.codec import wire as codec
from cluetrain.codec.headers import CLOCK, CONTENT_TYPE, FINAL, TICK, event_headers, tick_headers
from cluetrain.domain.events import format_rfc3339, validate_record
from tests.malformed_inputs import CLOCK_MS, MALFORMED, as_avro, as_json, avro_body, json_mention, json_reply

DAY_MS = 86_400_000
HUGE = 8 * 1024 * 1024


@dataclass(frozen=True)
class BadRecord:
    kind: str  # what makes it bad
    topic: str
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]
    reason: str  # a substring of the dead letter's reason


class BadRecordMaker:
    """Bad records around a stream whose clock is `clock_ms` (a good event's time)."""

    def __init__(self, rng: random.Random, topics: tuple[str, str], clock_ms: int):
        self.rng = rng
        self.mentions, self.replies = topics
        self.clock_ms = clock_ms
        self.serial = 0

    def _fresh_event(self, **changes) -> dict:
        """A valid-looking event with an id no good event has (were it accepted, it would show)."""
        self.serial += 1
        at = changes.pop("created_at", format_rfc3339(self.clock_ms))
        if self.rng.random() < 0.5:
            return json_mention(event_id=f"poison-{self.serial}", conversation_id=f"poison-{self.serial}",
                                created_at=at, **changes)
        return json_reply(event_id=f"poison-r{self.serial}", conversation_id="poison-0", in_reply_to="poison-0",
                          created_at=at, **changes)

    def _topic_of(self, rec: dict) -> str:
        return self.mentions if rec["kind"] == "mention" else self.replies

    def _ahead(self) -> list[tuple[str, bytes]]:
        """A clock a day ahead of the stream: it must move nothing."""
        return event_headers(self.clock_ms + DAY_MS + self.rng.randrange(DAY_MS))

    def make(self, kind: str) -> BadRecord:
        rng = self.rng
        key = None if rng.random() < 0.3 else rng.choice([b"acme", b"", rng.randbytes(8)])
        topic = rng.choice((self.mentions, self.replies))
        if kind == "malformed":
            name, topic_kind, payload, content_type, reason = rng.choice(MALFORMED)
            headers = event_headers(CLOCK_MS) + ([(CONTENT_TYPE, content_type.encode())] if content_type else [])
            return BadRecord(kind, self.mentions if topic_kind == "mention" else self.replies, key, payload,
                             headers, reason)
        if kind == "random_bytes":
            value = bytes([rng.choice([b for b in range(256) if b not in b"\xc3{[ \t\r\n"])]) + rng.randbytes(
                rng.randrange(0, 2000))
            return BadRecord(kind, topic, key, value, self._ahead(), "no single-object marker")
        if kind == "truncated_avro":
            rec = self._fresh_event()
            full = codec.encode_event(validate_record(rec))
            return BadRecord(kind, self._topic_of(rec), key, full[:rng.randrange(2, len(full))], self._ahead(),
                             "truncated")
        if kind == "wrong_fingerprint":
            rec = self._fresh_event()
            value = schemas.MAGIC + rng.randbytes(8) + avro_body(rec, rec["kind"])
            return BadRecord(kind, self._topic_of(rec), key, value, self._ahead(), "unknown writer schema fingerprint")
        if kind == "bad_headers":
            rec = self._fresh_event()
            value = codec.encode_event(validate_record(rec))
            clock = str(self.clock_ms).encode()
            headers, reason = rng.choice([
                ([(CLOCK, clock), (CLOCK, str(self.clock_ms + DAY_MS).encode())], "given more than once"),
                ([(CLOCK, b"%d.5" % self.clock_ms)], "not epoch milliseconds"),
                ([(CLOCK, b"")], "not epoch milliseconds"),
                ([(CLOCK, b"99999999999999")], "not epoch milliseconds"),
                ([(CLOCK, b"5000000000000")], "out of range"),
                ([(CLOCK, clock), (FINAL, b"1")], "cluetrain-final header on a record that is not a tick"),
                ([(CLOCK, clock), (CONTENT_TYPE, b"avro/binary"), (CONTENT_TYPE, b"avro/binary")],
                 "given more than once"),
            ])
            return BadRecord(kind, self._topic_of(rec), key, value, headers, reason)
        if kind == "missing_headers":
            if rng.random() < 0.5:  # a raw JSON line whose content-type got lost
                rec = self._fresh_event()
                return BadRecord(kind, self._topic_of(rec), key, as_json(rec), [], "looks like JSON")
            return BadRecord(kind, topic, key, b"\x00" + rng.randbytes(rng.randrange(40)), [], "no single-object marker")
        if kind == "tick_junk":
            ahead = self.clock_ms + DAY_MS
            if rng.random() < 0.7:
                value = rng.choice([b"junk", b"{}", rng.randbytes(rng.randrange(1, 300))])
                return BadRecord(kind, topic, key, value, tick_headers(ahead, final=rng.random() < 0.3),
                                 "cluetrain-tick record with a payload")
            return BadRecord(kind, topic, key, b"", [(TICK, b"1")], "without a cluetrain-clock header")
        if kind == "empty":
            return BadRecord(kind, topic, key, rng.choice([b"", None]), self._ahead(), "empty payload")
        if kind == "huge":
            return BadRecord(kind, topic, key, rng.randbytes(HUGE), self._ahead(), "over the limit")
        if kind == "absurd_date":
            created_at, reason = rng.choice([
                ("1971-01-01T00:00:00Z", "before the stream clock"),
                ("2099-06-01T00:00:00Z", "after the stream clock"),
                (-86_400_000, "out of range"),
            ])
            rec = self._fresh_event(created_at=created_at)
            value = as_avro(rec)
            return BadRecord(kind, self._topic_of(rec), key, value, event_headers(self.clock_ms), reason)
        raise ValueError(f"unknown kind of bad record: {kind}")


KINDS = ("malformed", "random_bytes", "truncated_avro", "wrong_fingerprint", "bad_headers", "missing_headers",
         "tick_junk", "empty", "absurd_date")


def bad_records(rng: random.Random, n: int, topics: tuple[str, str], clock_ms: int, *, huge: int = 3) -> list[BadRecord]:
    """n bad records of every kind, `huge` of them 8 MiB, in random order."""
    maker = BadRecordMaker(rng, topics, clock_ms)
    out = [maker.make(KINDS[i % len(KINDS)]) for i in range(n - huge)] + [maker.make("huge") for _ in range(huge)]
    rng.shuffle(out)
    return out
