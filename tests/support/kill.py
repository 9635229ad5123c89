"""SIGKILL a worker process once part of the stream is processed (crash tests), or wait
for that point to inflict another fault (outage tests)."""
from __future__ import annotations

import signal
import time
from typing import Callable


def processed(progress, end_offsets: dict) -> int:
    """Records processed so far, by the workers' saved state."""
    return sum(min(progress.poll().get(tp, 0), end) for tp, end in end_offsets.items())


def wait_mid_stream(progress, end_offsets: dict, *, at_least: float,
                    ready: Callable[[], bool] = lambda: True, timeout: float = 120) -> int:
    """Wait until `ready()` and at least `at_least` of the records are processed but not
    all of them; return how many are."""
    total = sum(end_offsets.values())
    deadline = time.monotonic() + timeout
    while True:
        done = processed(progress, end_offsets)
        if ready() and total * at_least <= done < total:
            return done
        assert done < total, "the stream ended before the fault: make it longer"
        assert time.monotonic() < deadline, f"only {done} of {total} records processed"
        time.sleep(0.05)


def kill_mid_stream(worker, progress, end_offsets: dict, *, at_least: float,
                    ready: Callable[[], bool] = lambda: True, timeout: float = 120) -> None:
    """SIGKILL `worker` mid-stream (see wait_mid_stream)."""
    wait_mid_stream(progress, end_offsets, at_least=at_least, ready=ready, timeout=timeout)
    worker.proc.send_signal(signal.SIGKILL)
    worker.proc.wait()
