"""The worker's state in a compacted changelog topic, written in batches, recovered exactly.

The key layout (state records, the meta written last, the recovery marker) is
`keys.py`'s. The bulk engine sends a whole save as a few produce requests (batched by
the client) and waits for the deliveries before it commits: one round trip per batch,
not one per record. Recovery does not trust the broker's end offset (Tansu answers a
wrong one after multi-record batches): it appends a marker record to each partition,
whose delivered offset is exact, and reads everything up to it.
"""
from __future__ import annotations

import time

import orjson

from cluetrain.state.keys import marker_key, meta_key, partition_prefix, record_key, record_prefix

Records = dict[tuple[str, str], dict | None]


def encode_save(partition: int, records: Records, meta: dict | None) -> list[tuple[bytes, bytes]]:
    """(key, value) pairs of one save, in the order they must be written (meta last);
    a record None is a tombstone (value None: compaction drops the key)."""
    pairs = [(record_key(partition, a, b), None if data is None else orjson.dumps(data))
             for (a, b), data in records.items()]
    if meta is not None:
        pairs.append((meta_key(partition), orjson.dumps(meta)))
    return pairs


class PartitionImage:
    """The latest value of every key of one changelog partition, as it is read back."""

    def __init__(self, partition: int):
        self.partition = partition
        self.prefix = partition_prefix(partition)
        self.values: dict[bytes, bytes] = {}

    def apply(self, key: bytes | None, value: bytes | None) -> None:
        if not key or not key.startswith(self.prefix) or key == marker_key(self.partition):
            return
        if value is None:
            self.values.pop(key, None)  # tombstone
        else:
            self.values[key] = value

    def state(self) -> tuple[dict | None, list[dict]]:
        """(meta or None, state records) for PartitionState.restore."""
        meta_k, records_k = meta_key(self.partition), record_prefix(self.partition)
        meta = None
        records = []
        for key, value in self.values.items():
            if key == meta_k:
                meta = orjson.loads(value)
            elif key.startswith(records_k):
                records.append(orjson.loads(value))
        return meta, records


class StoreError(RuntimeError):
    """The state changelog cannot be written or read; str() is one clear line."""


class ChangelogStore:
    """Saves and recovers partition state through a Producer (kafka/clients.py) and a
    confluent consumer."""

    def __init__(self, topic: str, producer, consumer_factory, *, timeout_s: float = 60.0):
        self.topic = topic
        self.producer = producer  # a clients.Producer: its end offsets are the delivered ones
        self.consumer_factory = consumer_factory  # () -> a confluent Consumer without a group
        self.timeout_s = timeout_s

    def save(self, partition: int, records: Records, meta: dict | None) -> int:
        """Queue one save (flush the producer before committing offsets); returns records queued."""
        pairs = encode_save(partition, records, meta)
        for key, value in pairs:
            self.producer.send(self.topic, value, key, partition=partition)
        return len(pairs)

    def recover(self, partitions) -> dict[int, tuple[dict | None, list[dict]]]:
        """The saved state of each partition: everything written up to our marker."""
        from confluent_kafka import OFFSET_BEGINNING, TopicPartition

        partitions = sorted(set(partitions))
        if not partitions:
            return {}
        for p in partitions:  # its delivered offset is exact, unlike Tansu's end offset
            self.producer.send(self.topic, b"", marker_key(p), partition=p)
        self.producer.flush(self.timeout_s)
        ends = {p: self.producer.end_offsets[(self.topic, p)] for p in partitions}  # the marker's + 1
        images = {p: PartitionImage(p) for p in partitions}
        consumer = self.consumer_factory()
        try:
            consumer.assign([TopicPartition(self.topic, p, OFFSET_BEGINNING) for p in partitions])
            pending = set(partitions)
            deadline = time.monotonic() + self.timeout_s
            while pending:
                if time.monotonic() > deadline:
                    raise StoreError(f"timed out reading the state of partitions {sorted(pending)} from {self.topic}")
                for msg in consumer.consume(num_messages=10_000, timeout=0.5):
                    if msg.error():
                        raise StoreError(f"cannot read state from {self.topic}: {msg.error()}")
                    p = msg.partition()
                    if p not in pending or msg.offset() >= ends[p]:
                        continue
                    images[p].apply(msg.key(), msg.value())
                    if msg.offset() == ends[p] - 1:
                        pending.discard(p)
        finally:
            consumer.close()
        return {p: image.state() for p, image in images.items()}
