"""(d) Quix Streams, the peer: bench/peers/quix.py, the same per-brand minute counts,
stateful, changelog on."""
from __future__ import annotations

import json
import subprocess
import time

from bench.benchlib import fmt_rate
from bench.harness import BENCH, PY, Bench, log, spawn, tail
from cluetrain.runtime import processes


def run(bench: Bench) -> None:
    out = bench.dir / "d.json"
    peer_log = bench.logs / "peer_d.log"
    log("(d) Quix Streams: stateful per-brand minute counts, changelog on")
    with bench.measured("d"):
        spawned = time.time()
        proc = spawn([PY, str(BENCH / "peers" / "quix.py"), "--broker", bench.broker.bootstrap, "--group", "bench-d",
                      "--events", str(bench.input.events), "--state-dir", str(bench.dir / "quix-state"),
                      "--out", str(out)], peer_log)
        try:
            code = proc.wait(timeout=bench.timeout(1000))
        except subprocess.TimeoutExpired:
            processes.stop(proc, timeout=10)
            raise RuntimeError(f"(d) Quix timed out: {tail(peer_log)}") from None
    if code != 0 or not out.exists():
        raise RuntimeError(f"(d) Quix failed ({code}): {tail(peer_log)}")
    data = json.loads(out.read_text())
    bench.results["d"] = r = bench.peer_result("d", "Quix Streams (stateful count, changelog)", data, spawned)
    if data.get("reached"):
        r.notes.append(f"final checkpoint after the last event: {data['done'] - data['reached']:.2f} s")
    log(f"(d) {fmt_rate(r.eps_steady)} events/s after the first record")
