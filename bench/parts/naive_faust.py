"""(b) Naive Faust, the floor: bench/peers/faust_naive.py, one Faust Table update per
event, changelog on."""
from __future__ import annotations

import time

from bench.benchlib import fmt_rate
from bench.harness import BENCH, PY, Bench, log, spawn, wait_for_file
from cluetrain.runtime import processes


def run(bench: Bench) -> None:
    out = bench.dir / "b.json"
    log("(b) naive Faust: one table update per event, changelog on")
    with bench.measured("b"):
        spawned = time.time()
        proc = spawn([PY, str(BENCH / "peers" / "faust_naive.py"), "--broker", bench.broker.bootstrap,
                      "--app-id", "bench-b", "--events", str(bench.input.events), "--out", str(out),
                      "--partitions", str(bench.args.partitions), "--local-profile"], bench.logs / "peer_b.log")
        try:
            data = wait_for_file(out, proc, bench.timeout(300), "(b) naive Faust")
        finally:
            processes.stop(proc, timeout=20)
    if data["events"] != bench.input.events:
        raise RuntimeError(f"(b) counted {data['events']} events of {bench.input.events}")
    bench.results["b"] = r = bench.peer_result("b", "naive Faust (Table += 1 per event, changelog)", data, spawned)
    r.notes.append("same Faust config as the worker, Tansu profile (producer_max_batch_size=1)")
    log(f"(b) {fmt_rate(r.eps_steady)} events/s after the first record")
