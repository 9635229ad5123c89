"""Alert volume before and after routes and digests, on one generated stream.

    .venv/bin/python bench/alert_volume.py [--events 20000] [--seed 1] [--policies FILE]

Runs the real PipelineProcessor over `cluetrain generate`'s stream (as
bench/processor_bench.py feeds it: 4 partitions, batches of 1000), takes every alert
record it publishes (fired and resolved, one per (alert_id, state) as the notifier
dedups them), then counts the messages a person would get through
cluetrain.alerts.follow.AlertHandler with each route and digest setting: the printed
lines / digests (the webhook's route is the same code). Counts, not times: one run.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from processor_bench import NOW_MS, build_batches  # noqa: E402

from cluetrain.alerts.digest import Route  # noqa: E402
from cluetrain.alerts.follow import AlertHandler, Routes  # noqa: E402
from cluetrain.processing.processor import PipelineProcessor  # noqa: E402
from cluetrain.settings import Settings  # noqa: E402

CONFIGS = [  # (label, min severity, priorities, digest minutes)
    ("every alert and resolution (before)", "low", "", 0),
    ("route: severity high or above", "high", "", 0),
    ("route: high or above, or priority vip/urgent", "high", "vip,urgent", 0),
    ("digest every 15 min of event time", "low", "", 15),
    ("digest every 60 min", "low", "", 60),
    ("route high + digest every 15 min", "high", "", 15),
]


def alert_records(settings: Settings, events: int, seed: int) -> list[dict]:
    processor = PipelineProcessor(settings)
    records = []
    for batch in build_batches(settings, events, seed):
        out = processor.process(batch, NOW_MS)
        records += [{"alert_id": a.alert_id, "kind": a.kind, "brand": a.brand, "conversation_id": a.conversation_id,
                     "severity": a.severity, "fired_at": a.fired_ms, "resolved_at": a.resolved_ms,
                     "details": a.details} for a in out.alerts]
    return records


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--policies", default="")
    args = ap.parse_args()
    settings = Settings.from_env({"CLUETRAIN_POLICIES": args.policies} if args.policies else {}, partitions=4)
    records = alert_records(settings, args.events, args.seed)
    fired = sum(1 for r in records if r["resolved_at"] is None)
    print(f"{args.events:,} events (seed {args.seed}), policies: {args.policies or 'none'}: "
          f"{len(records):,} alert records ({fired:,} fired, {len(records) - fired:,} resolved) before dedup")
    for label, severity, priorities, minutes in CONFIGS:
        handler = AlertHandler(io.StringIO(), routes=Routes(
            printed=Route(severity, frozenset(p for p in priorities.split(",") if p)), print_digest_min=minutes,
            grace_ms=settings.allowed_lateness_s * 1000))
        for r in records:
            handler.handle(r)
        handler.flush()
        print(f"| {label} | {handler.messages:,} |")
    kinds: dict[str, int] = {}
    for r in records:
        if r["resolved_at"] is None:
            kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    print("fired by kind:", json.dumps(dict(sorted(kinds.items()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
