"""What travels with a Kafka record besides the value: the source's event-time clock.

Every record a source produces carries `cluetrain-clock`: the source's event-time
clock (max created_at it has emitted, epoch ms) at that record. The watermark of a
partition is derived from these clocks, so it does not depend on how brands are spread
over partitions. Idle partitions get clock *ticks* (empty value, `cluetrain-tick`);
the end of a replay is a tick with `cluetrain-final` (watermark = last created_at).
Lines a replayer could not validate travel as raw JSON (`content-type`), so that the
worker is the one place that turns bad input into dead letters. Headers are input too:
`header_values` rejects those that cannot be trusted (DESIGN.md § Watermark, clock
headers and ticks).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from cluetrain.codec.framing import clip_one_line
from cluetrain.domain.events import MAX_MS, MIN_MS, BadEvent

CLOCK = "cluetrain-clock"
TICK = "cluetrain-tick"
FINAL = "cluetrain-final"
CONTENT_TYPE = "content-type"
JSON = "application/json"


@dataclass(frozen=True, slots=True)
class RawRecord:
    """A consumed record, independent of the Kafka client that read it."""
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()


def header_values(headers: tuple[tuple[str, bytes], ...]) -> tuple[int | None, bool, bool, str | None]:
    """(clock_ms, is_tick, is_final, content_type) of a record's headers, in one pass, or
    BadEvent saying why they cannot be trusted: a header of ours given twice (which one
    would the source have meant?), or a clock that is not epoch milliseconds in
    1970..2100. Absent: clock and content type None, tick and final False. Other
    headers are ignored."""
    clock = content_type = None
    tick = final = False
    for key, value in headers:
        if key == CLOCK:
            if clock is not None:  # a clock read is never None: _clock_ms raises instead
                raise _twice(key)
            clock = _clock_ms(value)
        elif key == TICK:
            if tick:
                raise _twice(key)
            tick = True
        elif key == FINAL:
            if final:
                raise _twice(key)
            final = True
        elif key == CONTENT_TYPE:
            if content_type is not None:
                raise _twice(key)
            content_type = value.decode("ascii", "replace")
    return clock, tick, final, content_type


def _twice(key: str) -> BadEvent:
    return BadEvent(f"header {key} given more than once")


def _clock_ms(value: bytes) -> int:
    text = value.decode("ascii", "replace")
    # ASCII digits only: int() would take '+1', ' 1', '1_000' and other scripts' digits
    if not (text.isdigit() and text.isascii() and len(text) <= 13):
        raise BadEvent(f"header {CLOCK}: not epoch milliseconds: {clip_one_line(repr(text), 64)}")
    ms = int(text)
    if not MIN_MS <= ms < MAX_MS:
        raise BadEvent(f"header {CLOCK}: {ms} is out of range (1970..2100)")
    return ms


def event_headers(clock_ms: int | None, *, raw_json: bool = False) -> list[tuple[str, bytes]]:
    headers = [] if clock_ms is None else [(CLOCK, str(clock_ms).encode())]
    if raw_json:
        headers.append((CONTENT_TYPE, JSON.encode()))
    return headers


def tick_headers(clock_ms: int, *, final: bool = False) -> list[tuple[str, bytes]]:
    headers = [(CLOCK, str(clock_ms).encode()), (TICK, b"1")]
    if final:
        headers.append((FINAL, b"1"))
    return headers


def normalize_headers(headers: Iterable | None) -> tuple[tuple[str, bytes], ...]:
    """Kafka clients give headers as list of (str, bytes) or a dict; make a tuple."""
    if not headers:
        return ()
    items = headers.items() if isinstance(headers, dict) else headers
    return tuple((k if isinstance(k, str) else k.decode(), v if isinstance(v, bytes) else bytes(v or b""))
                 for k, v in items)
