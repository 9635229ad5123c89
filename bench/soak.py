"""Soak: a live-like stream of many days of event time (bench/soak_stream.py: 2M events
over 60 days by default, customers back in threads 9 days old) through the real
PipelineProcessor, replayed by the real Replayer (clock headers, ticks), with the
state saves encoded as the changelog store encodes them (then dropped: no broker).
Once with the default retention (7 days) and once without eviction (the first
--baseline-days only: its memory grows with every conversation), each in a fresh process; per day of event time: RSS, conversations in memory, in the archive,
evictions and comebacks. Writes bench/RESULTS-soak.md.

    .venv/bin/python bench/soak.py [--days 60] [--events-per-day 35500] [--baseline-days 20]
"""
from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import machine_info  # noqa: E402
from bench.soak_stream import soak_lines  # noqa: E402
from cluetrain.codec.headers import RawRecord, normalize_headers  # noqa: E402
from cluetrain.kafka.clients import Producer  # noqa: E402
from cluetrain.kafka.memory import partition_for  # noqa: E402
from cluetrain.processing.processor import PipelineProcessor  # noqa: E402
from cluetrain.settings import Settings  # noqa: E402
from cluetrain.sources.replay import Replayer, parse_line  # noqa: E402
from cluetrain.state.changelog import encode_save  # noqa: E402

BATCH = 5000  # records per processed batch, as CLUETRAIN_SINK_BATCH_SIZE


class ProcessorFeed(Producer):
    """The Replayer's producer: records go straight to the processor, BATCH at a time."""

    def __init__(self, processor: PipelineProcessor, partitions: int):
        self.processor = processor
        self.partitions = partitions
        self.end_offsets: dict = {}
        self.queued: list[RawRecord] = []
        self.events = self.state_bytes = self.tombstones = self.segments = 0

    def send(self, topic, value=None, key=None, headers=None, partition=None) -> None:
        if partition is None:
            partition = partition_for(key, self.partitions) if key is not None else 0
        offset = self.end_offsets.get((topic, partition), 0)
        self.end_offsets[(topic, partition)] = offset + 1
        self.queued.append(RawRecord(topic, partition, offset, key, value, normalize_headers(headers)))
        if len(self.queued) >= BATCH:
            self.flush()

    def flush(self, timeout: float | None = None) -> None:
        if not self.queued:
            return
        out = self.processor.process(self.queued, now_ms=int(time.time() * 1000))
        self.queued = []
        self.events += out.processed
        for partition, (records, meta) in out.state.items():
            self.tombstones += sum(1 for v in records.values() if v is None)
            self.segments += sum(1 for k in records if k[1].startswith("archive/"))
            self.state_bytes += sum(len(k) + len(v or b"") for k, v in encode_save(partition, records, meta))

    def close(self, timeout: float | None = None) -> None:
        self.flush()


def held(processor: PipelineProcessor) -> tuple[int, int, int, int]:
    """(conversations in memory, in archives, evictions, comebacks) over the partitions."""
    states = processor.partitions.values()
    live = sum(len(by_id) for s in states for by_id in s.conversations.values())
    retentions = [s.retention for s in states if s.retention]
    return (live, sum(len(r.archive) for r in retentions), sum(r.evictions for r in retentions),
            sum(r.revivals for r in retentions))


def run_child(a) -> int:
    settings = Settings.from_env({}, partitions=4, conversation_retention_s=a.retention_days * 86_400)
    processor = PipelineProcessor(settings)
    feed = ProcessorFeed(processor, settings.partitions)
    replayer = Replayer(settings, producer=feed, now_ms=lambda: 4_000_000_000_000)
    started, rows, lines_sent = time.monotonic(), [], 0
    for day, lines in soak_lines(a.days, a.events_per_day):
        for raw in lines:
            replayer.send_line(parse_line(lines_sent, raw))
            lines_sent += 1
        feed.flush()
        del lines
        gc.collect()
        live, archived, evictions, revivals = held(processor)
        rows.append({"day": day + 1, "lines": lines_sent, "rss_mib": psutil.Process().memory_info().rss / 2**20,
                     "live": live, "archived": archived, "evictions": evictions, "revivals": revivals,
                     "wall_s": time.monotonic() - started})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    replayer.finish()
    result = {"rows": rows, "events": feed.events, "lines": lines_sent, "state_mib": feed.state_bytes / 2**20,
              "tombstones": feed.tombstones, "segments": feed.segments, "seconds": time.monotonic() - started}
    a.json.write_text(json.dumps(result))
    return 0


