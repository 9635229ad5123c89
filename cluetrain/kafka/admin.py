"""Topic administration and consumer-group offsets (kafka-python's admin client).

`create_missing_topics` is written against the Admin interface (clients.py), so the
in-memory broker runs it too; `ensure_topics` runs it on a real broker.
"""
from __future__ import annotations

import time
from typing import Mapping

from cluetrain.kafka import config as kafka_config
from cluetrain.kafka.clients import Admin
from cluetrain.runtime.processes import BrokerError, ProcessError
from cluetrain.settings import Settings


def state_changelog_topic(settings: Settings) -> str:
    """Faust names a table's changelog `<app id>-<table>-changelog`; the bulk engine keeps the name."""
    return f"{settings.app_id}-state-changelog"


class KafkaAdmin(Admin):
    def __init__(self, broker_url: str, *, client_id: str = kafka_config.ADMIN_CLIENT_ID, connect_timeout_s: float = 0.0):
        """Retries the connection for `connect_timeout_s` (a broker that is still starting)."""
        from kafka import KafkaAdminClient
        from kafka.errors import KafkaError

        deadline = time.monotonic() + connect_timeout_s
        while True:
            try:
                self.client = KafkaAdminClient(**kafka_config.admin_config(broker_url, client_id=client_id))
                return
            except KafkaError as exc:
                if time.monotonic() > deadline:
                    raise BrokerError(f"cannot reach the broker at {broker_url}: {exc}") from None
                time.sleep(0.5)

    def topics(self) -> set[str]:
        return set(self.client.list_topics())

    def partition_count(self, topic: str) -> int:
        described = self.client.describe_topics([topic])
        return len(described[0].get("partitions", [])) if described else 0

    def create_topic(self, topic: str, partitions: int, config: Mapping[str, str] | None = None) -> None:
        from kafka.admin import NewTopic
        from kafka.errors import TopicAlreadyExistsError

        try:
            self.client.create_topics([NewTopic(topic, partitions, 1, topic_configs=dict(config or {}))])
        except TopicAlreadyExistsError:
            pass

    def committed_offsets(self, group_id: str) -> dict[tuple[str, int], int]:
        offsets = self.client.list_group_offsets(group_id).get(group_id, {})
        return {(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items() if meta.offset >= 0}

    def close(self) -> None:
        self.client.close()


def create_missing_topics(settings: Settings, admin: Admin) -> None:
    """The project's topics, same partition count (they are co-partitioned), and the
    compacted state changelog, one partition per input partition."""
    existing = admin.topics()
    for topic in settings.all_topics:
        if topic not in existing:
            admin.create_topic(topic, settings.partitions)
    changelog = state_changelog_topic(settings)
    if changelog not in existing:
        admin.create_topic(changelog, settings.partitions, {"cleanup.policy": "compact"})
    for topic in (*settings.input_topics, changelog):
        if topic in existing:
            check_partitions(admin, topic, settings.partitions)


def check_partitions(admin: Admin, topic: str, expected: int) -> None:
    count = admin.partition_count(topic)
    if count and count != expected:
        raise ProcessError(f"topic {topic} has {count} partitions but CLUETRAIN_PARTITIONS is {expected}")


# A broker that does not accept a TCP connection within this is unreachable: the command
# fails at once (exit code 4) instead of after the clients' own retries (15-30 s).
CONNECT_TIMEOUT_S = 2.0


def check_reachable(broker_url: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Raise BrokerError unless one bootstrap address accepts a TCP connection."""
    import socket

    from cluetrain.kafka.watch import bootstrap_addresses

    reasons = []
    for host, port in bootstrap_addresses(broker_url):
        try:
            socket.create_connection((host, port), timeout).close()
            return
        except socket.timeout:
            reasons.append(f"{host}:{port}: no answer within {timeout:.0f} s")
        except OSError as exc:
            reasons.append(f"{host}:{port}: {exc.strerror or exc}")
    raise BrokerError(f"cannot reach the Kafka broker ({'; '.join(reasons)}): is it running?")


def ensure_topics(settings: Settings, broker_url: str, *, timeout: float = 20.0) -> None:
    """create_missing_topics on the broker at broker_url, once it accepts connections
    (check_reachable; then up to `timeout` s for its Kafka API to answer)."""
    check_reachable(broker_url)
    admin = KafkaAdmin(broker_url, connect_timeout_s=timeout)
    try:
        create_missing_topics(settings, admin)
    finally:
        admin.close()


def committed_offsets(broker_url: str, group_id: str) -> dict[tuple[str, int], int]:
    """A consumer group's committed offsets, {(topic, partition): offset} (tooling, lag)."""
    admin = KafkaAdmin(broker_url, client_id="cluetrain-progress")
    try:
        return admin.committed_offsets(group_id)
    finally:
        admin.close()
