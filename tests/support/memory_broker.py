"""An in-memory stand-in for the producer side of Kafka, for agent tests without a broker.

Same partitioner as the Kafka clients (murmur2 of the key), per-partition offsets,
headers kept. `records(topic, partition)` gives RawRecords as a consumer would see them.
"""
from __future__ import annotations

from dataclasses import dataclass

from kafka.partitioner.default import murmur2

from cluetrain.codec.headers import RawRecord, normalize_headers


@dataclass(frozen=True)
class Metadata:
    topic: str
    partition: int
    offset: int


class _Done:
    def __init__(self, md: Metadata):
        self.md = md

    def get(self, timeout=None) -> Metadata:
        return self.md


class MemoryBroker:
    def __init__(self, partitions: int):
        self.partitions = partitions
        self.logs: dict[tuple[str, int], list[RawRecord]] = {}

    # KafkaProducer-compatible subset
    def send(self, topic, value=None, key=None, headers=None, partition=None):
        if partition is None:
            partition = (murmur2(key) & 0x7FFFFFFF) % self.partitions if key is not None else 0
        log = self.logs.setdefault((topic, partition), [])
        record = RawRecord(topic, partition, len(log), key, value, normalize_headers(headers))
        log.append(record)
        return _Done(Metadata(topic, partition, record.offset))

    def flush(self, timeout=None):
        pass

    def close(self, timeout=None):
        pass

    def records(self, topic: str, partition: int) -> list[RawRecord]:
        return list(self.logs.get((topic, partition), []))
