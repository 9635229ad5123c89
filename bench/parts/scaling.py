"""(s) Scaling: the worker with 1, then 2 processes (s1, s2), both writing to one
clickhouse-server (chdb allows one process per data directory)."""
from __future__ import annotations

from bench.benchlib import fmt_rate
from bench.harness import Bench, log
from bench.workers import run_worker, worker_result
from cluetrain.runtime.clickhouse_server import ClickHouseServer, find_binary


def run(bench: Bench) -> None:
    if not find_binary():
        raise RuntimeError("(s) needs clickhouse-server")
    with ClickHouseServer() as server:
        for n in (1, 2):
            key = f"s{n}"
            log(f"({key}) {n} worker process(es) -> clickhouse-server")
            settings = bench.base_settings(app_id=f"bench-{key}", clickhouse=server.url_for(f"bench_{key}"),
                                           workers=n)
            with bench.measured(key):
                worker = run_worker(bench, key, settings)
            bench.results[key] = r = worker_result(key, f"cluetrain, {n} worker process(es) -> clickhouse-server",
                                                   worker, bench.input.events)
            log(f"({key}) {fmt_rate(r.eps_steady)} events/s after the first batch")
