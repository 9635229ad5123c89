"""`cluetrain run`: replay a file through the real pipeline and exit once all is flushed.

Starts what is missing (embedded Tansu broker, CLUETRAIN_WORKERS worker processes), replays the
file, waits until the worker's saved state covers every record produced (it saves its
state only after the ClickHouse flush), then stops the worker cleanly.
"""
from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TextIO

from cluetrain.settings import Settings
from cluetrain.kafka.admin import ensure_topics
from cluetrain.kafka.tansu import EmbeddedBroker
from cluetrain.state.progress import StateProgress
from cluetrain.runtime import exit_codes, processes
from cluetrain.sources.replay import Replayer, ReplayResult, arrange, read_input


@dataclass
class RunResult:
    replay: ReplayResult
    lines: int
    seconds: float

    @property
    def events_per_s(self) -> float:
        return self.replay.events / self.seconds if self.seconds else 0.0


class WorkerProcess:
    """`cluetrain worker` as a child process that dies with us."""

    def __init__(self, settings: Settings, broker_url: str, number: int = 1, extra_args: tuple[str, ...] = ()):
        self.settings = settings
        self.broker_url = broker_url
        self.extra_args = extra_args
        self.log_path = Path(settings.log_dir) / ("worker.log" if number == 1 else f"worker-{number}.log")
        self.proc = None

    def start(self) -> "WorkerProcess":
        env = dict(os.environ)
        env.update(self.settings.to_env())
        env["CLUETRAIN_BROKER"] = self.broker_url
        self.proc = processes.spawn([sys.executable, "-m", "cluetrain", "worker", *self.extra_args], log_path=self.log_path, env=env)
        return self

    def check_alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            code = self.proc.returncode
            reason = last_error_line(self.log_path).removeprefix("cluetrain: ").removeprefix("error: ")
            # the worker's own code when it says what failed (2 usage, 3 ClickHouse, 4 broker)
            known = code in (exit_codes.USAGE, exit_codes.CLICKHOUSE, exit_codes.BROKER)
            raise processes.ProcessError(f"the worker exited with code {code}: {reason} (log: {self.log_path})",
                                         exit_code=code if known else exit_codes.ERROR)

    def stop(self) -> int:
        if self.proc is None:
            return 0
        code = processes.stop(self.proc, timeout=30)
        self.proc = None
        return code


def stop_workers(workers: list[WorkerProcess], exc_type) -> None:
    """An ExitStack exit callback. Interrupted (Ctrl-C): every worker gets SIGINT at once
    and is killed after processes.INTERRUPT_GRACE_S (a worker resumes from its saved
    state); otherwise each one is stopped cleanly (SIGTERM)."""
    if exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
        running = [w.proc for w in workers if w.proc is not None]
        processes.stop_all(running, timeout=processes.INTERRUPT_GRACE_S, sig=signal.SIGINT)
        for worker in workers:
            worker.proc = None
    for worker in workers:
        worker.stop()


def last_error_line(log_path: Path) -> str:
    try:
        lines = [l.strip() for l in log_path.read_text(errors="replace").splitlines() if l.strip()]
    except OSError:
        return "no log"
    for line in reversed(lines):
        if line.startswith("cluetrain:") or "Error" in line or "error" in line:
            return line[:300]
    return lines[-1][:300] if lines else "empty log"


def wait_until_processed(progress: StateProgress, end_offsets: dict[tuple[str, int], int], *,
                         workers: list[WorkerProcess] = (), timeout: float,
                         on_progress: Callable[[int, int], None] | None = None) -> None:
    """Wait until the worker's saved state covers every record produced."""
    total = sum(end_offsets.values())
    deadline = time.monotonic() + timeout
    while True:
        processed = progress.poll()
        done = sum(min(processed.get(tp, 0), end) for tp, end in end_offsets.items())
        if on_progress is not None:
            on_progress(done, total)
        if done >= total:
            return
        for worker in workers:
            worker.check_alive()
        if time.monotonic() > deadline:
            raise processes.ProcessError(f"timed out after {timeout:.0f} s: the worker processed {done} of {total} records")
        time.sleep(0.2)


class Progress:
    """One status line on stderr, rewritten in place on a terminal."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.tty = stream.isatty()
        self.last = 0.0
        self.replayed = (0, 0)
        self.stored = (0, 0)

    def on_replay(self, done: int, total: int) -> None:
        self.replayed = (done, total)
        self.show()

    def on_store(self, done: int, total: int) -> None:
        self.stored = (done, total)
        self.show(force=done >= total)

    def show(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < (0.2 if self.tty else 2.0):
            return
        self.last = now
        line = (f"replayed {self.replayed[0]:,}/{self.replayed[1]:,} lines"
                f" | worker processed {self.stored[0]:,}/{self.stored[1]:,} records")
        self.stream.write(("\r" + line) if self.tty else line + "\n")
        self.stream.flush()

    def end(self) -> None:
        if self.tty:
            self.stream.write("\n")


def run_pipeline(settings: Settings, input_path: Path, *, order: str = "time", speed: float = 0.0,
                 err: TextIO = sys.stderr, timeout: float = 3600.0, serve=None,
                 on_served: Callable[[RunResult], None] | None = None) -> RunResult:
    """With `serve` (a web.server.Address), worker 1 also serves the dashboard and the SQL
    endpoint; once every record is processed, on_served(result) runs and the pipeline
    keeps running until interrupted."""
    started = time.monotonic()
    lines = arrange(read_input(input_path), order)
    if "://" in settings.clickhouse:  # a bad URL, password or port: one line now, not from the worker later
        from cluetrain.sinks.backends import open_backend

        open_backend(settings.clickhouse, settings.database).close()
    progress = Progress(err)
    with contextlib.ExitStack() as stack:
        if settings.embedded_clickhouse:
            stack.enter_context(processes.DirLock(Path(settings.clickhouse)))
        broker_url = settings.broker
        if not broker_url:
            broker_url = stack.enter_context(EmbeddedBroker(Path(settings.log_dir))).url
            if settings.broker_profile == "auto":  # the worker must know the broker is Tansu
                settings = settings.replace(broker_profile="local")
        ensure_topics(settings, broker_url)
        serving = ("--dashboard", *serve.as_args()) if serve else ()
        workers = [WorkerProcess(settings, broker_url, n, serving if n == 1 else ()).start()
                   for n in range(1, settings.workers + 1)]
        stack.push(lambda exc_type, *_: stop_workers(workers, exc_type))
        with Replayer(settings, broker_url) as replayer:
            result = replayer.replay(lines, speed=speed, progress=progress.on_replay)
        progress.on_replay(len(lines), len(lines))
        state_progress = StateProgress(settings, broker_url)
        stack.callback(state_progress.close)
        wait_until_processed(state_progress, result.end_offsets, workers=workers, timeout=timeout,
                             on_progress=progress.on_store)
        progress.end()
        if serve is not None:
            processes.wait_for_port(serve.host, serve.port, timeout=30, proc=workers[0].proc, what="the worker")
            on_served(RunResult(result, len(lines), time.monotonic() - started))
            while True:  # serving until interrupted; a dead worker ends the run
                for worker in workers:
                    worker.check_alive()
                time.sleep(0.5)
        for worker in workers:
            code = worker.stop()
            if code not in (0, None):
                raise processes.ProcessError(f"the worker exited with code {code} (log: {worker.log_path})")
    return RunResult(result, len(lines), time.monotonic() - started)
