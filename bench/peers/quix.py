"""(d) The peer: the same per-brand minute counts with Quix Streams.

    python bench/peers/quix.py --broker HOST:PORT --group ID --events N --state-dir DIR \
        --out RESULT.json [--mentions T --replies T]

Idiomatic Quix: one StreamingDataFrame per input topic (value deserializer = cluetrain's
Avro decoder, clock ticks filtered out), concatenated, then one stateful update per
event: state (RocksDB, changelog topic on, keyed by the message key = brand) holds a
count per event-time minute. Commit interval 1 s like the cluetrain worker; session
timeout 10 s like cluetrain's local profile (a group join on Tansu takes ~timeout/2).

Tansu does not return `retention.ms` in DescribeConfigs, and Quix derives its
changelog topic config from it: the bench patches TopicManager.derive_topic_config to
read a missing value as -1 (infinite). Nothing else is patched.
"""
from __future__ import annotations

import time

STARTED = time.time()

import json  # noqa: E402
import logging  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.append(str(Path(__file__).resolve().parents[2]))  # after PYTHONPATH (bench/run.py --snapshot)

from quixstreams import Application  # noqa: E402
from quixstreams.models.serializers import Deserializer  # noqa: E402
from quixstreams.models.topics.manager import TopicManager  # noqa: E402

from bench.benchlib import MINUTE_MS  # noqa: E402
from bench.peers.shared import EventDecoder, peer_parser  # noqa: E402

TICK_VALUE = {"tick": True}


def patch_retention() -> None:
    """Tansu answers DescribeConfigs without retention.ms: read it as -1 (infinite).

    The same computation as TopicManager.derive_topic_config (quixstreams 3.28.1),
    with a default for a missing retention.ms (retention.bytes already has one).
    """
    from quixstreams.models.topics.topic import TopicConfig

    def derive_topic_config(cls, topics):
        if not topics:
            raise ValueError("At least one Topic must be passed")
        num_partitions = max(t.broker_config.num_partitions for t in topics
                             if t.broker_config.num_partitions is not None)
        replication_factor = max(t.broker_config.replication_factor for t in topics
                                 if t.broker_config.replication_factor is not None)
        retention_bytes = [int(t.broker_config.extra_config.get("retention.bytes", "-1")) for t in topics]
        retention_ms = [int(t.broker_config.extra_config.get("retention.ms", "-1")) for t in topics]
        return TopicConfig(
            num_partitions=num_partitions, replication_factor=replication_factor,
            extra_config={
                "retention.bytes": str(-1 if -1 in retention_bytes else max(retention_bytes)),
                "retention.ms": str(-1 if -1 in retention_ms else max(retention_ms)),
            },
        )

    TopicManager.derive_topic_config = classmethod(derive_topic_config)


class AvroEvent(Deserializer):
    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind
        self.decoder = EventDecoder()

    def __call__(self, value, ctx):
        ev = self.decoder.decode(self.kind, value, ctx.headers)
        if ev is None:  # a clock tick
            return TICK_VALUE
        return {"brand": ev.brand, "minute": ev.created_at_ms // MINUTE_MS}


def main() -> int:
    ap = peer_parser()
    ap.add_argument("--group", default="bench-d")
    ap.add_argument("--state-dir", required=True)
    args = ap.parse_args()
    patch_retention()
    app = Application(
        broker_address=args.broker, consumer_group=args.group, auto_offset_reset="earliest",
        commit_interval=1.0, state_dir=args.state_dir, loglevel=logging.WARNING,
        consumer_extra_config={"session.timeout.ms": 10_000, "heartbeat.interval.ms": 1_000},
    )
    mentions = app.topic(args.mentions, key_deserializer="bytes", value_deserializer=AvroEvent("mention"))
    replies = app.topic(args.replies, key_deserializer="bytes", value_deserializer=AvroEvent("reply"))
    sdf = app.dataframe(mentions).concat(app.dataframe(replies))
    sdf = sdf.filter(lambda value: value is not TICK_VALUE)
    seen: dict[str, int] = {}
    progress = {"events": 0, "first": None, "reached": None}

    def count(value, state):
        if progress["first"] is None:
            progress["first"] = time.time()
        minute = value["minute"]
        n = state.get(minute, 0) + 1
        state.set(minute, n)
        seen[f"{value['brand']}|{minute}"] = n
        progress["events"] += 1
        if progress["events"] == args.events:
            progress["reached"] = time.time()
            app.stop()

    sdf.update(count, stateful=True)
    app.run()
    done = time.time()  # after the final checkpoint: state flushed, changelog produced, offsets committed
    Path(args.out).write_text(json.dumps({
        "started": STARTED, "first": progress["first"], "done": done, "reached": progress["reached"],
        "events": progress["events"], "counts": seen,
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
