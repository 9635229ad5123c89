"""(g) The fair peer: cluetrain's whole job inside a Quix Streams application.

    python bench/peers/quix_full.py --broker HOST:PORT --group ID --events N --partitions P \
        --state-dir DIR --clickhouse DIR --alerts T --dead-letters T --out RESULT.json

The same input topics as the worker, the same decoder (bench/peers/shared.py), then
for every record the job of bench/peers/quix_job.py (text analytics, turn fold,
windows, alerts: cluetrain's domain functions) on Quix's state store (RocksDB,
changelog topic on, state keyed by brand then conversation id). A Quix sink writes
at each checkpoint (commit interval 1 s, as the worker's): the same rows into the
same ClickHouse tables (cluetrain's migrations, embedded chdb in its own directory),
alerts and dead letters to their topics. Quix's checkpoint then produces the
changelog and commits the offsets. What the watermark passed is released at most
every --release-s of wall time (default 0.5, two per checkpoint; the worker releases
once per batch), at once when the input is final.

Stops after the N events and the final tick of every input partition, writes
{"started", "first", "done", "reached", "events", "counts", "rows"}.
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
from quixstreams.context import message_context  # noqa: E402
from quixstreams.models.serializers import Deserializer  # noqa: E402
from quixstreams.sinks import BaseSink  # noqa: E402

from bench.benchlib import MINUTE_MS  # noqa: E402
from bench.peers.quix import patch_retention  # noqa: E402
from bench.peers.quix_job import PartitionJob  # noqa: E402
from bench.peers.shared import peer_parser  # noqa: E402
from cluetrain.codec import wire as codec  # noqa: E402
from cluetrain.codec.headers import header_values  # noqa: E402
from cluetrain.codec.outputs import alert_record, dead_letter_record  # noqa: E402
from cluetrain.domain.events import BadEvent  # noqa: E402
from cluetrain.settings import Settings  # noqa: E402
from cluetrain.sinks.clickhouse_writer import ClickHouseWriter  # noqa: E402
from cluetrain.sinks.tables import rows_of  # noqa: E402


class InputRecord(Deserializer):
    """A record of one input topic -> ("event", event, clock) | ("tick", clock, final) |
    ("bad", reason, raw): the worker's header checks and decoder."""

    def __init__(self, kind: str, settings: Settings):
        super().__init__()
        self.kind = kind
        self.s = settings

    def __call__(self, value, ctx):
        s = self.s
        try:
            clock, tick, final, content_type = header_values(ctx.headers or ())
            if tick:
                return ("tick", clock, final)
            event = codec.decode_event(value or b"", topic_kind=self.kind, content_type=content_type, clock_ms=clock,
                                       max_future_s=s.max_future_s, max_past_s=s.max_past_s,
                                       max_text_bytes=s.max_text_bytes)
            return ("event", event, clock)
        except BadEvent as exc:
            return ("bad", str(exc), bytes(value or b""))


class ClickHouseRows(BaseSink):
    """At each checkpoint: every partition's rows to ClickHouse, then alerts and dead
    letters delivered (the worker's order), before Quix saves the state."""

    def __init__(self, settings: Settings, jobs: dict[int, PartitionJob], producer):
        super().__init__()
        self.settings, self.jobs, self.producer = settings, jobs, producer
        self.writer = ClickHouseWriter(settings)
        self.rows = 0

    def setup(self):
        self.writer.open()

    def add(self, value, key, timestamp, headers, topic, partition, offset):
        pass  # the jobs hold the outputs

    def flush(self):
        s, produce = self.settings, self.producer.produce
        for job in self.jobs.values():
            out = job.take()
            self.rows += self.writer.write(rows_of(out)) or 0
            for alert in out.alerts:
                key, value = alert_record(alert)
                produce(topic=s.topic_alerts, key=key, value=value)
            for dead_letter in out.dead_letters:
                key, value = dead_letter_record(dead_letter)
                produce(topic=s.topic_dead_letters, key=key, value=value)
        self.producer.flush()


def main() -> int:
    ap = peer_parser()
    ap.add_argument("--group", default="bench-g")
    ap.add_argument("--partitions", type=int, required=True)
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--clickhouse", required=True)
    ap.add_argument("--alerts", required=True)
    ap.add_argument("--dead-letters", required=True)
    ap.add_argument("--release-s", type=float, default=0.5)
    args = ap.parse_args()
    settings = Settings.from_env({}, clickhouse=args.clickhouse, topic_alerts=args.alerts,
                                 topic_dead_letters=args.dead_letters, partitions=args.partitions)
    patch_retention()
    app = Application(
        broker_address=args.broker, consumer_group=args.group, auto_offset_reset="earliest",
        commit_interval=1.0, state_dir=args.state_dir, loglevel=logging.WARNING,
        consumer_extra_config={"session.timeout.ms": 10_000, "heartbeat.interval.ms": 1_000},
    )
    mentions = app.topic(args.mentions, key_deserializer="bytes", value_deserializer=InputRecord("mention", settings))
    replies = app.topic(args.replies, key_deserializer="bytes", value_deserializer=InputRecord("reply", settings))
    sdf = app.dataframe(mentions).concat(app.dataframe(replies))
    sdf.register_store()
    jobs: dict[int, PartitionJob] = {}
    counts: dict[str, int] = {}
    progress = {"events": 0, "finals": set(), "first": None, "reached": None}

    def handle(value) -> None:
        ctx = message_context()
        p, topic = ctx.partition, ctx.topic
        job = jobs.get(p)
        if job is None:
            job = jobs[p] = PartitionJob(settings, p)
            job.release_s = args.release_s
        tx = sdf.processing_context.checkpoint.get_store_transaction(stream_id=sdf.stream_id, partition=p)

        def states(brand: str):
            return tx.as_state(prefix=brand.encode())

        now_ms = int(time.time() * 1000)
        if value[0] == "event":
            event = value[1]
            if progress["first"] is None:
                progress["first"] = time.time()
            job.event(topic, ctx.offset, event, value[2], states, now_ms)
            k = f"{event.brand}|{event.created_at_ms // MINUTE_MS}"
            counts[k] = counts.get(k, 0) + 1
            progress["events"] += 1
        elif value[0] == "tick":
            job.tick(topic, value[1], value[2], states)
            if value[2]:
                progress["finals"].add((topic, p))
        else:
            job.dead_letter(topic, ctx.offset, value[1], value[2], now_ms)
        if progress["events"] >= args.events and len(progress["finals"]) == 2 * args.partitions:
            if progress["reached"] is None:
                progress["reached"] = time.time()
                app.stop()

    sdf.update(handle)
    producer = app.get_producer()
    sink = ClickHouseRows(settings, jobs, producer)
    sdf.sink(sink)
    app.run()
    done = time.time()  # after the final checkpoint: rows written, changelog produced, offsets committed
    producer.flush()
    Path(args.out).write_text(json.dumps({
        "started": STARTED, "first": progress["first"], "done": done, "reached": progress["reached"],
        "events": progress["events"], "counts": counts, "rows": sink.rows,
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
