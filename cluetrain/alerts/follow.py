"""`cluetrain alerts [--follow]`: read the `alerts` topic, print one line per alert or
resolution and, when CLUETRAIN_WEBHOOK_URL is set, deliver each one to the webhook.

Two modes:
- print only (no webhook): a viewer. No consumer group (partitions assigned directly,
  nothing committed), so watching never steals partitions from the notifier.
- notifier (webhook set): consumer group `cluetrain-notifier`. A record's offset is
  committed only once its notification is delivered or written to the dead_letters
  topic, so a crash re-delivers (at-least-once; the receiver dedups on the
  Idempotency-Key). Within the process, (alert_id, fired|resolved) is posted once.

A record is a resolution when resolved_at is set; it is posted as a resolution only
(its payload carries fired_at too). Undecodable records are dead-lettered (notifier) or
reported on `err` (viewer), never dropped silently.
"""
from __future__ import annotations

import logging
import sys
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Mapping, TextIO

from cluetrain.alerts import render
from cluetrain.alerts.webhook import DeliveryResult, WebhookNotifier
from cluetrain.settings import Settings
from cluetrain.codec import wire as codec
from cluetrain.kafka.config import alerts_viewer_config, notifier_consumer_config, notifier_producer_config
from cluetrain.runtime.processes import ProcessError

log = logging.getLogger(__name__)

GROUP_ID = "cluetrain-notifier"
_POLL_MS = 500


def notifier_from_settings(settings: Settings, **overrides: Any) -> WebhookNotifier | None:
    """The notifier CLUETRAIN_WEBHOOK_* describe (Settings has validated them); None
    when no URL is set."""
    if not settings.webhook_url:
        return None
    options = dict(max_attempts=settings.webhook_max_attempts, timeout_s=settings.webhook_timeout_s)
    options.update(overrides)
    return WebhookNotifier(settings.webhook_url, settings.webhook_secret, **options)


@dataclass(frozen=True)
class Handled:
    key: str                          # '<alert_id>:<fired|resolved>'
    line: str                         # the printed line ('' for a duplicate)
    duplicate: bool
    result: DeliveryResult | None     # None when not delivered (viewer, duplicate)


class AlertHandler:
    """Prints, deduplicates and delivers alert records (no Kafka here).
    handle() marks a key seen only once it is delivered or dead-lettered."""

    def __init__(self, out: TextIO, notifier: WebhookNotifier | None = None, *, max_seen: int = 100_000):
        self.out, self.notifier, self.max_seen = out, notifier, max_seen
        self._seen: OrderedDict[str, None] = OrderedDict()

    def seen(self, key: str) -> bool:
        return key in self._seen

    def handle(self, alert: Mapping[str, Any]) -> Handled:
        """Raises ValueError for an alert missing a required field."""
        a = render.view(alert)
        key = a.key()
        if key in self._seen:
            self._seen.move_to_end(key)
            return Handled(key, "", True, None)
        line = render.follow_line(a)
        print(line, file=self.out, flush=True)
        result = self.notifier.deliver(alert, a.resolved_at is not None) if self.notifier else None
        self._seen[key] = None
        if len(self._seen) > self.max_seen:
            self._seen.popitem(last=False)
        return Handled(key, line, False, result)


@dataclass
class FollowResult:
    records: int = 0                                  # consumed, duplicates and bad ones included
    printed: int = 0
    duplicates: int = 0
    bad: int = 0                                      # undecodable or invalid records
    delivered: list[DeliveryResult] = field(default_factory=list)
    dead_letters: list[tuple[str, str]] = field(default_factory=list)   # (source, reason)


def follow_alerts(settings: Settings, broker_url: str, *, out: TextIO, stop_after: int | None = None,
                  from_beginning: bool = True, follow: bool = True, max_idle_s: float | None = None,
                  notifier: WebhookNotifier | None = None, err: TextIO | None = None,
                  group_id: str = GROUP_ID) -> FollowResult:
    """Consume the alerts topic until stop_after records were consumed, no record came
    for max_idle_s, or (follow=False) the end of the topic as it was when assigned.
    notifier: defaults to notifier_from_settings(settings) (None: print only)."""
    notifier = notifier if notifier is not None else notifier_from_settings(settings)
    err = err if err is not None else sys.stderr
    loop = _Loop(settings, broker_url, AlertHandler(out, notifier), err, group_id)
    try:
        loop.open(from_beginning)
        loop.run(stop_after=stop_after, follow=follow, max_idle_s=max_idle_s)
    finally:
        loop.close()
    return loop.result


