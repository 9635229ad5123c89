"""SIGKILL a worker process once part of the stream is processed (crash tests)."""
from __future__ import annotations

import signal
import time
from typing import Callable


def kill_mid_stream(worker, progress, end_offsets: dict, *, at_least: float,
                    ready: Callable[[], bool] = lambda: True, timeout: float = 120) -> None:
    """Wait until `ready()` and at least `at_least` of the records (by the workers' saved
    state) are processed but not all of them, then SIGKILL `worker`."""
    total = sum(end_offsets.values())
    deadline = time.monotonic() + timeout
    while True:
        done = sum(min(progress.poll().get(tp, 0), end) for tp, end in end_offsets.items())
        if ready() and total * at_least <= done < total:
            break
        assert done < total, "the stream ended before the kill: make it longer"
        assert time.monotonic() < deadline, f"only {done} of {total} records processed"
        time.sleep(0.05)
    worker.proc.send_signal(signal.SIGKILL)
    worker.proc.wait()