def report(a, runs: dict) -> str:
    info = machine_info()
    kept, plain = runs[a.retention_days], runs[0]
    horizon, last = a.retention_days, a.baseline_days
    after = [r for r in kept["rows"] if r["day"] > horizon + 2] or kept["rows"][-1:]
    same_day = kept["rows"][last - 1]  # the retention run on the baseline's last day
    grown = plain["rows"][-1]["rss_mib"] - plain["rows"][0]["rss_mib"]
    per_conversation = grown * 2**20 / (plain["rows"][-1]["live"] - plain["rows"][0]["live"])
    lines = [
        "# Soak: bounded state (bench/soak.py)", "",
        f"{info['date']}, commit {info['commit']}; {info['nproc']} cores ({info['cpu']}), {info['ram_gib']} GiB, "
        f"Python {info['python']}.", "",
        f"{kept['lines']:,} lines ({kept['events']:,} events processed, the rest duplicates) over {a.days} days of "
        f"event time, {a.events_per_day:,} generated events a day, 150 customers a day back in a thread 9 days "
        f"old (a duplicate of its mention, a new message, sometimes an answer), 4 partitions, one "
        f"PipelineProcessor, batches of {BATCH:,}. Each run in a fresh process.", "",
        f"| | retention {horizon} days ({a.days} days) | no eviction ({last} days) |", "|---|---|---|",
        f"| wall time | {kept['seconds']:.0f} s ({kept['lines'] / kept['seconds']:,.0f} lines/s) | "
        f"{plain['seconds']:.0f} s ({plain['lines'] / plain['seconds']:,.0f} lines/s) |",
        f"| conversations in memory on day {last} | {same_day['live']:,} | {plain['rows'][-1]['live']:,} |",
        f"| RSS on day {last} | {same_day['rss_mib']:.0f} MiB | {plain['rows'][-1]['rss_mib']:.0f} MiB |",
        f"| RSS from day {horizon + 3} to day {a.days} | {min(r['rss_mib'] for r in after):.0f}–"
        f"{max(r['rss_mib'] for r in after):.0f} MiB | grows {per_conversation:,.0f} bytes per conversation |",
        f"| evictions / comebacks from the archive | {kept['rows'][-1]['evictions']:,} / "
        f"{kept['rows'][-1]['revivals']:,} | – |",
        f"| changelog written (encoded saves) | {kept['state_mib']:.0f} MiB, {kept['segments']:,} archive segments, "
        f"{kept['tombstones']:,} tombstones | {plain['state_mib']:.0f} MiB |", "",
        "Per day of event time (end of the day, after a full collection):", "",
        "| day | lines | RSS MiB (retention) | in memory | archived | RSS MiB (no eviction) | in memory |",
        "|---|---|---|---|---|---|---|"]
    for i, k in enumerate(kept["rows"]):
        p = plain["rows"][i] if i < len(plain["rows"]) else None
        baseline = f"{p['rss_mib']:.0f} | {p['live']:,}" if p else "– | –"
        lines.append(f"| {k['day']} | {k['lines']:,} | {k['rss_mib']:.0f} | {k['live']:,} | {k['archived']:,} | "
                     f"{baseline} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--events-per-day", type=int, default=35_500)
    parser.add_argument("--baseline-days", type=int, default=20)
    parser.add_argument("--retention-days", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS-soak.md")
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)  # a child run's result
    a = parser.parse_args(argv)
    if a.json:
        return run_child(a)
    runs = {}
    for retention, days in ((a.retention_days, a.days), (0, a.baseline_days)):
        out = a.out.with_suffix(f".{retention}.json")
        subprocess.run([sys.executable, __file__, "--days", str(days), "--events-per-day", str(a.events_per_day),
                        "--retention-days", str(retention), "--json", str(out)], check=True)
        runs[retention] = json.loads(out.read_text())
        out.unlink()
    text = report(a, runs)
    a.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
