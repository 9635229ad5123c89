"""(p) Profile: part (c) again under py-spy (all threads, 100 Hz); the runner renders
its stacks as bench/PROFILE.md (bench/report.py)."""
from __future__ import annotations

import shutil

from bench import snapshot
from bench.stacks import parse_collapsed
from bench.harness import Bench, log
from bench.workers import run_worker, worker_result


def run(bench: Bench) -> None:
    log("(p) profiling (c) under py-spy")
    raw = bench.dir / "profile.txt"
    settings = bench.base_settings(app_id="bench-p", clickhouse=str(bench.dir / "chdb-p"))
    with bench.measured("p"):
        worker = run_worker(bench, "p", settings, profile_to=raw)
    bench.results["p"] = worker_result("p", "cluetrain worker under py-spy (profile run)", worker,
                                       bench.input.events)
    if not raw.exists():
        return
    if bench.args.profile_raw:
        shutil.copyfile(raw, snapshot.caller_cwd() / bench.args.profile_raw)
    bench.profile_stacks = parse_collapsed(raw.read_text().splitlines())
    log(f"(p) {sum(n for _, n in bench.profile_stacks):,} samples")
