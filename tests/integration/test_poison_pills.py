"""Poison pills on the real broker and a real worker process: bad records of any size
and any headers become dead letters (capped, with their size and sha256), never stop
or stall the worker, and never move a clock; the good events around them give the
reference's tables exactly.
"""
from __future__ import annotations

import base64
import hashlib
import random
import time

import orjson
import pytest

from cluetrain.cli.run import WorkerProcess, wait_until_processed
from cluetrain.codec import headers
from cluetrain.codec.wire import decode_dead_letter
from cluetrain.kafka.admin import ensure_topics
from cluetrain.kafka.config import bootstrap_servers
from cluetrain.kafka.tansu import EmbeddedBroker
from cluetrain.sources.generate import generate
from cluetrain.sources.replay import Replayer, arrange, parse_line
from cluetrain.state.progress import StateProgress
from tests.integration.test_pipeline_end_to_end import assert_tables_equal_reference, local_settings
from tests.support.ch_tables import read_rows
from tests.support.poison_pills import BadRecord, bad_records

pytestmark = pytest.mark.integration

BIG = 5 * 1024 * 1024  # over the 4 MiB a worker's producer sends: the dead letter used to crash-loop the worker


@pytest.fixture
def broker(tmp_path):
    with EmbeddedBroker(tmp_path / "logs") as b:
        yield b


def raw_producer(broker):
    """A plain confluent-kafka producer that sends anything, up to 10 MB a record."""
    from confluent_kafka import Producer

    return Producer({"bootstrap.servers": bootstrap_servers(broker.url), "message.max.bytes": 10 * 1024 * 1024,
                     "linger.ms": 20, "enable.idempotence": False})


def produce_all(producer, records) -> dict[tuple[str, int], int]:
    """Send (topic, partition, key, value, headers) records; the end offset per partition."""
    ends: dict[tuple[str, int], int] = {}
    errors: list[str] = []

    def delivered(err, msg):
        if err is not None:
            errors.append(str(err))
        else:
            tp = (msg.topic(), msg.partition())
            ends[tp] = max(ends.get(tp, 0), msg.offset() + 1)

    for topic, partition, key, value, hdrs in records:
        producer.produce(topic, value, key, partition, headers=hdrs, on_delivery=delivered)
        producer.poll(0)
    producer.flush(60)
    assert not errors, errors[:3]
    return ends


def merge_ends(*ends: dict) -> dict:
    out: dict = {}
    for part in ends:
        for tp, offset in part.items():
            out[tp] = max(out.get(tp, 0), offset)
    return out


def replay_events(settings, broker, events) -> dict:
    lines = arrange([parse_line(i, orjson.dumps(e)) for i, e in enumerate(events)], "file")
    with Replayer(settings, broker.url) as replayer:
        return replayer.replay(lines).end_offsets


def run_worker_until(settings, broker, ends, timeout=120):
    worker = WorkerProcess(settings, broker.url).start()
    progress = StateProgress(settings, broker.url)
    try:
        wait_until_processed(progress, ends, workers=[worker], timeout=timeout)
        worker.check_alive()
    finally:
        progress.close()
        assert worker.stop() == 0


