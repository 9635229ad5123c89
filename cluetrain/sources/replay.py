"""Replay a file of events (JSONL, or a twcs CSV) into the input topics.

The replayer is a *source*: it owns the event-time clock (max created_at emitted) and
stamps it on every record; it sends clock ticks to every partition so idle ones
advance, and a final tick at the end, after which the watermark is the input's last
created_at (DESIGN.md § Watermark, clock headers and ticks). By default a historical
file is replayed in event-time order, (created_at, event_id); `order="file"` keeps
the file's arrival order. Lines it cannot validate are still sent, as raw JSON, for
the worker to dead-letter.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

import orjson

from cluetrain.settings import Settings
from cluetrain.codec import headers as records
from cluetrain.codec.event_encoder import EventEncoder
from cluetrain.domain.events import BadEvent, Event, validate_record
from cluetrain.kafka.clients import Producer
from cluetrain.kafka.producer import SourceProducer

if TYPE_CHECKING:
    from cluetrain.kafka.memory import MemoryBroker


@dataclass(frozen=True, slots=True)
class InputLine:
    """One line of input: the raw bytes and, when valid, the event."""
    position: int
    raw: bytes
    event: Event | None
    kind_hint: str
    brand_hint: str


@dataclass
class ReplayResult:
    events: int = 0
    raw_lines: int = 0
    ticks: int = 0
    seconds: float = 0.0
    last_clock_ms: int | None = None
    # (topic, partition) -> next offset after the last record produced there
    end_offsets: dict[tuple[str, int], int] = field(default_factory=dict)

    @property
    def records(self) -> int:
        return self.events + self.raw_lines + self.ticks


def read_input(path: Path) -> list[InputLine]:
    """Load a JSONL events file or a Customer Support on Twitter CSV."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"input file not found: {path}")
    if _is_twcs_csv(path):
        from cluetrain.sources.twcs import import_twcs
        raws: Iterable[tuple[int, bytes]] = enumerate(orjson.dumps(e) for e in import_twcs(path).events)
    else:
        from cluetrain.sources.jsonl import read_jsonl_lines
        raws = read_jsonl_lines(path)
    return [parse_line(pos, raw) for pos, raw in raws]


def _is_twcs_csv(path: Path) -> bool:
    """A `.csv` file is read as twcs, whose header check refuses one that is not (the
    check of `cluetrain import-twcs`); any other name is twcs when its header says so."""
    if path.suffix.lower() == ".csv":
        return True
    with open(path, "rb") as f:
        return f.readline().startswith(b"tweet_id,author_id,inbound")


def parse_line(position: int, raw: bytes) -> InputLine:
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError:
        record = None
    kind = brand = ""
    if isinstance(record, dict):
        kind = record.get("kind") if isinstance(record.get("kind"), str) else ""
        brand = record.get("brand") if isinstance(record.get("brand"), str) else ""
    try:
        event = validate_record(record)
    except BadEvent:
        event = None
    return InputLine(position, raw, event, kind, brand)


def arrange(lines: list[InputLine], order: str) -> list[InputLine]:
    """Event-time order for historical files; invalid lines keep their file order, last."""
    if order == "file":
        return list(lines)
    if order != "time":
        raise ValueError(f"unknown order {order!r} (time or file)")
    good = sorted((l for l in lines if l.event is not None), key=lambda l: l.event.sort_key)
    return good + [l for l in lines if l.event is None]


