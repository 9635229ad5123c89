"""(e) The replay producer alone: cluetrain's Replayer (confluent-kafka) over the
generated lines into the input topics. Always runs: every other part consumes these
topics, each with its own consumer group / app id."""
from __future__ import annotations

from bench.benchlib import PartResult, fmt_rate
from bench.harness import Bench, log
from cluetrain.sources.replay import Replayer


def run(bench: Bench) -> None:
    log(f"(e) replaying {len(bench.input.lines):,} lines into the input topics")
    with bench.measured("e"):
        with Replayer(bench.settings, bench.broker.url) as replayer:
            bench.replay = replayer.replay(bench.input.lines)
    r = bench.replay
    res = PartResult("e", "replay producer (Replayer, confluent-kafka)", r.events, seconds=r.seconds,
                     seconds_steady=r.seconds)
    res.check = f"{r.events:,} events + {r.ticks:,} ticks -> {bench.total_records:,} records"
    bench.results["e"] = res
    log(f"(e) {fmt_rate(res.eps)} events/s")
