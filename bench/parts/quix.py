"""(d) Quix Streams, the peer: bench/peers/quix.py, the same per-brand minute counts,
stateful, changelog on."""
from __future__ import annotations

from bench.benchlib import fmt_rate
from bench.harness import BENCH, PY, Bench, log


def run(bench: Bench) -> None:
    log("(d) Quix Streams: stateful per-brand minute counts, changelog on")
    data, spawned = bench.run_peer("d", "Quix", [
        PY, str(BENCH / "peers" / "quix.py"), "--broker", bench.broker.bootstrap, "--group", "bench-d",
        "--events", str(bench.input.events), "--state-dir", str(bench.dir / "quix-state")], 1000)
    bench.results["d"] = r = bench.peer_result("d", "Quix Streams (stateful count, changelog)", data, spawned)
    if data.get("reached"):
        r.notes.append(f"final checkpoint after the last event: {data['done'] - data['reached']:.2f} s")
    log(f"(d) {fmt_rate(r.eps_steady)} events/s after the first record")
