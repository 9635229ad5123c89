"""The bulk worker's input while a batch waits for ClickHouse (DESIGN.md § ClickHouse outages).

The batch's rows are written on the writer's thread; the loop waits for that write
here. If it takes longer than `pause_after_s` (ClickHouse down, stopped or slow), the
assigned partitions are paused and the consumer keeps being polled: the group's
session and max.poll.interval stay alive for as long as the outage lasts, no record
is consumed, and a record fetched anyway (a partition assigned during the wait) is
sought back to and paused. When the write returns, the partitions are resumed.
A write still pending after 10 s with no outage logged by the sink (a server that hangs
rather than refuses) gets one warning, and its end another.
"""
from __future__ import annotations

import logging
import time
from concurrent.futures import Future, TimeoutError
from typing import Callable

log = logging.getLogger(__name__)


class WorkerStopped(Exception):
    """SIGINT or SIGTERM arrived while the batch waited: stop without committing it."""


class HeldInput:
    def __init__(self, consumer, check: Callable[[], None], *, reported: Callable[[], bool] = lambda: False,
                 pause_after_s: float = 1.0, warn_after_s: float = 10.0, poll_s: float = 0.2):
        """`check()` raises to abandon the wait (WorkerStopped, a lost broker).
        `warn_after_s`: a write still pending then is a warning, unless `reported()` (the
        sink logged the outage already): a server that hangs rather than refuses (SIGSTOP,
        overload) raises no error the sink would log."""
        self.consumer = consumer
        self.check = check
        self.reported = reported
        self.pause_after_s = pause_after_s
        self.warn_after_s = warn_after_s
        self.poll_s = poll_s

    def wait(self, future: Future):
        """The future's result, polling the paused consumer until it is there."""
        try:
            return future.result(timeout=self.pause_after_s)
        except TimeoutError:
            pass
        started = time.monotonic() - self.pause_after_s
        self.consumer.pause(self.consumer.assignment())
        log.info("ClickHouse write pending for %.0f s: input paused", self.pause_after_s)
        level = logging.INFO
        quiet = False  # the sink logged this outage: no second line, even once it is back
        try:
            while not future.done():
                self._keep_alive()
                self.check()
                quiet = quiet or self.reported()
                if level == logging.INFO and not quiet and time.monotonic() - started >= self.warn_after_s:
                    level = logging.WARNING
                    log.warning("ClickHouse slow: a write pending for %.0f s (no error yet), input paused",
                                self.warn_after_s)
            return future.result()
        finally:
            self.consumer.resume(self.consumer.assignment())
            log.log(level, "input resumed after %.1f s", time.monotonic() - started)

    def _keep_alive(self) -> None:
        from confluent_kafka import TopicPartition

        msg = self.consumer.poll(self.poll_s)  # serves heartbeats, rebalances, errors
        if msg is not None and msg.error() is None:
            tp = TopicPartition(msg.topic(), msg.partition(), msg.offset())
            self.consumer.pause([tp])
            self.consumer.seek(tp)
