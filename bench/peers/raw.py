"""(a) The ceiling: consume the input topics, decode, count per brand and minute.

    python bench/peers/raw.py --broker HOST:PORT --client confluent|kafka-python \
        --records N --out RESULT.json [--mentions T --replies T --partitions P]

No consumer group (partitions assigned directly, from the beginning): no join, no
commits, no state — a plain loop of poll + codec.decode_event (fastavro + full
validation, the worker's own decoder) + one dict increment per event. Stops after N
records (events and clock ticks). Writes {"started", "first", "done", "events",
"records", "counts"} (wall-clock times) to --out.
"""
from __future__ import annotations

import time

STARTED = time.time()

import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.append(str(Path(__file__).resolve().parents[2]))  # after PYTHONPATH (bench/run.py --snapshot)

from bench.benchlib import minute_key  # noqa: E402
from bench.peers.shared import EventDecoder, peer_parser  # noqa: E402


class Counter:
    def __init__(self, mentions: str):
        self.mentions = mentions
        self.decoder = EventDecoder()
        self.counts: dict[str, int] = {}
        self.events = 0
        self.records = 0
        self.bad = 0

    def add(self, topic: str, value: bytes | None, headers) -> None:
        self.records += 1
        try:
            event = self.decoder.decode("mention" if topic == self.mentions else "reply", value, headers)
        except Exception:  # noqa: BLE001 - counted, as the worker would dead-letter it
            self.bad += 1
            return
        if event is None:  # a clock tick
            return
        key = minute_key(event.brand, event.created_at_ms)
        self.counts[key] = self.counts.get(key, 0) + 1
        self.events += 1


def run_confluent(args, counter: Counter) -> float | None:
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": args.broker, "group.id": "bench-a-unused",
                         "enable.auto.commit": False, "fetch.max.bytes": 64 * 1024 * 1024,
                         "max.partition.fetch.bytes": 16 * 1024 * 1024})
    consumer.assign([TopicPartition(t, p, OFFSET_BEGINNING)
                     for t in (args.mentions, args.replies) for p in range(args.partitions)])
    first = None
    try:
        while counter.records < args.records:
            for msg in consumer.consume(10_000, 1.0):
                if msg.error():
                    continue
                if first is None:
                    first = time.time()
                counter.add(msg.topic(), msg.value(), msg.headers())
    finally:
        consumer.close()
    return first


def run_kafka_python(args, counter: Counter) -> float | None:
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=args.broker, group_id=None, enable_auto_commit=False,
                             client_id="bench-a", max_partition_fetch_bytes=16 * 1024 * 1024,
                             fetch_max_bytes=64 * 1024 * 1024)
    tps = [TopicPartition(t, p) for t in (args.mentions, args.replies) for p in range(args.partitions)]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    first = None
    try:
        while counter.records < args.records:
            for batch in consumer.poll(timeout_ms=1000, max_records=10_000).values():
                if first is None and batch:
                    first = time.time()
                for msg in batch:
                    counter.add(msg.topic, msg.value, msg.headers)
    finally:
        consumer.close()
    return first


def main() -> int:
    ap = peer_parser("--records")
    ap.add_argument("--client", choices=("confluent", "kafka-python"), default="confluent")
    ap.add_argument("--partitions", type=int, default=4)
    args = ap.parse_args()
    counter = Counter(args.mentions)
    run = run_confluent if args.client == "confluent" else run_kafka_python
    first = run(args, counter)
    done = time.time()
    Path(args.out).write_text(json.dumps({
        "started": STARTED, "first": first, "done": done, "events": counter.events,
        "records": counter.records, "bad": counter.bad, "counts": counter.counts,
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
