"""A live source: events as they come (stdin, a pipe, a file being written), stamped
with the machine's clock, and a clock tick to every partition every second.

Live sources advance the event-time clock with the wall clock, so a quiet brand in an
idle partition still gets its breach (and alert) within the allowed lateness plus a
few seconds after the deadline (DESIGN.md § Watermark, clock headers and ticks).
"""
from __future__ import annotations

import threading
import time
from typing import Callable, Iterable

from cluetrain.settings import Settings
from cluetrain.sources.replay import Replayer, parse_line


class LiveSource(Replayer):
    def __init__(self, settings: Settings, broker_url: str | None = None, *, producer=None,
                 now_ms: Callable[[], int] | None = None, tick_every_s: float = 1.0):
        super().__init__(settings, broker_url, producer=producer, now_ms=now_ms)
        self.tick_every_s = tick_every_s
        self._lock = threading.Lock()  # the ticker thread and the reader share the producer
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def _clock(self) -> int:
        clock = max(self._now_ms(), self.result.last_clock_ms or 0)
        self.result.last_clock_ms = clock
        return clock

    def send_live(self, line) -> None:
        with self._lock:
            self.emit(line, self._clock(), valid=line.event is not None)
            self.producer.flush()  # live: latency over throughput

    def tick_now(self) -> None:
        with self._lock:
            self.tick(self._clock())
            self.producer.flush()

    def start_ticking(self) -> "LiveSource":
        def run():
            while not self._stop.wait(self.tick_every_s):
                self.tick_now()

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
        """Send each line as it arrives until the input ends (ticks go on meanwhile)."""
        self.start_ticking()
        for position, raw in enumerate(raw_lines):
            raw = raw.strip()
            if raw:
                self.send_live(parse_line(position, raw))


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
