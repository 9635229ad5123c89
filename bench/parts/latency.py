"""(l) Latency: event-to-queryable p50/p99 at steady rates (`--latency-rate`, lowest
first), each phase followed by a drain, on one worker.

Events are stamped created_at = now; a clickhouse-server (cluetrain/runtime/
clickhouse_server.py) is polled every --latency-poll-s for max(source_offset) per
partition of the raw tables; without a server, StateProgress is used instead."""
from __future__ import annotations

import dataclasses
import threading
import time

import orjson

from bench.benchlib import percentile, visibility_latencies
from bench.harness import Bench, generated_events, log, tail
from cluetrain.cli.run import WorkerProcess
from cluetrain.kafka.admin import ensure_topics
from cluetrain.state.progress import StateProgress
from cluetrain.runtime.clickhouse_server import ClickHouseServer, ClickHouseServerError, find_binary
from cluetrain.sinks.backends import open_backend
from cluetrain.kafka.clients import Producer
from cluetrain.kafka.config import kafka_python_producer_config
from cluetrain.sources.replay import InputLine, Replayer, parse_line

RAW_TABLES = ("mentions", "replies")
SERVER_MODE = ("queryable in clickhouse-server (max(source_offset) per partition of the raw tables, "
               "written in the same flush as the windows)")
PROGRESS_MODE = ("covered by StateProgress (chdb allows no second reader; a batch's rows are flushed before "
                 "its state is saved)")


def raw_table_of(settings) -> dict[str, str]:
    """Input topic -> the raw table its events land in."""
    return {settings.topic_mentions: "mentions", settings.topic_replies: "replies"}


def latency_rates(spec: str, c_eps_steady: float | None) -> list[int]:
    """--latency-rate: a comma list of events/s; 'auto' = half of (c)'s steady rate
    (a rate the worker sustains), or 1,000 when (c) did not run. Lowest first: the
    saturating phase must come last."""
    rates = []
    for item in str(spec).split(","):
        item = item.strip().lower()
        if item == "auto":
            rates.append(max(100, int(round(c_eps_steady / 2, -2))) if c_eps_steady else 1000)
        elif item:
            rates.append(int(item))
    return sorted(set(rates))


def phase_summary(rate: int, achieved: float, seconds: float, sent: list, polls: list, t_end: float,
                  drain_s: float) -> dict:
    """Percentiles of a phase; an event never seen counts as (end of the drain - sent): a lower bound."""
    latencies, unseen = visibility_latencies(polls, sent)
    ms = [x * 1000 for x in latencies] + [(t_end - t) * 1000 for t in unseen]
    return {"rate": rate, "achieved_rate": achieved, "seconds": seconds, "events": len(sent),
            "unseen": len(unseen), "censored": bool(unseen), "p50_ms": percentile(ms, 50),
            "p90_ms": percentile(ms, 90), "p99_ms": percentile(ms, 99), "max_ms": max(ms), "drain_s": drain_s}


def run(bench: Bench) -> None:
    c = bench.results.get("c")
    rates = latency_rates(bench.args.latency_rate, c.eps_steady if c is not None else None)
    seconds = bench.args.latency_seconds
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
        with bench.measured("l"):
            bench.latency = LatencyRun(bench, server).measure(rates, seconds)
    finally:
        if server is not None:
            server.stop()
    for ph in bench.latency["phases"]:
        log(f"(l) {ph['rate']:,}/s: p50 {ph['p50_ms']:,.0f} ms, p99 {'>= ' if ph['censored'] else ''}"
            f"{ph['p99_ms']:,.0f} ms")


class TimedProducer(Producer):
    """A kafka-python producer (a future per record: each event's offset) that records the
    send time of every event record (ticks have no value)."""

    def __init__(self, broker_url: str):
        from kafka import KafkaProducer

        self.inner, self.sent = KafkaProducer(**kafka_python_producer_config(broker_url)), []
        self.end_offsets: dict[tuple[str, int], int] = {}
        self.unflushed: list = []

    def send(self, topic, value=None, key=None, headers=None, partition=None) -> None:
        fut = self.inner.send(topic, value=value, key=key, headers=headers, partition=partition)
        self.unflushed.append(fut)
        if value:
            self.sent.append((fut, time.time()))

    def flush(self, timeout=None) -> None:
        self.inner.flush(timeout)
        for fut in self.unflushed:
            md = fut.get(timeout=30)
            self.end_offsets[(md.topic, md.partition)] = max(self.end_offsets.get((md.topic, md.partition), 0),
                                                             md.offset + 1)
        self.unflushed.clear()

    def close(self, timeout=None) -> None:
        self.inner.close(timeout)


