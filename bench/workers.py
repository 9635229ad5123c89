"""Running real `cluetrain worker` processes until their saved state covers every
record replayed: parts (c), (f), (s) and (p), optionally under py-spy."""
from __future__ import annotations

import dataclasses
import signal
import subprocess
import time
from pathlib import Path

from bench.benchlib import PartResult, fmt_rate, quarter_rates
from bench.harness import PY, Bench, log, tail
from bench.machine import thread_cpu
from cluetrain.cli.run import WorkerProcess
from cluetrain.state.progress import StateProgress
from cluetrain.settings import Settings


@dataclasses.dataclass
class WorkerRun:
    """What was seen while the workers ran; times are time.monotonic()."""
    spawned: float
    total: int                                    # records to cover
    first: float | None = None                    # the first saved batch
    first_done: int | None = None                 # records covered by it
    done: float | None = None
    rss: list[tuple[float, int]] = dataclasses.field(default_factory=list)    # (s since spawn, bytes)
    trace: list[tuple[float, int]] = dataclasses.field(default_factory=list)  # (s since spawn, records) on growth
    threads: dict | None = None

    def sample(self, now: float, done: int, rss: int | None) -> None:
        if rss is not None:
            self.rss.append((now - self.spawned, rss))
        if done and self.first is None:
            self.first, self.first_done = now, done
        if done and (not self.trace or self.trace[-1][1] != done):
            self.trace.append((now - self.spawned, done))


def _rss_of(procs) -> int | None:
    import psutil

    try:
        return sum(proc.memory_info().rss for proc in procs)
    except psutil.Error:
        return None


def _watch(bench: Bench, key: str, run: WorkerRun, workers: list, progress, end_offsets: dict) -> None:
    """Poll the saved state every 50 ms until it covers run.total records."""
    import psutil

    procs = [psutil.Process(w.proc.pid) for w in workers]
    deadline = run.spawned + bench.timeout(150)
    while True:
        processed = progress.poll()
        now = time.monotonic()
        done = sum(min(processed.get(tp, 0), end) for tp, end in end_offsets.items())
        run.sample(now, done, _rss_of(procs))
        if done >= run.total:
            run.done = time.monotonic()
            return
        for w in workers:
            w.check_alive()
        if now > deadline:
            raise RuntimeError(f"({key}) timed out: {done} of {run.total} records")
        time.sleep(0.05)


def run_worker(bench: Bench, key: str, settings: Settings, *, profile_to: Path | None = None,
               limit: int | None = None) -> WorkerRun:
    """Start settings.workers `cluetrain worker` processes, wait until their saved
    state covers every record (or the first `limit` events' share of them)."""
    end_offsets = dict(bench.replay.end_offsets)
    total = sum(end_offsets.values())
    if limit is not None:
        total = round(total * limit / bench.input.events)
    progress = StateProgress(settings, bench.broker.url)
    run = WorkerRun(spawned=time.monotonic(), total=total)
    workers = [WorkerProcess(settings, bench.broker.url, n).start() for n in range(1, settings.workers + 1)]
    spy = start_py_spy(workers[0].proc.pid, profile_to, bench.logs) if profile_to is not None else None
    try:
        _watch(bench, key, run, workers, progress, end_offsets)
        run.threads = thread_cpu(workers[0].proc.pid)
    finally:
        if spy is not None:
            stop_py_spy(spy)
        progress.close()
        codes = [w.stop() for w in workers]
    for w, code in zip(workers, codes):
        if code not in (0, None):
            raise RuntimeError(f"({key}) worker exited with {code}: {tail(w.log_path)}")
    return run


def worker_result(key: str, name: str, run: WorkerRun, events: int) -> PartResult:
    steady_events = round(events * (run.total - run.first_done) / run.total)
    r = PartResult(key, name, events, seconds=run.done - run.spawned, seconds_steady=run.done - run.first,
                   events_steady=steady_events)
    r.extra["startup_s"] = run.first - run.spawned
    th = run.threads
    if th:
        wall = run.done - run.spawned
        r.notes.append(
            f"worker CPU {th['total'] / wall:.2f} cores over the run: main thread (the consume loop: all the "
            f"processing) {100 * th['main'] / wall:.0f} % busy, other Python threads {th['python'] / wall:.2f} "
            f"cores, chdb's native threads {th['native'] / wall:.2f} cores")
    quarters = quarter_rates(run.trace, run.total, events)
    if quarters:
        r.notes.append("steady events/s by quarter of the input (does it slow down as state grows?): "
                       + ", ".join(fmt_rate(q) for q in quarters))
    return r


def start_py_spy(pid: int, out: Path, logs: Path) -> subprocess.Popen | None:
    spy_bin = Path(PY).parent / "py-spy"
    if not spy_bin.exists():
        log("(p) py-spy not installed in the venv: no profile")
        return None
    for _ in range(40):  # the interpreter must be up before py-spy can attach
        with open(logs / "py-spy.log", "ab") as spy_log:
            proc = subprocess.Popen([str(spy_bin), "record", "--pid", str(pid), "--rate", "100", "--format", "raw",
                                     "--nonblocking", "--output", str(out)],
                                    stdout=subprocess.DEVNULL, stderr=spy_log)
        time.sleep(0.5)
        if proc.poll() is None:
            return proc
    log(f"(p) py-spy could not attach: {tail(logs / 'py-spy.log')}")
    return None


def stop_py_spy(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
