"""A live source: events as they come (stdin, a pipe, a file being written), stamped
with the machine's clock, and a clock tick to every partition every second.

Live sources advance the event-time clock with the wall clock, so a quiet brand in an
idle partition still gets its breach (and alert) within the allowed lateness plus a
few seconds after the deadline (DESIGN.md § Watermark, clock headers and ticks).

Two ways to send (DESIGN.md § Live ingest): `send_live` returns once its line is
delivered (the connectors save their cursor after it); `run` (stdin, a followed file)
never waits for a delivery: the producer sends each batch LINGER_MS after its first
line, so a line is on the broker as soon as before but thousands go per request, and
the ticker's flush every second collects the delivery reports (a failed one stops the
run).
"""
from __future__ import annotations

import threading
import time
from typing import Callable, Iterable

from cluetrain.kafka.config import producer_config
from cluetrain.kafka.producer import ProducerError, SourceProducer
from cluetrain.settings import Settings
from cluetrain.sources.replay import Replayer, parse_line

LINGER_MS = 5  # the longest a live line waits for others to share its produce request


class LiveSource(Replayer):
    def __init__(self, settings: Settings, broker_url: str | None = None, *, producer=None,
                 now_ms: Callable[[], int] | None = None, tick_every_s: float = 1.0):
        if producer is None:
            producer = SourceProducer(broker_url, dict(producer_config(broker_url), **{"linger.ms": LINGER_MS}),
                                      purpose="ingest")
        super().__init__(settings, broker_url, producer=producer, now_ms=now_ms)
        self.tick_every_s = tick_every_s
        self._failure: ProducerError | None = None  # what stopped the ticker
        self._lock = threading.Lock()  # the ticker thread and the reader share the producer
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def _clock(self) -> int:
        clock = max(self._now_ms(), self.result.last_clock_ms or 0)
        self.result.last_clock_ms = clock
        return clock

    def send_live(self, line) -> None:
        """Send one line stamped with the live clock; returns once it is delivered."""
        with self._lock:
            self.emit(line, self._clock(), valid=line.event is not None)
            self.producer.flush()

    def send_many(self, lines) -> None:
        """send_live for many lines at one delivery wait (the HTTP endpoint's batches)."""
        with self._lock:
            clock = self._clock()
            for line in lines:
                self.emit(line, clock, valid=line.event is not None)
            self.producer.flush()

    def tick_now(self) -> None:
        """A tick to every partition, and every record sent so far delivered."""
        with self._lock:
            self.tick(self._clock())
            self.producer.flush()

    def start_ticking(self) -> "LiveSource":
        def run():
            while not self._stop.wait(self.tick_every_s):
                try:
                    self.tick_now()
                except ProducerError as exc:  # the reader raises it (a thread cannot)
                    self._failure = exc
                    return

        self.tick_now()
        self._ticker = threading.Thread(target=run, name="cluetrain-ticks", daemon=True)
        self._ticker.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        with self._lock:
            self._collect()
        super().close()

    def run(self, raw_lines: Iterable[bytes]) -> None:
        """Send each line as it arrives until the input ends (ticks go on meanwhile),
        without waiting for deliveries (see the module's docstring); close() waits
        for the last ones."""
        self.start_ticking()
        lock, emit, clock = self._lock, self.emit, self._clock
        for position, raw in enumerate(raw_lines):
            raw = raw.strip()
            if raw:
                line = parse_line(position, raw)
                with lock:
                    emit(line, clock(), valid=line.event is not None)
            if self._failure is not None:
                raise self._failure


def follow_lines(stream, *, poll_s: float = 0.2, stop: threading.Event | None = None):
    """Lines of a binary stream; at EOF of a regular file, waits for more (tail -f)."""
    while stop is None or not stop.is_set():
        line = stream.readline()
        if line:
            yield line
        elif not stream.seekable():  # a pipe or a terminal: its end is the end
            return
        else:
            time.sleep(poll_s)