class _Loop:
    def __init__(self, settings: Settings, broker_url: str, handler: AlertHandler, err: TextIO, group_id: str):
        self.settings, self.broker_url, self.handler, self.err = settings, broker_url, handler, err
        self.group_id = group_id if handler.notifier is not None else None
        self.topic = settings.topic_alerts
        self.consumer = self.producer = None
        self.result = FollowResult()

    def open(self, from_beginning: bool) -> None:
        from kafka import KafkaConsumer, TopicPartition
        from kafka.errors import KafkaError

        try:
            if self.group_id is None:
                self.consumer = KafkaConsumer(**alerts_viewer_config(self.broker_url, from_beginning=from_beginning))
                tps = [TopicPartition(self.topic, p) for p in sorted(self._partitions())]
                self.consumer.assign(tps)
                (self.consumer.seek_to_beginning if from_beginning else self.consumer.seek_to_end)(*tps)
            else:
                n = self.handler.notifier
                worst_s = n.max_attempts * n.timeout_s + (n.max_attempts - 1) * max(n.max_backoff_s, n.max_retry_after_s)
                self.consumer = KafkaConsumer(**notifier_consumer_config(
                    self.settings, self.broker_url, group_id=self.group_id, from_beginning=from_beginning,
                    max_poll_interval_s=max(300.0, worst_s + 60.0)))
                self._partitions()  # a missing topic is an error, not an endless wait for an assignment
                self.consumer.subscribe([self.topic])
        except KafkaError as exc:
            raise ProcessError(f"cannot read the {self.topic} topic at {self.broker_url}: {exc}") from None

    def _partitions(self, timeout: float = 15.0) -> set[int]:
        deadline = time.monotonic() + timeout
        while True:
            parts = self.consumer.partitions_for_topic(self.topic)
            if parts:
                return parts
            if time.monotonic() > deadline:
                raise ProcessError(f"topic {self.topic} not found at {self.broker_url} (is the worker running?)")
            time.sleep(0.2)

    def run(self, *, stop_after: int | None, follow: bool, max_idle_s: float | None) -> None:
        idle_since, ends = time.monotonic(), None
        while True:
            batch = self.consumer.poll(timeout_ms=_POLL_MS)
            for records in batch.values():
                for record in records:
                    self._process(record)
                    if stop_after is not None and self.result.records >= stop_after:
                        return
            if batch:
                idle_since = time.monotonic()
            elif max_idle_s is not None and time.monotonic() - idle_since >= max_idle_s:
                return
            if not follow:
                assigned = self.consumer.assignment()
                if assigned:
                    ends = ends or self.consumer.end_offsets(list(assigned))
                    if all(self.consumer.position(tp) >= ends.get(tp, 0) for tp in assigned):
                        return

    def _process(self, record) -> None:
        self.result.records += 1
        source = f"{record.topic}/{record.partition}@{record.offset}"
        try:
            handled = self.handler.handle(codec.decode_alert(record.value or b""))
        except (codec.CodecError, ValueError) as exc:
            reason = " ".join(str(exc).split())
            self.result.bad += 1
            print(f"cluetrain: bad record {source}: {reason}", file=self.err, flush=True)
            self._dead_letter(record, reason)
        else:
            if handled.duplicate:
                self.result.duplicates += 1
            else:
                self.result.printed += 1
            if handled.result is not None and handled.result.delivered:
                self.result.delivered.append(handled.result)
            elif handled.result is not None:
                print(f"cluetrain: {handled.key} -> dead letter: {handled.result.reason}", file=self.err, flush=True)
                self._dead_letter(record, handled.result.reason)
        self._commit(record)

    def _dead_letter(self, record, reason: str) -> None:
        if self.group_id is None:  # a viewer reports, the notifier records
            return
        from kafka import KafkaProducer

        if self.producer is None:
            self.producer = KafkaProducer(**notifier_producer_config(self.broker_url))
        value = codec.encode_dead_letter(
            received_at=int(time.time() * 1000), reason=reason, payload=bytes(record.value or b""),
            source_topic=record.topic, source_partition=record.partition, source_offset=record.offset)
        # written before the offset is committed: a crash in between re-delivers, never loses
        self.producer.send(self.settings.topic_dead_letters, key=record.topic.encode(), value=value).get(timeout=30)
        self.result.dead_letters.append((f"{record.topic}/{record.partition}@{record.offset}", reason))

    def _commit(self, record) -> None:
        if self.group_id is None:
            return
        from kafka import TopicPartition
        from kafka.errors import CommitFailedError
        from kafka.structs import OffsetAndMetadata

        tp = TopicPartition(record.topic, record.partition)
        try:
            self.consumer.commit({tp: OffsetAndMetadata(record.offset + 1, "", -1)})
        except CommitFailedError as exc:  # rebalanced: the record may come again (at-least-once)
            log.warning("commit of %s@%d failed: %s", tp, record.offset, exc)

    def close(self) -> None:
        if self.producer is not None:
            self.producer.close(timeout=10)
        if self.consumer is not None:
            self.consumer.close(autocommit=False)
