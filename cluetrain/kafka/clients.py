"""The Producer / Consumer / Admin interface that the sources, the state store and the
progress reader are written against (as getsentry/arroyo's backends/abstract.py).

Two implementations: Kafka (producer.py and consumer.py on confluent-kafka, admin.py on
kafka-python) and an in-memory broker for tests (memory.py). A partition is named by
(topic, partition); an offset is always the offset of the *next* record.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Iterable, Mapping

from cluetrain.codec.headers import RawRecord

TopicPartition = tuple[str, int]
BEGINNING = -2  # an assign() offset: the first record the partition still holds (librdkafka's value)


class Producer(ABC):
    """Records are queued by send and delivered in order per partition; keyed records
    go to murmur2(key) % partitions, as the Java client and kafka-python place them."""

    end_offsets: dict[TopicPartition, int]  # next offset after the last record delivered there

    @abstractmethod
    def send(self, topic: str, value: bytes | None = None, key: bytes | None = None,
             headers: Iterable[tuple[str, bytes]] | None = None, partition: int | None = None) -> None:
        """Queue one record (may block while the client's queue is full)."""

    @abstractmethod
    def flush(self, timeout: float | None = None) -> None:
        """Wait until every queued record is delivered, or raise why not."""

    @abstractmethod
    def close(self, timeout: float | None = None) -> None:
        """Deliver what is queued and release the client."""

    def discard(self) -> None:
        """Release the client without delivering what is queued (an interrupted sender)."""
        try:
            self.close(timeout=0)
        except Exception:  # what was queued is dropped on purpose
            pass


class Consumer(ABC):
    """Reads assigned partitions (no consumer group) as RawRecords, in offset order per partition."""

    @abstractmethod
    def partitions(self, topic: str) -> set[int]:
        """The topic's partitions; empty while the topic does not exist."""

    @abstractmethod
    def assign(self, offsets: Mapping[TopicPartition, int]) -> None:
        """Read these partitions from these offsets (or BEGINNING)."""

    @abstractmethod
    def consume(self, max_records: int, timeout: float) -> list[RawRecord]:
        """Waits up to `timeout` s for a first record, then returns what is there (up to max_records)."""

    @abstractmethod
    def close(self) -> None: ...


class Admin(ABC):
    @abstractmethod
    def topics(self) -> set[str]: ...

    @abstractmethod
    def partition_count(self, topic: str) -> int:
        """0 when the broker does not say (or the topic does not exist)."""

    @abstractmethod
    def create_topic(self, topic: str, partitions: int, config: Mapping[str, str] | None = None) -> None:
        """Create the topic; a topic that exists already is not an error."""

    @abstractmethod
    def close(self) -> None: ...
