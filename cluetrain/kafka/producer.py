"""The Kafka Producer (clients.py) of the sources and the worker, on confluent-kafka.

No future per record: librdkafka batches (linger.ms, batch.num.messages) and its
delivery reports fill `end_offsets`, (topic, partition) -> next offset after the last
record delivered there. Keyed records go where kafka-python and the Java client put
them: librdkafka's `murmur2_random` is the Java murmur2 partitioner (records without a
key: a random partition, as kafka-python). The configurations are config.py's.

Errors raise one ProducerError (exit code 4): the broker unreachable at start (metadata
request), a record not delivered (message.timeout.ms bounds every record, so flush never
hangs), the broker gone (all brokers down: raised at the next send or flush, without
waiting for the message timeout).
"""
from __future__ import annotations

import time

from cluetrain.kafka import config as kafka_config
from cluetrain.kafka.clients import Producer
from cluetrain.runtime.processes import BrokerError
from cluetrain.settings import Settings


class ProducerError(BrokerError):
    """A record could not be produced (one-line message)."""


class SourceProducer(Producer):
    """clients.Producer on a confluent-kafka Producer."""

    def __init__(self, broker_url: str, config: dict | None = None, *, connect_timeout_s: float = 15.0,
                 purpose: str = "replay"):
        """`config`: one of config.py's (default: the replayer's, config.producer_config)."""
        import confluent_kafka
        from confluent_kafka import KafkaException

        self.broker_url = broker_url
        self.purpose = purpose  # what the error messages say failed
        conf = dict(config or kafka_config.producer_config(broker_url))
        self.message_timeout_s = conf["message.timeout.ms"] / 1000
        self.end_offsets: dict[tuple[str, int], int] = {}
        self._errors: list[str] = []
        self.failed = False
        conf["on_delivery"] = self._on_delivery
        conf["error_cb"] = self._on_error
        self._producer = confluent_kafka.Producer(conf)
        self._produce = self._producer.produce
        try:  # fails fast (and clearly) when the broker is not there
            self._producer.list_topics(timeout=connect_timeout_s)
        except KafkaException as exc:
            self._producer.purge(in_queue=True, in_flight=True)
            raise ProducerError(f"cannot reach the broker at {broker_url}: {exc.args[0].str()}") from None

    def _on_delivery(self, err, msg) -> None:
        if err is not None:
            self._errors.append(f"record not delivered to {msg.topic()}[{msg.partition()}]: {err.str()}")
            return
        tp = (msg.topic(), msg.partition())
        offset = msg.offset() + 1
        if offset > self.end_offsets.get(tp, 0):
            self.end_offsets[tp] = offset

    def _on_error(self, err) -> None:
        from confluent_kafka import KafkaError

        if err.fatal() or err.code() == KafkaError._ALL_BROKERS_DOWN:
            self._errors.append(f"broker lost: {err.str()}")

    def _raise_errors(self) -> None:
        if self._errors:
            self.failed = True
            first, more = self._errors[0], len(self._errors) - 1
            self._errors.clear()
            extra = f" (and {more} more errors)" if more else ""
            raise ProducerError(f"{self.purpose} to {self.broker_url} failed: {first}{extra}")

    def send(self, topic: str, value: bytes | None = None, key: bytes | None = None, headers=None,
             partition: int | None = None) -> None:
        """Queue one record; blocks while the queue is full."""
        try:
            if partition is None:
                self._produce(topic, value, key, headers=headers)
            else:
                self._produce(topic, value, key, partition, headers=headers)
        except BufferError:
            self._send_when_room(topic, value, key, headers, -1 if partition is None else partition)

    def _send_when_room(self, topic, value, key, headers, partition) -> None:
        deadline = time.monotonic() + self.message_timeout_s + 10
        while True:
            self._producer.poll(0.05)  # delivery reports free room in the queue
            self._raise_errors()
            try:
                self._produce(topic, value, key, partition, headers=headers)
                return
            except BufferError:
                if time.monotonic() > deadline:
                    raise ProducerError(f"{self.purpose} to {self.broker_url}: the producer queue stayed full for "
                                        f"{self.message_timeout_s + 10:.0f} s") from None

    def poll(self) -> None:
        """Serve delivery reports and client errors now (an idle caller learns that the
        broker is gone); raise ProducerError if something failed."""
        self._producer.poll(0)
        self._raise_errors()

    def flush(self, timeout: float | None = None) -> None:
        """Wait until every queued record is delivered (or raise why not)."""
        limit = self.message_timeout_s + 10 if timeout is None else timeout
        deadline = time.monotonic() + limit
        while self._producer.flush(0.2) > 0:
            self._raise_errors()
            if time.monotonic() > deadline:
                raise ProducerError(f"{self.purpose} to {self.broker_url}: {len(self._producer)} records not delivered "
                                    f"in {limit:.0f} s")
        self._raise_errors()

    def close(self, timeout: float | None = None) -> None:
        """Deliver what is queued (unless a record already failed), drop the rest and
        destroy the client (no reconnecting in the background once closed)."""
        if self._producer is None:
            return
        try:
            if not self.failed:
                self.flush(timeout)
        finally:
            self.discard()

    def discard(self) -> None:
        if self._producer is not None:
            self._producer.purge(in_queue=True, in_flight=True)
            self._producer.poll(0)
            self._producer = self._produce = None


def worker_producer(settings: Settings) -> SourceProducer:
    """The worker's one producer: alerts, dead letters and the state changelog."""
    return SourceProducer(settings.broker, kafka_config.worker_producer_config(settings), purpose="worker output")