class VisibilityPoller(threading.Thread):
    """Polls what the worker has made visible: {(table, partition): max offset}."""

    def __init__(self, settings, server, broker_url: str, poll_s: float):
        super().__init__(daemon=True)
        self.settings, self.server, self.poll_s = settings, server, poll_s
        self.table_of = raw_table_of(settings)
        self.progress = StateProgress(settings, broker_url) if server is None else None
        self.backend = None
        self.polls: list[tuple[float, dict]] = []
        self.stopping = threading.Event()

    def maxima(self) -> dict:
        if self.progress is not None:  # next offset to process -> last processed offset
            return {(self.table_of[tp[0]], tp[1]): o - 1 for tp, o in self.progress.poll().items()}
        if self.backend is None:
            self.backend = open_backend(self.settings.clickhouse, self.settings.database)
        out = {}
        for table in RAW_TABLES:
            _, rows = self.backend.query(f"SELECT source_partition, max(source_offset) FROM "
                                         f"{self.settings.database}.{table} GROUP BY source_partition")
            out.update({(table, int(p)): int(o) for p, o in rows})
        return out

    def run(self) -> None:
        while not self.stopping.is_set():
            t = time.time()
            try:
                self.polls.append((t, self.maxima()))
            except Exception:  # noqa: BLE001 - the database or tables may not exist yet
                self.backend = None  # reconnect on the next poll
                time.sleep(0.2)
            time.sleep(max(0.0, self.poll_s - (time.time() - t)))

    def stop(self) -> None:
        self.stopping.set()
        self.join(5)
        if self.backend is not None:
            self.backend.close()
        if self.progress is not None:
            self.progress.close()

    def saw_anything(self) -> bool:
        return bool(self.polls) and any(self.polls[-1][1].values())


class LatencyRun:
    """One worker on topics of its own; events sent at steady rates, their visibility polled."""

    def __init__(self, bench: Bench, server):
        self.bench, self.args, self.server = bench, bench.args, server
        self.settings = bench.base_settings(
            app_id="bench-lat", topic_mentions="lat_mentions", topic_replies="lat_replies",
            topic_alerts="lat_alerts", topic_dead_letters="lat_dead_letters",
            clickhouse=server.url_for("cluetrain_lat") if server else str(bench.dir / "chdb-lat"),
            database="cluetrain_lat")
        self.table_of = raw_table_of(self.settings)
        self.template: list[InputLine] = []
        self.producer = self.replayer = self.worker = self.poller = None
        self.rss: list[int] = []
        self.counter = 0

    def measure(self, rates: list[int], seconds: float) -> dict:
        import psutil

        ensure_topics(self.settings, self.bench.broker.url)
        gen = generated_events(self.args.seed + 1, int(sum(rates) * seconds) + 2_000, self.args.brands)
        self.template = [l for l in (parse_line(i, orjson.dumps(e)) for i, e in enumerate(gen))
                         if l.event is not None]
        self.producer = TimedProducer(self.bench.broker.url)
        self.replayer = Replayer(self.settings, producer=self.producer)
        self.worker = WorkerProcess(self.settings, self.bench.broker.url).start()
        wproc = psutil.Process(self.worker.proc.pid)
        self.poller = VisibilityPoller(self.settings, self.server, self.bench.broker.url, self.args.latency_poll_s)
        self.poller.start()
        try:
            self.warm_up()
            phases = [self.phase(rate, seconds, wproc) for rate in rates]
        finally:
            self.poller.stop()
            self.replayer.close()
            self.worker.stop()
        return {"mode": SERVER_MODE if self.server else PROGRESS_MODE, "phases": phases,
                "poll_s": self.args.latency_poll_s, "polls": len(self.poller.polls),
                "rss_peak_mb": max(self.rss) / 2**20 if self.rss else None,
                "backend": "clickhouse-server" if self.server else "embedded chdb"}

    def send(self) -> None:
        i = self.counter
        self.counter += 1
        line = self.template[i % len(self.template)]
        event = dataclasses.replace(line.event, created_at_ms=int(time.time() * 1000))
        self.replayer.send_line(InputLine(i, b"", event, line.kind_hint, line.brand_hint))

    def warm_up(self) -> None:
        """One event every 100 ms until the worker has joined and written one."""
        deadline = time.monotonic() + 120
        while not self.poller.saw_anything():
            self.send()
            self.producer.flush()
            time.sleep(0.1)
            self.worker.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"(l) the worker wrote nothing in 120 s: {tail(self.worker.log_path)}")

    def phase(self, rate: int, seconds: float, wproc) -> dict:
        first = len(self.producer.sent)
        achieved = self.send_steadily(rate, seconds, wproc)
        self.producer.flush()
        sent = self.resolve(first, len(self.producer.sent))
        drain_started = time.monotonic()
        self.drain(sent, wproc)
        return phase_summary(rate, achieved, seconds, sent, list(self.poller.polls), time.time(),
                             time.monotonic() - drain_started)

    def send_steadily(self, rate: int, seconds: float, wproc) -> float:
        """`rate` events a second for `seconds`, sent in 10 ms slices; returns the rate achieved."""
        t0 = time.monotonic()
        sent_n = 0
        next_rss = t0
        while (now := time.monotonic()) - t0 < seconds:
            for _ in range(int((now - t0) * rate) - sent_n):
                self.send()
                sent_n += 1
            if now >= next_rss:
                self.rss.append(wproc.memory_info().rss)
                next_rss = now + 1.0
            time.sleep(max(0.0, 0.01 - (time.monotonic() - now)))
        return sent_n / (time.monotonic() - t0)

    def resolve(self, start: int, end: int) -> list[tuple[str, int, int, float]]:
        """(table, partition, offset, time sent) of the events sent[start:end]."""
        out = []
        for fut, t_sent in self.producer.sent[start:end]:
            md = fut.get(timeout=30)
            out.append((self.table_of[md.topic], md.partition, md.offset, t_sent))
        return out

    def drain(self, sent: list, wproc) -> None:
        """Until every event of the phase is visible, at most --latency-drain-s."""
        deadline = time.monotonic() + self.args.latency_drain_s
        while time.monotonic() < deadline:
            _, unseen = visibility_latencies(list(self.poller.polls), sent)
            if not unseen:
                return
            self.worker.check_alive()
            self.rss.append(wproc.memory_info().rss)
            time.sleep(0.25)
