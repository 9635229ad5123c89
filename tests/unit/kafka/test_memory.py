"""The in-memory broker behaves as Kafka where the pipeline can tell: the Java client's
murmur2 partitioner, offsets per partition, headers kept, records read in offset order."""
from __future__ import annotations

import pytest

from cluetrain.codec.headers import RawRecord
from cluetrain.kafka import config
from cluetrain.kafka.clients import BEGINNING
from cluetrain.kafka.memory import MemoryBroker, partition_for

# murmur2 of the Java client (Kafka's UtilsTest.testMurmur2), as signed 32-bit ints
JAVA_MURMUR2 = {b"21": -973932308, b"foobar": -790332482, b"a-little-bit-long-string": -985981536,
                b"a-little-bit-longer-string": -1486304829, b"abc": 479470107,
                b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971}


@pytest.mark.parametrize("key, hashed", JAVA_MURMUR2.items())
def test_keyed_records_go_where_the_java_client_puts_them(key, hashed):
    # the Java client's (and librdkafka murmur2_random's) partition: toPositive(murmur2(key)) % n
    for partitions in (1, 2, 3, 7, 12):
        assert partition_for(key, partitions) == (hashed & 0x7FFFFFFF) % partitions


SAMPLE_KEYS = [b"", b"a", "café".encode(), "brand_ü_日本".encode(), b"x" * 1000] + [f"brand{i}".encode() for i in range(200)]


def test_partitioner_equals_kafka_pythons_on_sample_keys():
    from kafka.partitioner.default import murmur2

    for n in (3, 7):
        assert [partition_for(k, n) for k in SAMPLE_KEYS] == [(murmur2(k) & 0x7FFFFFFF) % n for k in SAMPLE_KEYS]


def test_partitioner_equals_confluents_on_sample_keys():
    """The worker's and the replayer's partitioner (librdkafka), on librdkafka's own mock cluster."""
    from confluent_kafka import Producer

    placed: dict[bytes, int] = {}
    conf = {k: v for k, v in config.producer_config("unused:1").items() if k in ("partitioner", "linger.ms")}
    producer = Producer({**conf, "test.mock.num.brokers": 1, "log_level": 3,
                         "on_delivery": lambda err, msg: placed.__setitem__(msg.key(), msg.partition())})
    for key in SAMPLE_KEYS:
        producer.produce("t", b"v", key)
    assert producer.flush(10) == 0
    partitions = len(producer.list_topics("t", timeout=5).topics["t"].partitions)
    assert partitions > 1 and placed == {k: partition_for(k, partitions) for k in SAMPLE_KEYS}


def test_offsets_count_per_partition_and_headers_are_kept():
    broker = MemoryBroker(3)
    producer = broker.producer()
    for i in range(10):
        producer.send("t", b"v%d" % i, b"brand%d" % (i % 4), [("cluetrain-clock", b"%d" % i)])
    producer.send("t", b"tick", None, {"cluetrain-tick": b"1"}, partition=2)
    producer.flush()
    by_partition = {p: broker.records("t", p) for p in range(3)}
    assert sum(map(len, by_partition.values())) == 11
    for p, records in by_partition.items():
        assert [r.offset for r in records] == list(range(len(records)))
        assert all(r.key is None or partition_for(r.key, 3) == p for r in records)
        assert producer.end_offsets.get(("t", p), 0) == len(records)
    assert by_partition[2][-1] == RawRecord("t", 2, len(by_partition[2]) - 1, None, b"tick", (("cluetrain-tick", b"1"),))
    first = next(r for r in broker.records("t", partition_for(b"brand0", 3)) if r.value == b"v0")
    assert first.headers == (("cluetrain-clock", b"0"),)


def test_records_without_key_go_to_partition_0_and_bad_partitions_are_refused():
    broker = MemoryBroker(2)
    producer = broker.producer()
    producer.send("t", b"x")
    assert [r.value for r in broker.records("t", 0)] == [b"x"]
    with pytest.raises(ValueError, match="no partition 2"):
        producer.send("t", b"y", partition=2)


def test_consumer_reads_assigned_partitions_in_offset_order_from_their_offsets():
    broker = MemoryBroker(2)
    producer = broker.producer()
    for i in range(6):
        producer.send("t", b"%d" % i, partition=i % 2)
    consumer = broker.consumer()
    assert consumer.partitions("t") == {0, 1} and consumer.partitions("missing") == set()
    consumer.assign({("t", 0): BEGINNING, ("t", 1): 2})
    first = consumer.consume(2, timeout=0)
    rest = consumer.consume(100, timeout=0)
    assert [(r.partition, r.offset) for r in first + rest] == [(0, 0), (0, 1), (0, 2), (1, 2)]
    assert consumer.consume(100, timeout=0) == []
    producer.send("t", b"late", partition=1)
    assert [r.value for r in consumer.consume(100, timeout=0)] == [b"late"]


def test_admin_creates_topics_once_with_their_config():
    broker = MemoryBroker(4)
    admin = broker.admin()
    admin.create_topic("c", 2, {"cleanup.policy": "compact"})
    admin.create_topic("c", 5)  # exists: not an error, nothing changes
    assert admin.topics() == {"c"} and admin.partition_count("c") == 2 and admin.partition_count("x") == 0
    assert broker.topic_configs["c"] == {"cleanup.policy": "compact"}
    broker.producer().send("auto", b"v")  # sent to before it exists: the default partition count
    assert admin.partition_count("auto") == 4
