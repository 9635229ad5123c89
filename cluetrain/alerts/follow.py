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
from cluetrain.alerts.digest import Digest, Digester, Route, digest_lines
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
    line: str                         # the printed line ('' for a duplicate, filtered or digested alert)
    duplicate: bool
    result: DeliveryResult | None     # None when not delivered (viewer, duplicate, route, digest)
    held: bool = False                # waits in a webhook digest not sent yet (its offset too)


@dataclass(frozen=True)
class Routes:
    """Where alerts go (DESIGN.md § Alert routes and digests): the printed lines and the
    webhook each have a route and, optionally, a digest period in minutes (0: each alert)."""
    printed: Route = Route()
    webhook: Route = Route()
    print_digest_min: int = 0
    webhook_digest_min: int = 0
    url_template: str = ""
    grace_ms: int = 300_000

    @classmethod
    def from_settings(cls, settings: Settings, *, min_severity: str | None = None, priorities=None,
                      digest_min: int | None = None) -> "Routes":
        """The webhook's route from CLUETRAIN_WEBHOOK_*; the printed lines' from the
        command's flags, else the same as the webhook's."""
        webhook = Route(settings.webhook_min_severity, names(settings.webhook_priorities))
        printed = Route(min_severity or webhook.min_severity,
                        names(priorities) if priorities is not None else webhook.priorities)
        return cls(printed, webhook, settings.webhook_digest_min if digest_min is None else digest_min,
                   settings.webhook_digest_min, settings.conversation_url, settings.allowed_lateness_s * 1000)


def names(text: str) -> frozenset[str]:
    """'vip, urgent' -> {'vip', 'urgent'}."""
    return frozenset(p.strip() for p in text.split(",") if p.strip())


class AlertHandler:
    """Prints, deduplicates, routes, digests and delivers alert records (no Kafka here).
    handle() marks a key seen once it is delivered, dead-lettered or digested."""

    def __init__(self, out: TextIO, notifier: WebhookNotifier | None = None, *, max_seen: int = 100_000,
                 routes: Routes = Routes()):
        self.out, self.notifier, self.max_seen, self.routes = out, notifier, max_seen, routes
        self._seen: OrderedDict[str, None] = OrderedDict()
        r = routes
        self.print_digest = Digester(r.print_digest_min, r.grace_ms) if r.print_digest_min else None
        self.webhook_digest = Digester(r.webhook_digest_min, r.grace_ms) if r.webhook_digest_min and notifier else None
        self.digests: list[tuple[Digest, DeliveryResult]] = []  # webhook digests sent (or dead-lettered)
        self.messages = 0  # printed lines and digests, for the volume figures

    def seen(self, key: str) -> bool:
        return key in self._seen

    def handle(self, alert: Mapping[str, Any], source=None) -> Handled:
        """Raises ValueError for an alert missing a required field. `source` is the
        caller's token for the record (a webhook digest hands it back once sent)."""
        a = render.view(alert)
        key = a.key()
        if key in self._seen:
            self._seen.move_to_end(key)
            return Handled(key, "", True, None)
        r, line, result, held = self.routes, "", None, False
        if r.printed.passes(a):
            if self.print_digest is None:
                line = render.follow_line(a, render.conversation_url(a, r.url_template))
                self._print(line)
            else:
                self._print_digests(self.print_digest.add(a))
        if self.notifier is not None and r.webhook.passes(a):
            if self.webhook_digest is None:
                result = self.notifier.deliver(alert, a.resolved_at is not None, url_template=r.url_template)
            else:
                held = True
                self._send_digests(self.webhook_digest.add(a, source))
        self._seen[key] = None
        if len(self._seen) > self.max_seen:
            self._seen.popitem(last=False)
        return Handled(key, line, False, result, held)

    def flush(self) -> None:
        """The input ended: every open digest goes out."""
        if self.print_digest is not None:
            self._print_digests(self.print_digest.flush())
        if self.webhook_digest is not None:
            self._send_digests(self.webhook_digest.flush())

    def _print(self, line: str) -> None:
        print(line, file=self.out, flush=True)
        self.messages += 1

    def _print_digests(self, digests: list[Digest]) -> None:
        for d in digests:
            print("\n".join(digest_lines(d, self.routes.url_template)), file=self.out, flush=True)
            self.messages += 1

    def _send_digests(self, digests: list[Digest]) -> None:
        for d in digests:
            self.digests.append((d, self.notifier.deliver_digest(d, self.routes.url_template)))


