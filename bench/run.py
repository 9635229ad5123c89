"""Issue 7's measurement harness: cluetrain end to end against its ceiling, its floor
and a peer, in ONE run on the SAME generated input.

    .venv/bin/python bench/run.py --events 500000          # everything (~15 min on 2 cores)
    .venv/bin/python bench/run.py --quick                  # 20k events, smoke check (< 3 min)
    .venv/bin/python bench/run.py --only a,c --events 100000

Parts (`--only` takes a comma list; the input is always generated and replayed once):
  e  the replay producer alone: cluetrain's Replayer (confluent-kafka) over the generated
     lines into the input topics of an embedded Tansu broker. Every other part
     consumes these same topics, each with its own consumer group / app id.
  a  raw consume (the ceiling): confluent-kafka consumer, no group, cluetrain's
     codec.decode_event (fastavro + validation), a dict count per brand and minute.
     a' is the same loop on kafka-python (the client cluetrain's tools use).
  b  naive Faust (the floor): one Faust Table update per event, changelog on.
  c  cluetrain end to end: the real `cluetrain worker` process (runner.WorkerProcess)
     from the topics to raw rows, turns, reciprocity and sentiment windows in an
     embedded chdb (temp dir); timed from worker start until StateProgress (the
     worker's saved state) covers every record produced; also from the first saved
     batch (excludes Python start-up and the consumer-group join). Samples the
     worker's RSS; counts the conversations in its state.
  f  the same worker with CLUETRAIN_ENGINE=faust (Faust agent + table), on the first
     --faust-events events (default 50k): the engine the bulk loop replaced.
  s  scaling: the worker with 1, then 2 processes (s1, s2), both to a clickhouse-server
     (chdb allows one process per data directory).
  d  Quix Streams (the bare-count peer): the same per-brand minute counts, stateful, changelog on.
  g  Quix Streams running cluetrain's job (the fair peer, bench/peers/quix_full.py): the
     text analytics, turn fold, windows and alerts of cluetrain/domain on Quix's state
     store and changelog, the same ClickHouse tables (own chdb) and alert topic; checked
     by its minute counts and the totals of its tables.
  l  latency: event-to-queryable p50/p99 at steady rates, 60 s each, on one worker:
     `--latency-rate 5000,auto` (auto = half of (c)'s steady rate, one the worker can
     sustain; 5,000/s is above what it sustains on 2 cores, so its latency measures
     the backlog). Events are stamped created_at = now; a real clickhouse-server
     (cluetrain/runtime/clickhouse_server.py) is polled every 50 ms for max(source_offset)
     per partition of the raw tables; without a server, StateProgress is used instead.
  p  profile: part c again under py-spy (all threads, 100 Hz): bench/PROFILE.md.

All parts count the same thing: events per (brand, event-time minute); a, b and d are
checked key by key against the counts computed from the generated events, c against
the totals of its ClickHouse tables. Results: printed, and written to bench/RESULTS.md
(and bench/PROFILE.md) by a full run; `--quick` and `--only` write nothing unless
`--results` / `--profile-out` are given.

This file is the runner only: each part is a module of bench/parts/ (registered in
bench/parts/__init__.py), the peers they start are programs in bench/peers/, what
they share is bench/harness.py (and workers.py for the cluetrain worker runs), the
text printed is bench/report.py.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# appended, not prepended: with --snapshot, PYTHONPATH holds an exported revision of
# cluetrain/ that must win over the (possibly half-edited) working tree
sys.path.append(str(ROOT))

from bench import snapshot  # noqa: E402  (standard library only: safe before the re-exec)

if __name__ == "__main__":
    snapshot.reexec_if_requested(Path(__file__).resolve(), sys.argv[1:])

from bench.benchlib import PartResult  # noqa: E402
from bench.harness import BENCH, Bench, log  # noqa: E402
from bench.machine import machine_info  # noqa: E402
from bench.parts import ALL_PARTS, PARTS, select_parts  # noqa: E402
from bench.report import profile_header, render_profile, render_results  # noqa: E402

QUICK = {"events": 20_000, "latency_seconds": 6.0, "latency_drain_s": 30.0}
FULL = {"events": 500_000, "latency_seconds": 60.0, "latency_drain_s": 300.0}


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=None, help="events to generate (default 500000; --quick: 20000)")
    ap.add_argument("--quick", action="store_true", help="smoke check: 20k events, 6 s per latency rate, < 3 min")
    ap.add_argument("--only", default=",".join(ALL_PARTS), help="parts, comma-separated: e,a,b,c,f,s,d,g,l,p")
    ap.add_argument("--faust-events", type=int, default=50_000, help="events part (f) processes (default 50000)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--brands", type=int, default=20)
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--order", choices=("file", "time"), default="file",
                    help="replay order: file = arrival order of the generated stream (live-like)")
    ap.add_argument("--latency-rate", default="5000,auto",
                    help="events/s, comma list; auto = half of (c)'s steady rate (default 5000,auto)")
    ap.add_argument("--latency-seconds", type=float, default=None, help="per rate; default 60 (--quick: 6)")
    ap.add_argument("--latency-drain-s", type=float, default=None,
                    help="longest wait for a phase's events to become visible (default 300; --quick: 30)")
    ap.add_argument("--latency-poll-s", type=float, default=0.05)
    ap.add_argument("--results", default=None, help="write the results here (default: bench/RESULTS.md on a full run)")
    ap.add_argument("--profile-out", default=None, help="default: bench/PROFILE.md on a full run")
    ap.add_argument("--wait-quiet", type=float, default=0.0, metavar="S",
                    help="before each part, wait up to S s for other work on the machine to calm down")
    ap.add_argument("--quiet-cores", type=float, default=0.3,
                    help="'calm' = other processes use fewer cores than this (default 0.3)")
    ap.add_argument("--profile-raw", default=None, metavar="PATH",
                    help="also save py-spy's raw collapsed stacks of part (p) there")
    ap.add_argument("--state-interval", type=float, default=None, metavar="S",
                    help="the workers' CLUETRAIN_STATE_INTERVAL_S (default: the setting's default)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, chdb, profile)")
    ap.add_argument("--snapshot", metavar="REV", default=None,
                    help="measure the committed revision REV (e.g. HEAD) exported with git archive, "
                         "not the working tree")
    return ap


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """The options with the --quick or full-run defaults filled in, and the parts to run."""
    ap = build_parser()
    args = ap.parse_args(argv)
    for name, value in (QUICK if args.quick else FULL).items():
        if not getattr(args, name):
            setattr(args, name, value)
    try:
        parts = select_parts(args.only)
    except ValueError as exc:
        ap.error(str(exc))
    return args, parts


def output_paths(args, parts: list[str], cwd: Path) -> tuple[Path | None, Path | None]:
    """Where RESULTS.md and PROFILE.md go: as told, or bench/ on a full run, else nowhere."""
    full = set(parts) == set(ALL_PARTS) and not args.quick
    results = cwd / args.results if args.results else (BENCH / "RESULTS.md" if full else None)
    profile = cwd / args.profile_out if args.profile_out else (BENCH / "PROFILE.md" if full else None)
    return results, profile


def run_parts(bench: Bench, parts: list[str]) -> None:
    """Part (e) fills the topics, so it always runs first; a failed part is reported
    in the table and does not stop the others."""
    args = bench.args
    bench.meter.wait_quiet("e", args.wait_quiet, args.quiet_cores, log)
    bench.start()
    PARTS["e"](bench)
    for part in parts:
        if part == "e":
            continue
        bench.meter.wait_quiet(part, args.wait_quiet, args.quiet_cores, log)
        try:
            PARTS[part](bench)
        except Exception as exc:  # noqa: BLE001 - one failed part must not hide the others
            log(f"({part}) FAILED: {exc}")
            bench.results.setdefault(part, PartResult(part, f"FAILED: {str(exc)[:200]}", bench.input.events))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args, parts = parse_args(argv)
    cwd = snapshot.caller_cwd()
    results_path, profile_path = output_paths(args, parts, cwd)
    started = time.monotonic()
    bench = Bench(args)
    try:
        run_parts(bench, parts)
    finally:
        bench.close()
        snapshot.remove_export()
    if "e" not in parts:
        bench.results.pop("e", None)
    info = machine_info()
    text = render_results(bench, info, argv)
    print(text)
    profile_md = None
    if bench.profile_stacks is not None:
        profile_md = render_profile(bench.profile_stacks, bench.input.events, bench.results["p"],
                                    header=profile_header(argv, info, bench.noise.get("p", {})))
        print(profile_md)
    log(f"total {time.monotonic() - started:.0f} s")
    if results_path:
        results_path.write_text(text + f"\nTotal wall time of the run: {time.monotonic() - started:.0f} s.\n")
        log(f"wrote {results_path}")
    if profile_path and profile_md:
        profile_path.write_text(profile_md)
        log(f"wrote {profile_path}")
    failed = [k for k, r in bench.results.items() if r.name.startswith("FAILED")]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
