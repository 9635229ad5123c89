"""What every part of bench/run.py shares: the temp dir, the embedded broker, the
generated input replayed once into its topics, the results so far, and the small
process helpers the parts use to run peers and workers."""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from bench.benchlib import PartResult, compare_counts, minute_key
from bench.machine import CpuMeter
from cluetrain.kafka.admin import ensure_topics
from cluetrain.kafka.tansu import EmbeddedBroker
from cluetrain.runtime import processes
from cluetrain.settings import Settings
from cluetrain.sources.generate import generate
from cluetrain.sources.replay import InputLine, arrange, parse_line

PY = sys.executable
BENCH = Path(__file__).resolve().parent


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


@dataclasses.dataclass
class Input:
    lines: list[InputLine]
    events: int
    reference: dict[str, int]          # brand|minute -> count, from the generated events
    conversations: int
    brands: int


def generated_events(seed: int, n: int, brands: int) -> list[dict]:
    try:
        return generate(seed, n, brands=brands)
    except TypeError:  # an older generate() without brands (--snapshot of an old revision)
        return generate(seed, n)


def make_input(n: int, seed: int, brands: int, order: str) -> Input:
    t = time.perf_counter()
    events = generated_events(seed, n, brands)
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


class Bench:
    """The state of one run; each part reads it and adds its results."""

    def __init__(self, args):
        self.args = args
        self.dir = Path(tempfile.mkdtemp(prefix="cluetrain-bench-"))
        self.logs = self.dir / "logs"
        self.results: dict[str, PartResult] = {}
        self.noise: dict[str, dict] = {}
        self.meter = CpuMeter()
        self.latency: dict = {}
        self.rss: dict = {}
        self.profile_stacks: list | None = None  # py-spy's stacks of part (p)
        self.broker: EmbeddedBroker | None = None
        self.settings: Settings | None = None
        self.input: Input | None = None
        self.replay = None  # ReplayResult of part (e)

    def base_settings(self, **kw) -> Settings:
        values = dict(broker=self.broker.url, broker_profile="local", clickhouse=str(self.dir / "chdb-c"),
                      log_dir=str(self.logs), partitions=self.args.partitions, app_id="bench-c")
        if getattr(self.args, "state_interval", None) is not None:
            values["state_interval_s"] = self.args.state_interval
        values.update(kw)
        return Settings.from_env({}, **values)

    def start(self) -> None:
        """The broker, its topics and the generated input (not yet replayed)."""
        self.broker = EmbeddedBroker(self.logs).start()
        self.settings = self.base_settings()
        ensure_topics(self.settings, self.broker.url)
        self.input = make_input(self.args.events, self.args.seed, self.args.brands, self.args.order)

    def close(self) -> None:
        if self.broker is not None:
            self.broker.stop()
        if self.args.keep:
            log(f"kept {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    @contextlib.contextmanager
    def measured(self, key: str):
        """Records the machine's CPU use during the block as the noise of part `key`."""
        started = self.meter.start()
        try:
            yield
        finally:
            self.noise[key] = self.meter.stop(started)

    @property
    def total_records(self) -> int:
        return sum(self.replay.end_offsets.values())

    def timeout(self, floor_eps: float) -> float:
        """How long a part may take if it does at least `floor_eps` events/s."""
        return 120 + self.input.events / floor_eps

    def run_peer(self, key: str, what: str, cmd: list[str], floor_eps: float) -> tuple[dict, float]:
        """Run a peer program to its end, measured as part `key`: (the result it wrote to
        bench.dir/<key>.json, the wall time it was spawned at). A peer slower than
        `floor_eps` events/s is stopped; a failed one raises with its log's tail."""
        out = self.dir / f"{key.replace(chr(39), 'p')}.json"
        peer_log = self.logs / f"peer_{key}.log"
        with self.measured(key):
            spawned = time.time()
            proc = spawn([*cmd, "--out", str(out)], peer_log)
            try:
                code = proc.wait(timeout=self.timeout(floor_eps))
            except subprocess.TimeoutExpired:
                processes.stop(proc, timeout=10)
                raise RuntimeError(f"({key}) {what} timed out: {tail(peer_log)}") from None
        if code != 0 or not out.exists():
            raise RuntimeError(f"({key}) {what} failed ({code}): {tail(peer_log)}")
        return json.loads(out.read_text()), spawned

    def peer_result(self, key: str, name: str, data: dict, spawned_wall: float) -> PartResult:
        """The result a peer program wrote, checked against the reference counts."""
        r = PartResult(key, name, data["events"], seconds=data["done"] - spawned_wall,
                       seconds_steady=(data["done"] - data["first"]) if data.get("first") else None)
        r.check = compare_counts(self.input.reference, {k: int(v) for k, v in data["counts"].items()})
        r.extra["startup_s"] = (data["first"] - spawned_wall) if data.get("first") else None
        return r


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
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("CLUETRAIN_")}
    out = subprocess.run([PY, "-m", "cluetrain", "query", sql, "--clickhouse", target, "--format", "JSONEachRow"],
                         capture_output=True, text=True, timeout=300, env=clean_env)
    if out.returncode != 0:
        raise RuntimeError(f"cluetrain query failed: {out.stderr.strip()[-300:]}")
    return [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
