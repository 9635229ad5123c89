"""(f) The same worker with CLUETRAIN_ENGINE=faust (Faust agent + table) on the first
--faust-events events: the engine the bulk loop replaced, on the same topics."""
from __future__ import annotations

from bench.benchlib import fmt_rate
from bench.harness import Bench, log
from bench.workers import run_worker, worker_result


def run(bench: Bench) -> None:
    n = min(bench.args.faust_events, bench.input.events)
    log(f"(f) Faust engine on the first {n:,} events")
    settings = bench.base_settings(app_id="bench-f", clickhouse=str(bench.dir / "chdb-f"), engine="faust")
    with bench.measured("f"):
        worker = run_worker(bench, "f", settings, limit=n)
    bench.results["f"] = r = worker_result("f", "cluetrain, Faust engine (agent + table) -> chdb", worker, n)
    log(f"(f) {fmt_rate(r.eps_steady)} events/s after the first batch")
