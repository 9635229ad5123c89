"""An in-memory broker with the Producer / Consumer / Admin interface (clients.py), for
tests and benchmarks without a broker (as arroyo's backends/local).

It behaves as Kafka where the pipeline can tell: keyed records go to
murmur2(key) % partitions, the Java client's and kafka-python's partitioner (records
without a key: partition 0, where Kafka picks one at random: tests stay reproducible);
offsets count per partition from 0; headers are kept as (str, bytes) tuples; a
consumer reads RawRecords in offset order per partition. Sends are delivered at once.
A topic that is sent to before it is created gets the broker's default partition count.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from kafka.partitioner.default import murmur2

from cluetrain.codec.headers import RawRecord, normalize_headers
from cluetrain.kafka.clients import BEGINNING, Admin, Consumer, Producer, TopicPartition


def partition_for(key: bytes, partitions: int) -> int:
    """The Kafka clients' default partitioner for a keyed record."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


class MemoryBroker:
    def __init__(self, partitions: int):
        self.default_partitions = partitions
        self.partition_counts: dict[str, int] = {}
        self.topic_configs: dict[str, dict[str, str]] = {}
        self.logs: dict[TopicPartition, list[RawRecord]] = {}

    def producer(self) -> "MemoryProducer":
        return MemoryProducer(self)

    def consumer(self) -> "MemoryConsumer":
        return MemoryConsumer(self)

    def admin(self) -> "MemoryAdmin":
        return MemoryAdmin(self)

    def create_topic(self, topic: str, partitions: int | None = None, config: Mapping[str, str] | None = None) -> None:
        if topic not in self.partition_counts:
            self.partition_counts[topic] = partitions or self.default_partitions
            self.topic_configs[topic] = dict(config or {})

    def append(self, topic: str, value: bytes | None, key: bytes | None, headers, partition: int | None) -> RawRecord:
        self.create_topic(topic)
        count = self.partition_counts[topic]
        if partition is None:
            partition = partition_for(key, count) if key is not None else 0
        elif not 0 <= partition < count:
            raise ValueError(f"{topic} has no partition {partition} ({count} partitions)")
        log = self.logs.setdefault((topic, partition), [])
        record = RawRecord(topic, partition, len(log), key, value, normalize_headers(headers))
        log.append(record)
        return record

    def records(self, topic: str, partition: int) -> list[RawRecord]:
        """Every record of one partition, in offset order."""
        return list(self.logs.get((topic, partition), []))


class MemoryProducer(Producer):
    def __init__(self, broker: MemoryBroker):
        self.broker = broker
        self.end_offsets: dict[TopicPartition, int] = {}

    def send(self, topic: str, value: bytes | None = None, key: bytes | None = None,
             headers: Iterable[tuple[str, bytes]] | None = None, partition: int | None = None) -> None:
        record = self.broker.append(topic, value, key, headers, partition)
        self.end_offsets[(topic, record.partition)] = record.offset + 1

    def flush(self, timeout: float | None = None) -> None:
        pass  # delivered by send

    def close(self, timeout: float | None = None) -> None:
        pass


class MemoryConsumer(Consumer):
    def __init__(self, broker: MemoryBroker):
        self.broker = broker
        self.positions: dict[TopicPartition, int] = {}

    def partitions(self, topic: str) -> set[int]:
        return set(range(self.broker.partition_counts.get(topic, 0)))

    def assign(self, offsets: Mapping[TopicPartition, int]) -> None:
        self.positions = {tp: 0 if offset == BEGINNING else offset for tp, offset in offsets.items()}

    def consume(self, max_records: int, timeout: float) -> list[RawRecord]:
        """What the assigned partitions hold past their positions, partition after
        partition (nothing arrives while waiting: it returns at once)."""
        out: list[RawRecord] = []
        for tp, position in self.positions.items():
            taken = self.broker.logs.get(tp, [])[position:position + max_records - len(out)]
            out += taken
            self.positions[tp] = position + len(taken)
        return out

    def close(self) -> None:
        self.positions = {}


class MemoryAdmin(Admin):
    def __init__(self, broker: MemoryBroker):
        self.broker = broker

    def topics(self) -> set[str]:
        return set(self.broker.partition_counts)

    def partition_count(self, topic: str) -> int:
        return self.broker.partition_counts.get(topic, 0)

    def create_topic(self, topic: str, partitions: int, config: Mapping[str, str] | None = None) -> None:
        self.broker.create_topic(topic, partitions, config)

    def close(self) -> None:
        pass
