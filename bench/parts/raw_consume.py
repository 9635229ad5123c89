"""(a) Raw consume, the ceiling: bench/peers/raw.py with confluent-kafka, and (a')
the same loop on kafka-python (the client cluetrain's tools use)."""
from __future__ import annotations

import json
import time

from bench.benchlib import fmt_rate
from bench.harness import BENCH, PY, Bench, log, spawn, tail

CLIENTS = (("a", "confluent", "raw consume + decode + dict (confluent-kafka)"),
           ("a'", "kafka-python", "raw consume + decode + dict (kafka-python)"))


def run(bench: Bench) -> None:
    for key, client, name in CLIENTS:
        out = bench.dir / f"{key.replace(chr(39), 'p')}.json"
        peer_log = bench.logs / f"peer_{key}.log"
        log(f"({key}) raw consume with {client}")
        with bench.measured(key):
            spawned = time.time()
            proc = spawn([PY, str(BENCH / "peers" / "raw.py"), "--broker", bench.broker.bootstrap,
                          "--client", client, "--records", str(bench.total_records), "--out", str(out),
                          "--partitions", str(bench.args.partitions)], peer_log)
            code = proc.wait(timeout=bench.timeout(20_000))
        if code != 0:
            raise RuntimeError(f"({key}) failed: {tail(peer_log)}")
        bench.results[key] = bench.peer_result(key, name, json.loads(out.read_text()), spawned)
        log(f"({key}) {fmt_rate(bench.results[key].eps_steady)} events/s after the first record")
