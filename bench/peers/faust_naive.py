"""(b) The floor: a naive Faust pipeline, one table update per event, changelog on.

    python bench/peers/faust_naive.py --broker HOST:PORT --app-id ID --events N \
        --out RESULT.json [--mentions T --replies T --partitions P] [--local-profile]

The textbook Faust way of counting per brand and event-time minute: an agent over
both input topics, `async for event in stream.events()`, decode the Avro value with
cluetrain's decoder, `counts[brand|minute] += 1` on a Faust Table (in-memory store,
changelog topic on, so every update is also a changelog record). Clock ticks are
skipped. Same app configuration as the cluetrain worker (cluetrain/engines/faust_app.py),
including the Tansu workarounds of local_profile.py when --local-profile is given
(producer_max_batch_size=1, short session timeout).

When N events are counted it flushes the producer (the changelog is on the broker)
and writes {"started", "first", "done", "events", "counts"} to --out; the harness
then stops the worker.
"""
from __future__ import annotations

import time

STARTED = time.time()

import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.append(str(Path(__file__).resolve().parents[2]))  # after PYTHONPATH (bench/run.py --snapshot)

import faust  # noqa: E402

from bench.benchlib import minute_key  # noqa: E402
from bench.peers.shared import EventDecoder, peer_parser  # noqa: E402
from cluetrain.codec.headers import normalize_headers  # noqa: E402
from cluetrain.kafka import local_profile  # noqa: E402
from cluetrain.settings import Settings  # noqa: E402


def build(args) -> faust.App:
    settings = Settings(broker=f"kafka://{args.broker}", broker_profile="local" if args.local_profile else "kafka",
                        partitions=args.partitions)
    config = dict(
        broker=f"kafka://{args.broker}", store="memory://", web_enabled=False,
        topic_partitions=args.partitions, topic_disable_leader=True,
        broker_commit_interval=settings.commit_interval_s, consumer_auto_offset_reset="earliest",
        stream_wait_empty=True, worker_redirect_stdouts=False,
    )
    config.update(local_profile.faust_overrides(settings))
    app = faust.App(args.app_id, **config)
    topic = app.topic(args.mentions, args.replies, partitions=args.partitions,
                      key_serializer="raw", value_serializer="raw")
    counts = app.Table("minute_counts", default=int, partitions=args.partitions, key_type=str, value_type=int)
    seen: dict[str, int] = {}
    state = {"events": 0, "first": None}
    decoder = EventDecoder()

    @app.agent(topic, name="bench.naive_counts")
    async def count(stream):
        async for event in stream.events():
            msg = event.message
            if state["first"] is None:
                state["first"] = time.time()
            ev = decoder.decode("mention" if msg.topic == args.mentions else "reply", msg.value,
                                normalize_headers(msg.headers))
            if ev is None:  # a clock tick
                continue
            key = minute_key(ev.brand, ev.created_at_ms)
            counts[key] += 1
            seen[key] = counts[key]
            state["events"] += 1
            if state["events"] == args.events:
                await app.producer.flush()
                done = time.time()
                Path(args.out).write_text(json.dumps({
                    "started": STARTED, "first": state["first"], "done": done,
                    "events": state["events"], "counts": seen,
                }))

    return app


def main() -> int:
    ap = peer_parser()
    ap.add_argument("--app-id", default="bench-b")
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--local-profile", action="store_true")
    args = ap.parse_args()
    app = build(args)
    from faust import Worker

    worker = Worker(app, loglevel="warning", quiet=True)
    sys.argv = sys.argv[:1]
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
