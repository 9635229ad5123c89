"""What the worker has durably processed, read from its state changelog (how
`cluetrain run` learns that the worker is done).

The worker's meta record of each input partition (keys.py), written last in every
batch (after the ClickHouse rows and the conversations), holds the next offset of each
input topic, so this is exact even when Faust's committed offsets lag or stall.
"""
from __future__ import annotations

from typing import Callable

import orjson

from cluetrain.kafka import config as kafka_config
from cluetrain.kafka.admin import state_changelog_topic
from cluetrain.kafka.clients import BEGINNING, Consumer
from cluetrain.settings import Settings
from cluetrain.state.keys import meta_partition

POLL_TIMEOUT_S = 0.2
MAX_RECORDS = 100_000


class StateProgress:
    def __init__(self, settings: Settings, broker_url: str, *, consumer_factory: Callable[[], Consumer] | None = None):
        """`consumer_factory` defaults to a Kafka consumer on broker_url (tests: a memory one)."""
        self.topic = state_changelog_topic(settings)
        self.consumer_factory = consumer_factory or (lambda: self._kafka_consumer(settings, broker_url))
        self.consumer: Consumer | None = None
        self.offsets: dict[tuple[str, int], int] = {}

    @staticmethod
    def _kafka_consumer(settings: Settings, broker_url: str) -> Consumer:
        from cluetrain.kafka.consumer import KafkaConsumer

        return KafkaConsumer(kafka_config.progress_consumer_config(settings, broker_url))

    def _open(self) -> bool:
        consumer = self.consumer_factory()
        partitions = consumer.partitions(self.topic)
        if not partitions:  # not created yet: try again on the next poll
            consumer.close()
            return False
        consumer.assign({(self.topic, p): BEGINNING for p in sorted(partitions)})
        self.consumer = consumer
        return True

    def poll(self) -> dict[tuple[str, int], int]:
        """{(input topic, partition): next offset to process}, as saved so far."""
        if self.consumer is None and not self._open():
            return self.offsets
        for record in self.consumer.consume(MAX_RECORDS, POLL_TIMEOUT_S):
            partition = meta_partition(record.key)
            if partition is not None and record.value:
                for topic, offset in orjson.loads(record.value).get("offsets", {}).items():
                    self.offsets[(topic, partition)] = int(offset)
        return self.offsets

    def close(self) -> None:
        if self.consumer is not None:
            self.consumer.close()
            self.consumer = None
