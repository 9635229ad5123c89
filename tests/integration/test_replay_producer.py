"""The replayer's confluent-kafka producer against the embedded Tansu broker: the same
records, in the same partitions (kafka-python's murmur2), as the in-memory broker
(which uses kafka-python's partitioner); end offsets exact; failures raise one
ProducerError instead of hanging."""
from __future__ import annotations

import time

import orjson
import pytest
from kafka.partitioner.default import murmur2

from cluetrain.settings import Settings
from cluetrain.sources.generate import generate
from cluetrain.kafka.admin import ensure_topics
from cluetrain.kafka.tansu import EmbeddedBroker
from cluetrain.runtime import processes
from cluetrain.codec import headers as records
from cluetrain.kafka.config import producer_config
from cluetrain.kafka.memory import MemoryBroker
from cluetrain.kafka.producer import ProducerError, SourceProducer
from cluetrain.sources.replay import Replayer, arrange, parse_line

pytestmark = pytest.mark.integration


@pytest.fixture
def broker(tmp_path):
    with EmbeddedBroker(tmp_path / "logs") as b:
        yield b


def settings_for(tmp_path, broker, partitions: int) -> Settings:
    return Settings.from_env({}, broker=broker.url, broker_profile="local", partitions=partitions,
                             log_dir=str(tmp_path / "logs"))


def read_all(broker, tps, end_offsets, *, settle_s: float = 1.5) -> dict[tuple[str, int], list[records.RawRecord]]:
    """Every record of `tps` (not trusting Tansu's end offsets: local_profile.py),
    waiting `settle_s` past end_offsets to see anything that should not be there."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "test-replay-read",
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition(t, p, 0) for t, p in tps])
    out: dict = {tp: [] for tp in tps}
    total, n, quiet = sum(end_offsets.values()), 0, None
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            batch = consumer.consume(5000, timeout=0.5)
            for m in batch:
                assert m.error() is None, m.error()
                out[(m.topic(), m.partition())].append(records.RawRecord(
                    m.topic(), m.partition(), m.offset(), m.key(), m.value(), records.normalize_headers(m.headers())))
                n += 1
            if n >= total and not batch:
                quiet = quiet or time.monotonic()
                if time.monotonic() - quiet > settle_s:
                    break
    finally:
        consumer.close()
    return out


def test_replay_records_partitions_and_end_offsets_equal_the_memory_broker(tmp_path, broker):
    partitions = 3
    settings = settings_for(tmp_path, broker, partitions)
    ensure_topics(settings, broker.url)
    raws = [orjson.dumps(e) for e in generate(11, 4000, brands=13)]
    raws += [b'{"kind": "reply", "brand": "acme", "text": 1}', b'{"kind": "mention", "brand": "zeta_fr"}',
             b'{"kind": "mention", "brand": "acme", "event_id": 5}']  # invalid lines, keyed by brand
    # (a line without a brand has no key: a random partition, with either client)
    lines = arrange([parse_line(i, raw) for i, raw in enumerate(raws)], "time")
    now = lambda: 4_000_000_000_000  # noqa: E731

    with Replayer(settings, broker.url, now_ms=now) as replayer:
        assert isinstance(replayer.producer, SourceProducer)
        result = replayer.replay(lines)
    memory = MemoryBroker(partitions)
    expected = Replayer(settings, producer=memory.producer(), now_ms=now).replay(lines)

    tps = [(t, p) for t in settings.input_topics for p in range(partitions)]
    assert set(result.end_offsets) == set(tps)
    assert result.end_offsets == expected.end_offsets
    assert (result.events, result.raw_lines, result.ticks, result.last_clock_ms) == (
        expected.events, expected.raw_lines, expected.ticks, expected.last_clock_ms)
    assert result.raw_lines == 3 and result.ticks > 2 * len(tps)

    got = read_all(broker, tps, result.end_offsets)
    for tp in tps:
        recs = got[tp]
        assert [r.offset for r in recs] == list(range(result.end_offsets[tp])), tp
        want = memory.records(*tp)
        # same records in the same order: keys, values (Avro or raw JSON), headers
        assert [(r.key, r.value, r.headers) for r in recs] == [(w.key, w.value or b"", w.headers) for w in want], tp
        for r in recs:
            if r.key is not None:
                assert (murmur2(r.key) & 0x7FFFFFFF) % partitions == tp[1]


def test_murmur2_random_is_kafka_pythons_partitioner(tmp_path, broker):
    partitions = 7
    settings = settings_for(tmp_path, broker, partitions)
    ensure_topics(settings, broker.url)
    keys = [b"", b"a", b"ab", b"abc", b"abcd", b"abcde", "café".encode(), "brand_ü_日本".encode(), b"x" * 1000]
    keys += [f"brand{i}".encode() for i in range(150)] + [f"some_longer_brand_handle_{i}_fr".encode() for i in range(50)]
    producer = SourceProducer(broker.url)
    try:
        for k in keys:
            producer.send(settings.topic_mentions, k, k, [("h", b"1")])
        producer.flush()
    finally:
        producer.close()
    tps = [(settings.topic_mentions, p) for p in range(partitions)]
    got = read_all(broker, tps, producer.end_offsets)
    placed = {r.value: r.partition for recs in got.values() for r in recs}
    assert len(placed) == len(keys)
    assert placed == {k: (murmur2(k) & 0x7FFFFFFF) % partitions for k in keys}
    assert producer.end_offsets == {tp: len(got[tp]) for tp in tps if got[tp]}


def test_unreachable_broker_raises_one_clear_error():
    port = processes.free_port("127.0.0.1")
    started = time.monotonic()
    with pytest.raises(ProducerError, match=f"cannot reach the broker at kafka://127.0.0.1:{port}"):
        SourceProducer(f"kafka://127.0.0.1:{port}", connect_timeout_s=2)
    assert time.monotonic() - started < 10


@pytest.mark.timeout(90)
def test_broker_gone_mid_replay_raises_instead_of_hanging(tmp_path, broker):
    settings = settings_for(tmp_path, broker, 2)
    ensure_topics(settings, broker.url)
    lines = arrange([parse_line(i, orjson.dumps(e)) for i, e in enumerate(generate(3, 500))], "file")
    started = time.monotonic()
    # the first failure is the one raised (the records not delivered, or the broker seen down)
    with pytest.raises(ProducerError, match="not delivered|broker lost: 1/1 brokers are down"):
        with Replayer(settings, producer=SourceProducer(broker.url, producer_config(broker.url, message_timeout_s=2))) as replayer:
            broker.stop()
            replayer.replay(lines)
    assert time.monotonic() - started < 30
