"""Reconnecting a live connector: capped exponential back-off, bounded or forever.

A connector's `connect_once()` runs one connection until it drops. It raises
`Dropped` for what a retry can cure (refused, reset, timeout, 5xx) and
`ConnectorError` for what it cannot (bad token, unknown brand handle): that one
stops at once with its one-line message. After `retries` failed attempts in a row
(CLUETRAIN_LIVE_RETRIES; 0 = forever) the last reason is the error. A connection
that delivered something resets the count.
"""
from __future__ import annotations

import random
import sys
import threading
from typing import Callable

FIRST_DELAY_S = 0.5
MAX_DELAY_S = 30.0


class ConnectorError(Exception):
    """A live source cannot go on, for a reason a person can act on (one line)."""


class Dropped(Exception):
    """The connection failed or ended; reconnecting may help. `progressed`: it delivered something first."""

    def __init__(self, reason: str, *, progressed: bool = False):
        super().__init__(reason)
        self.progressed = progressed


def delay_s(attempt: int) -> float:
    """Back-off before attempt n (1-based) of a reconnect, with ±20 % jitter so that
    many connectors do not come back in step."""
    base = min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** (attempt - 1))
    return base * random.uniform(0.8, 1.2)


def run_reconnecting(name: str, connect_once: Callable[[], None], *, retries: int,
                     stop: threading.Event | None = None, log=sys.stderr,
                     sleep: Callable[[float], bool] | None = None) -> None:
    """Run connect_once until it returns (the stream ended on purpose) or `stop` is set."""
    stop = stop or threading.Event()
    sleep = sleep or stop.wait
    failures = 0
    while not stop.is_set():
        try:
            connect_once()
            return
        except Dropped as exc:
            failures = 1 if exc.progressed else failures + 1
            if retries and failures > retries:
                raise ConnectorError(f"{name}: unreachable after {retries} attempts: {exc} "
                                     "(CLUETRAIN_LIVE_RETRIES=0 retries forever)") from None
            wait = delay_s(failures)
            print(f"cluetrain: {name}: {exc}; reconnecting in {wait:.1f} s", file=log, flush=True)
            if sleep(wait):
                return
