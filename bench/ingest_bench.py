"""Live ingest: lines per second and end-to-end latency, before (a flush per line, as
`LiveSource.send_live` still does for the connectors) and after (`LiveSource.run`, the
path of `cluetrain ingest`: no wait per line, LINGER_MS), in one run on the embedded
Tansu broker; then the real `cluetrain ingest -` reading a pipe.

Latency = from the moment a line is handed to the source to the moment a consumer of
the topic (fetch.wait.max.ms 5) receives it, for probe lines sent alone at 20/s and,
in the batched run, every 2,000th line under full load. Ticks: the gaps between the
ticks the consumer receives on one partition while the batched run is at full speed.

    .venv/bin/python bench/ingest_bench.py [--lines 200000] [--before-lines 3000]
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchlib import percentile  # noqa: E402
from bench.machine import machine_info  # noqa: E402
from cluetrain.kafka.admin import ensure_topics  # noqa: E402
from cluetrain.kafka.config import bootstrap_servers  # noqa: E402
from cluetrain.kafka.tansu import EmbeddedBroker  # noqa: E402
from cluetrain.settings import Settings  # noqa: E402
from cluetrain.sources.generate import generate  # noqa: E402
from cluetrain.sources.live import LINGER_MS, LiveSource  # noqa: E402
from cluetrain.sources.replay import parse_line  # noqa: E402

PROBE = re.compile(rb"probe-[a-z]+-\d+")


class Watcher:
    """A consumer of both input topics: when each probe line arrived, and the ticks of partition 0."""

    def __init__(self, settings: Settings):
        from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

        self.consumer = Consumer({"bootstrap.servers": bootstrap_servers(settings.broker), "group.id": "bench-ingest",
                                  "enable.auto.commit": False, "fetch.wait.max.ms": 5, "fetch.min.bytes": 1})
        self.consumer.assign([TopicPartition(t, p, OFFSET_BEGINNING) for t in settings.input_topics
                              for p in range(settings.partitions)])
        self.tick_topic = settings.topic_mentions
        self.arrived: dict[bytes, float] = {}
        self.ticks: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            for msg in self.consumer.consume(num_messages=10_000, timeout=0.05):
                if msg.error():
                    continue
                now = time.perf_counter()
                if not msg.value():
                    if msg.topic() == self.tick_topic and msg.partition() == 0:
                        self.ticks.append(now)
                    continue
                found = PROBE.search(msg.value())
                if found:
                    self.arrived.setdefault(found.group(), now)
        self.consumer.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()

    def latencies(self, sent: dict[bytes, float], timeout_s: float = 10) -> list[float]:
        deadline = time.monotonic() + timeout_s
        while any(k not in self.arrived for k in sent) and time.monotonic() < deadline:
            time.sleep(0.05)
        missing = [k for k in sent if k not in self.arrived]
        if missing:
            raise SystemExit(f"ingest bench: {len(missing)} probe lines never arrived")
        return [self.arrived[k] - t for k, t in sent.items()]


def probe_line(run: str, i: int) -> bytes:
    return orjson.dumps({"kind": "mention", "event_id": f"probe-{run}-{i}", "conversation_id": f"probe-{run}-{i}",
                         "in_reply_to": None, "brand": "probebrand", "author_id": "c", "author_role": "customer",
                         "author_followers": 1, "text": "hello", "lang": "en",
                         "created_at": "2026-01-05T10:00:00Z"})


def paced_probes(run: str, sent: dict, n: int = 40, every_s: float = 0.05):
    for i in range(n):
        time.sleep(every_s)
        line = probe_line(run, i)
        sent[PROBE.search(line).group()] = time.perf_counter()
        yield line


def before(settings: Settings, lines: list[bytes], watcher: Watcher) -> dict:
    with LiveSource(settings, settings.broker).start_ticking() as source:
        started = time.perf_counter()
        for i, raw in enumerate(lines):
            source.send_live(parse_line(i, raw))
        seconds = time.perf_counter() - started
        sent: dict = {}
        for raw in paced_probes("before", sent):
            source.send_live(parse_line(0, raw))
    return {"rate": len(lines) / seconds, "latency": watcher.latencies(sent)}


def after(settings: Settings, lines: list[bytes], watcher: Watcher) -> dict:
    loaded: dict = {}

    def with_probes():
        for i, raw in enumerate(lines):
            if i % 2000 == 0:
                raw = probe_line("load", i)
                loaded[PROBE.search(raw).group()] = time.perf_counter()
            yield raw

    source = LiveSource(settings, settings.broker)
    started = time.perf_counter()
    ticks_before = len(watcher.ticks)
    source.run(with_probes())
    source.close()  # returns once every line is delivered
    seconds = time.perf_counter() - started
    gaps = [b - a for a, b in zip(watcher.ticks[ticks_before:], watcher.ticks[ticks_before + 1:])]
    sent: dict = {}
    source = LiveSource(settings, settings.broker)
    source.run(paced_probes("after", sent))
    source.close()
    return {"rate": len(lines) / seconds, "seconds": seconds, "latency": watcher.latencies(sent),
            "latency_loaded": watcher.latencies(loaded), "tick_gaps": gaps}


def cli(settings: Settings, lines: list[bytes]) -> dict:
    """`cluetrain ingest -` fed by a pipe: its wall time for all lines minus for one (start-up)."""
    env = {"PATH": "/usr/bin:/bin", **settings.to_env()}

    def timed(payload: bytes) -> float:
        started = time.perf_counter()
        proc = subprocess.run([str(ROOT / ".venv/bin/cluetrain"), "ingest", "-"], input=payload, env=env,
                              capture_output=True)
        if proc.returncode != 0:
            raise SystemExit(f"cluetrain ingest failed: {proc.stderr.decode()[-500:]}")
        return time.perf_counter() - started

    one = timed(lines[0] + b"\n")
    every = timed(b"\n".join(lines) + b"\n")
    return {"rate": (len(lines) - 1) / (every - one), "startup_s": one, "total_s": every}


def ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q) * 1000:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--before-lines", type=int, default=3_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS-ingest.md")
    a = parser.parse_args(argv)
    lines = [orjson.dumps(e) for e in generate(3, a.lines)]
    with tempfile.TemporaryDirectory() as tmp, EmbeddedBroker(Path(tmp) / "logs") as broker:
        settings = Settings.from_env({}, broker=broker.url, broker_profile="local", partitions=4)
        ensure_topics(settings, broker.url)
        watcher = Watcher(settings)
        time.sleep(1)
        old = before(settings, lines[:a.before_lines], watcher)
        new = after(settings, lines, watcher)
        stdin = cli(settings, lines)
        watcher.close()
    info = machine_info()
    report = "\n".join([
        "# Live ingest (bench/ingest_bench.py)", "",
        f"{info['date']}, commit {info['commit']}; {info['nproc']} cores ({info['cpu']}), {info['ram_gib']} GiB; "
        f"embedded Tansu, 4 partitions, generated lines (seed 3); linger {LINGER_MS} ms.", "",
        "| | lines/s | latency p50 / p99 (ms), 20 lines/s | under full load p50 / p99 (ms) |",
        "|---|---|---|---|",
        f"| before: a flush per line ({a.before_lines:,} lines) | {old['rate']:,.0f} | "
        f"{ms(old['latency'], 50)} / {ms(old['latency'], 99)} | – |",
        f"| after: `LiveSource.run` ({a.lines:,} lines) | {new['rate']:,.0f} | "
        f"{ms(new['latency'], 50)} / {ms(new['latency'], 99)} | "
        f"{ms(new['latency_loaded'], 50)} / {ms(new['latency_loaded'], 99)} |",
        f"| `cluetrain ingest -` from a pipe ({a.lines:,} lines, start-up {stdin['startup_s']:.1f} s excluded) | "
        f"{stdin['rate']:,.0f} | – | – |", "",
        f"Throughput ratio after / before: **{new['rate'] / old['rate']:.1f}x**. Ticks during the batched run "
        f"({new['seconds']:.1f} s, partition 0 of mentions): {len(new['tick_gaps']) + 1} received, gaps "
        f"{min(new['tick_gaps'], default=0):.2f}–{max(new['tick_gaps'], default=0):.2f} s (one per second).", ""])
    a.out.write_text(report)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