class Replayer:
    """Produces lines to the input topics with clock headers and ticks."""

    def __init__(self, settings: Settings, broker_url: str | None = None, *, producer: Producer | None = None,
                 now_ms: Callable[[], int] | None = None):
        """`producer` defaults to the Kafka one on broker_url (tests: a memory one)."""
        self.settings = settings
        self._now_ms = now_ms or (lambda: int(time.time() * 1000))
        self.producer = producer if producer is not None else SourceProducer(broker_url)
        self._send = self.producer.send
        self._encode = EventEncoder().encode
        self._topic_of = {"mention": settings.topic_mentions, "reply": settings.topic_replies}
        self._future_ms = settings.max_future_s * 1000
        self.result = ReplayResult()
        self._last_tick_ms: int | None = None
        self._since_tick = 0
        self._headers_clock: object = ()  # event_headers(clock) of the last clock: one list per clock
        self._headers: list = []

    def close(self) -> None:
        self.producer.close(timeout=10)

    def __enter__(self) -> "Replayer":
        return self

    def __exit__(self, exc_type, *_) -> None:
        if exc_type is None:
            self.close()
            return
        self.producer.discard()  # interrupted or failed: drop what is queued, no wait for its delivery

    def _collect(self) -> None:
        """Wait for the deliveries; their end offsets are the result's."""
        self.producer.flush()
        self.result.end_offsets.update(self.producer.end_offsets)

    def tick(self, clock_ms: int, *, final: bool = False) -> None:
        headers = records.tick_headers(clock_ms, final=final)
        for topic in self.settings.input_topics:
            for partition in range(self.settings.partitions):
                self._send(topic, b"", None, headers, partition)
                self.result.ticks += 1
        self._last_tick_ms = clock_ms
        self._since_tick = 0

    def emit(self, line: InputLine, clock: int | None, *, valid: bool) -> None:
        """Send one line stamped with the source clock `clock`."""
        if valid and line.event is not None:
            self._emit_event(line.event, clock)
        else:
            # Invalid, or dated in the future: sent as-is, for the worker to dead-letter
            # with the precise reason.
            s = self.settings
            topic = s.topic_mentions if line.kind_hint == "mention" else s.topic_replies
            self._send(topic, line.raw, line.brand_hint.encode() or None,
                       records.event_headers(clock, raw_json=True))
            self.result.raw_lines += 1

    def _emit_event(self, event: Event, clock: int | None) -> None:
        if clock != self._headers_clock:
            self._headers_clock, self._headers = clock, records.event_headers(clock)
        self._send(self._topic_of[event.kind], self._encode(event), event.brand.encode(), self._headers)
        self.result.events += 1

    def send_line(self, line: InputLine) -> None:
        """Replay clock: the max created_at sent so far (events in the future of both
        the replay clock and the machine's clock by more than max_future_s excepted)."""
        s = self.settings
        clock = self.result.last_clock_ms
        event = line.event
        if event is not None and (  # the machine's clock is only read when it matters
                event.created_at_ms <= (clock or 0) + self._future_ms
                or event.created_at_ms <= max(clock or 0, self._now_ms()) + self._future_ms):
            if clock is None or event.created_at_ms > clock:
                clock = self.result.last_clock_ms = event.created_at_ms
            self._emit_event(event, clock)
        else:
            self.emit(line, clock, valid=False)
        self._since_tick += 1
        if clock is not None and (self._last_tick_ms is None or (
                clock - self._last_tick_ms >= s.tick_interval_s * 1000 and self._since_tick >= s.tick_min_events)):
            self.tick(clock)

    def replay(self, lines: list[InputLine], *, speed: float = 0.0,
               progress: Callable[[int, int], None] | None = None) -> ReplayResult:
        """Send every line; speed > 0 paces event time at `speed` x wall time."""
        started = time.monotonic()
        first_ms = next((l.event.created_at_ms for l in lines if l.event is not None), None)
        pace = speed > 0 and first_ms is not None
        send_line = self.send_line
        for i, line in enumerate(lines):
            if pace and line.event is not None:
                due = started + (line.event.created_at_ms - first_ms) / 1000 / speed
                delay = due - time.monotonic()
                if delay > 0:
                    self.producer.flush()
                    time.sleep(delay)
            send_line(line)
            if progress is not None and i % 1000 == 0:
                progress(i, len(lines))
        self.finish()
        self.result.seconds = time.monotonic() - started
        return self.result

    def finish(self) -> None:
        """Final tick: the watermark becomes the last created_at in every partition."""
        self.tick(self.result.last_clock_ms or 0, final=True)
        self._collect()


def replay_to_memory(settings: Settings, lines: list[bytes], *, order: str = "time") -> "MemoryBroker":
    """Lines replayed, as `cluetrain replay` would, into a MemoryBroker (tests, benchmarks);
    the machine's clock is fixed far ahead, so that no line is in the future."""
    from cluetrain.kafka.memory import MemoryBroker  # kafka-python's partitioner, loaded when used

    broker = MemoryBroker(settings.partitions)
    parsed = arrange([parse_line(i, raw) for i, raw in enumerate(lines)], order)
    Replayer(settings, producer=broker.producer(), now_ms=lambda: 4_000_000_000_000).replay(parsed)
    return broker