def dead_letter_topic(settings, broker, expected: int) -> dict[str, dict]:
    """The dead letters on the topic by source, once `expected` distinct ones are read
    (Tansu's end offsets are not exact after multi-record batches: no reading up to them)."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap_servers(broker.url), "group.id": "poison-pill-check",
                         "enable.auto.commit": False})
    topic = settings.topic_dead_letters
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
        out: dict[str, dict] = {}
        deadline = time.monotonic() + 60
        while len(out) < expected and time.monotonic() < deadline:
            for msg in consumer.consume(1000, 0.5):
                if msg.error() is None:
                    dead = decode_dead_letter(msg.value())
                    out[dead["source"]] = dead
        return out
    finally:
        consumer.close()


def test_a_record_over_4_mib_is_a_capped_dead_letter_and_the_events_behind_it_are_processed(
        tmp_path, broker, clickhouse_target):
    settings = local_settings(tmp_path, broker, clickhouse_target, partitions=2)
    ensure_topics(settings, broker.url)
    events = generate(4, 600)
    huge = bytes(range(256)) * (BIG // 256)
    producer = raw_producer(broker)
    bad_ends = produce_all(producer, [(settings.topic_mentions, p, b"acme", huge, headers.event_headers(None))
                                      for p in range(settings.partitions)])
    ends = merge_ends(bad_ends, replay_events(settings, broker, events))  # the good events come after it
    run_worker_until(settings, broker, ends)
    dead = read_rows(clickhouse_target, "SELECT * FROM {db}.dead_letters FINAL ORDER BY source_partition")
    assert [d["source"] for d in dead] == [f"{settings.topic_mentions}/{p}@0" for p in range(settings.partitions)]
    cap = settings.dead_letter_payload_bytes
    for row in dead:
        assert "over the limit" in row["reason"]
        assert base64.b64decode(row["payload_base64"]) == huge[:cap]
        assert (row["payload_size"], row["payload_sha256"]) == (BIG, hashlib.sha256(huge).hexdigest())
    on_topic = dead_letter_topic(settings, broker, expected=len(dead))
    assert sorted(on_topic) == [d["source"] for d in dead]
    assert all(len(d["payload"]) == cap and d["payload_size"] == BIG for d in on_topic.values())
    assert_tables_equal_reference(clickhouse_target, events)


def test_fuzz_ten_thousand_bad_records_among_good_events(tmp_path, broker):
    """Bad records of every kind interleaved with a generated stream: each is one dead
    letter with its reason, the good events give the reference's tables exactly, and
    the one worker process lives through all of it."""
    target = str(tmp_path / "chdb")
    settings = local_settings(tmp_path, broker, target, partitions=2)
    ensure_topics(settings, broker.url)
    rng = random.Random(15)
    events = generate(15, 2500)
    lines = [parse_line(i, orjson.dumps(e)) for i, e in enumerate(events)]
    bad = bad_records(rng, 10_500, settings.input_topics, lines[0].event.created_at_ms)
    producer = raw_producer(broker)
    sent: dict[str, BadRecord] = {}

    def delivered(record):
        def report(err, msg):
            assert err is None, err
            sent[f"{msg.topic()}/{msg.partition()}@{msg.offset()}"] = record
        return report

    started = time.monotonic()
    per_line = len(bad) / len(lines)
    with Replayer(settings, broker.url) as replayer:
        for i, line in enumerate(lines):
            replayer.send_line(line)
            for record in bad[int(i * per_line):int((i + 1) * per_line)]:
                producer.produce(record.topic, record.value, record.key, headers=record.headers,
                                 on_delivery=delivered(record))
                producer.poll(0)
        replayer.finish()
        good_ends = replayer.result.end_offsets
    producer.flush(60)
    assert len(sent) == len(bad)
    bad_ends: dict = {}
    for source in sent:
        topic, rest = source.split("/")
        partition, offset = (int(x) for x in rest.split("@"))
        bad_ends[(topic, partition)] = max(bad_ends.get((topic, partition), 0), offset + 1)
    run_worker_until(settings, broker, merge_ends(good_ends, bad_ends), timeout=180)
    elapsed = time.monotonic() - started

    dead = {r["source"]: r for r in read_rows(target, "SELECT source, reason, payload_base64, payload_size "
                                                      "FROM {db}.dead_letters FINAL")}
    assert set(dead) == set(sent)  # one dead letter per bad record, nothing else
    cap = settings.dead_letter_payload_bytes
    for source, record in sent.items():
        row, value = dead[source], record.value or b""
        assert record.reason in row["reason"], (record.kind, row["reason"])
        assert (base64.b64decode(row["payload_base64"]), row["payload_size"]) == (value[:cap], len(value)), source
    counts = read_rows(target, "SELECT (SELECT count() FROM {db}.mentions FINAL) + "
                               "(SELECT count() FROM {db}.replies FINAL) AS n")[0]
    assert counts["n"] == len(events)
    assert_tables_equal_reference(target, events)
    assert elapsed < 150, f"{elapsed:.0f} s"
