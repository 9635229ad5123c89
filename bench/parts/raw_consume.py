"""(a) Raw consume, the ceiling: bench/peers/raw.py with confluent-kafka, and (a')
the same loop on kafka-python (the client cluetrain's tools use)."""
from __future__ import annotations

from bench.benchlib import fmt_rate
from bench.harness import BENCH, PY, Bench, log

CLIENTS = (("a", "confluent", "raw consume + decode + dict (confluent-kafka)"),
           ("a'", "kafka-python", "raw consume + decode + dict (kafka-python)"))


def run(bench: Bench) -> None:
    for key, client, name in CLIENTS:
        log(f"({key}) raw consume with {client}")
        data, spawned = bench.run_peer(key, "raw consume", [
            PY, str(BENCH / "peers" / "raw.py"), "--broker", bench.broker.bootstrap, "--client", client,
            "--records", str(bench.total_records), "--partitions", str(bench.args.partitions)], 20_000)
        bench.results[key] = bench.peer_result(key, name, data, spawned)
        log(f"({key}) {fmt_rate(bench.results[key].eps_steady)} events/s after the first record")