@dataclass
class FollowResult:
    records: int = 0                                  # consumed, duplicates and bad ones included
    printed: int = 0
    duplicates: int = 0
    bad: int = 0                                      # undecodable or invalid records
    delivered: list[DeliveryResult] = field(default_factory=list)
    dead_letters: list[tuple[str, str]] = field(default_factory=list)   # (source, reason)
    messages: int = 0                                 # printed lines and digests


def follow_alerts(settings: Settings, broker_url: str, *, out: TextIO, stop_after: int | None = None,
                  from_beginning: bool = True, follow: bool = True, max_idle_s: float | None = None,
                  notifier: WebhookNotifier | None = None, err: TextIO | None = None,
                  group_id: str = GROUP_ID, routes: Routes | None = None) -> FollowResult:
    """Consume the alerts topic until stop_after records were consumed, no record came
    for max_idle_s, or (follow=False) the end of the topic as it was when assigned; then
    send the open digests. notifier: defaults to notifier_from_settings(settings) (None:
    print only); routes: to Routes.from_settings(settings)."""
    notifier = notifier if notifier is not None else notifier_from_settings(settings)
    err = err if err is not None else sys.stderr
    routes = routes if routes is not None else Routes.from_settings(settings)
    loop = _Loop(settings, broker_url, AlertHandler(out, notifier, routes=routes), err, group_id)
    try:
        loop.open(from_beginning)
        loop.run(stop_after=stop_after, follow=follow, max_idle_s=max_idle_s)
        loop.handler.flush()
        loop.settle_digests()
        loop.result.messages = loop.handler.messages
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
        # offsets of records waiting in a webhook digest: a partition's commit stays below them
        self.held: dict[tuple[str, int], set[int]] = {}
        self.positions: dict[tuple[str, int], int] = {}

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
            handled = self.handler.handle(codec.decode_alert(record.value or b""),
                                          source=(record.topic, record.partition, record.offset))
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
            if handled.held:
                self.held.setdefault((record.topic, record.partition), set()).add(record.offset)
        self.positions[(record.topic, record.partition)] = record.offset + 1
        self.settle_digests()
        self._commit(record.topic, record.partition)

    def settle_digests(self) -> None:
        """Digests sent (or dead-lettered) since the last call release their records."""
        for digest, result in self.handler.digests:
            if result.delivered:
                self.result.delivered.append(result)
            else:
                print(f"cluetrain: {digest.key} -> dead letter: {result.reason}", file=self.err, flush=True)
                topic, partition, offset = digest.sources[0]
                self._dead_letter_value(result.body, result.reason, topic, partition, offset)
            for topic, partition, offset in digest.sources:
                self.held.get((topic, partition), set()).discard(offset)
            for tp in {(t, p) for t, p, _ in digest.sources}:
                self._commit(*tp)
        self.handler.digests.clear()

    def _dead_letter(self, record, reason: str) -> None:
        self._dead_letter_value(bytes(record.value or b""), reason, record.topic, record.partition, record.offset)

    def _dead_letter_value(self, payload: bytes, reason: str, topic: str, partition: int, offset: int) -> None:
        if self.group_id is None:  # a viewer reports, the notifier records
            return
        from kafka import KafkaProducer

        if self.producer is None:
            self.producer = KafkaProducer(**notifier_producer_config(self.broker_url))
        value = codec.encode_dead_letter(
            received_at=int(time.time() * 1000), reason=reason, payload=payload,
            source_topic=topic, source_partition=partition, source_offset=offset)
        # written before the offset is committed: a crash in between re-delivers, never loses
        self.producer.send(self.settings.topic_dead_letters, key=topic.encode(), value=value).get(timeout=30)
        self.result.dead_letters.append((f"{topic}/{partition}@{offset}", reason))

    def _commit(self, topic: str, partition: int) -> None:
        """Up to the record after the last one handled, or to the oldest one still held."""
        if self.group_id is None or (topic, partition) not in self.positions:
            return
        from kafka import TopicPartition
        from kafka.errors import CommitFailedError
        from kafka.structs import OffsetAndMetadata

        held = self.held.get((topic, partition))
        position = min(held) if held else self.positions[(topic, partition)]
        tp = TopicPartition(topic, partition)
        try:
            self.consumer.commit({tp: OffsetAndMetadata(position, "", -1)})
        except CommitFailedError as exc:  # rebalanced: the record may come again (at-least-once)
            log.warning("commit of %s@%d failed: %s", tp, position, exc)

    def close(self) -> None:
        if self.producer is not None:
            self.producer.close(timeout=10)
        if self.consumer is not None:
            self.consumer.close(autocommit=False)
