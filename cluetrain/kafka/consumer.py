"""The Kafka Consumer (clients.py) on confluent-kafka: assigned partitions, RawRecords."""
from __future__ import annotations

from typing import Mapping

from cluetrain.codec.headers import RawRecord, normalize_headers
from cluetrain.kafka.clients import Consumer, TopicPartition


class ConsumerError(RuntimeError):
    """A record could not be read; str() is one line."""


def to_raw(msg) -> RawRecord:
    # normalize_headers: a header may come with a None value (bad input, not a crash)
    return RawRecord(msg.topic(), msg.partition(), msg.offset(), msg.key(), msg.value(),
                     normalize_headers(msg.headers()))


class KafkaConsumer(Consumer):
    def __init__(self, config: dict, *, metadata_timeout_s: float = 5.0):
        """`config`: one of config.py's consumer configurations."""
        import confluent_kafka

        self.consumer = confluent_kafka.Consumer(config)
        self.metadata_timeout_s = metadata_timeout_s

    def partitions(self, topic: str) -> set[int]:
        meta = self.consumer.list_topics(topic, timeout=self.metadata_timeout_s).topics.get(topic)
        return set() if meta is None or meta.error is not None else set(meta.partitions)

    def assign(self, offsets: Mapping[TopicPartition, int]) -> None:
        from confluent_kafka import TopicPartition as ConfluentPartition

        self.consumer.assign([ConfluentPartition(t, p, o) for (t, p), o in offsets.items()])

    def consume(self, max_records: int, timeout: float) -> list[RawRecord]:
        first = self.consumer.poll(timeout)  # consume() alone would wait for max_records or the timeout
        if first is None:
            return []
        messages = [first] + self.consumer.consume(max_records - 1, 0) if max_records > 1 else [first]
        for msg in messages:
            if msg.error() is not None:
                raise ConsumerError(f"cannot read {msg.topic()}[{msg.partition()}]: {msg.error()}")
        return [to_raw(msg) for msg in messages]

    def close(self) -> None:
        self.consumer.close()
