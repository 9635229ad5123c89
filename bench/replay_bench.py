"""The replay producer alone, timed as bench/run.py's part (e) times it.

    .venv/bin/python bench/replay_bench.py                     # 500k events, like part (e)
    .venv/bin/python bench/replay_bench.py --events 100000 --profile /tmp/replay.prof
    .venv/bin/python bench/replay_bench.py --events 50000 --verify

Generates the events (cluetrain.sources.generate, same seed / brands / order defaults
as bench/run.py), parses them with replay.parse_line (not timed, as in part e), starts
an EmbeddedBroker, creates the topics and times `Replayer.replay(lines)` (speed 0):
events / ReplayResult.seconds, the number part (e) reports.

--profile PATH  runs the replay under cProfile, prints the top functions and a
                breakdown (encode / headers / producer / replay loop), saves PATH.
--ref REV       also times cluetrain/sources/replay.py as committed in REV (git show),
                alternating with the working tree's, run by run: before/after on the
                same machine state (the machine is shared and noisy).
--verify        reads every record back (confluent-kafka consumer) and checks it
                against the input: topic, partition (murmur2 of the key, as the Java
                client and kafka-python choose it), key, headers, value, and that
                end_offsets equal the topics' end offsets.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402

from cluetrain.settings import Settings  # noqa: E402
from cluetrain.sources.generate import generate  # noqa: E402
from cluetrain.kafka.admin import ensure_topics  # noqa: E402
from cluetrain.kafka.tansu import EmbeddedBroker  # noqa: E402
from cluetrain.codec import wire as codec, headers as records  # noqa: E402
from cluetrain.sources.replay import Replayer, arrange, parse_line  # noqa: E402


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _cpu_s(pid: int) -> float:
    """user + system CPU seconds of a process (/proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def make_lines(n: int, seed: int, brands: int, order: str):
    t = time.perf_counter()
    events = generate(seed, n, brands=brands)
    lines = arrange([parse_line(i, orjson.dumps(e)) for i, e in enumerate(events)], order)
    log(f"generated and parsed {len(lines):,} lines in {time.perf_counter() - t:.1f} s (not timed)")
    return lines


# cProfile functions -> the stage they belong to (first match on "file:function")
STAGES = [
    ("Avro encode (EventEncoder / codec.encode_event)", (
        "event_encoder.py", "wire.py:encode_event", "framing.py",
        "fastavro", "<method 'encode' of 'str'", "<method 'join' of 'bytes'", "<method 'get' of 'dict'")),
    ("headers (records.event_headers / tick_headers)", ("cluetrain/codec/headers.py",)),
    ("producer (produce, delivery reports, poll/flush)", (
        "producer.py", "kafka/", "cimpl", "<method 'topic' of", "<method 'partition' of", "<method 'offset' of")),
]


def breakdown(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Self time grouped by stage; everything else is the replay loop itself."""
    totals: dict[str, float] = {}
    for (file, _line, func), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():
        key = f"{file}:{func}"
        stage = next((name for name, pats in STAGES if any(p in key for p in pats)),
                     "replay loop (send_line / emit / _send, Python)")
        totals[stage] = totals.get(stage, 0.0) + tt
    return sorted(totals.items(), key=lambda kv: -kv[1])


def verify(settings: Settings, bootstrap: str, lines, result) -> None:
    """Every record read back equals what the input says it should be."""
    from confluent_kafka import Consumer, TopicPartition
    from kafka.partitioner.default import murmur2

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "replay-bench-verify", "enable.auto.commit": False,
                  "auto.offset.reset": "earliest"})
    got: dict[tuple[str, int], list] = {}
    # not the broker's end offsets: Tansu's list-offsets is wrong for multi-record
    # batches (local_profile.py), so read up to end_offsets and check nothing follows
    tps = [(t, p) for t in settings.input_topics for p in range(settings.partitions)]
    assert set(result.end_offsets) == set(tps), f"end_offsets for {sorted(result.end_offsets)}"
    c.assign([TopicPartition(t, p, 0) for (t, p) in tps])
    total = sum(result.end_offsets.values())
    n = 0
    deadline = time.monotonic() + 120
    quiet = None
    while time.monotonic() < deadline:
        batch = c.consume(10_000, timeout=1.0)
        for m in batch:
            if m.error():
                raise RuntimeError(m.error())
            got.setdefault((m.topic(), m.partition()), []).append(m)
            n += 1
        if n >= total and not batch:
            quiet = quiet or time.monotonic()
            if time.monotonic() - quiet > 2:  # nothing beyond the end offsets
                break
    c.close()
    assert n == total, f"read {n} of {total} records"
    assert {tp: len(m) for tp, m in got.items()} == result.end_offsets
    ticks = 0
    events = {}
    for (topic, p), msgs in got.items():
        assert [m.offset() for m in msgs] == list(range(len(msgs)))
        for m in msgs:
            headers = records.normalize_headers(m.headers())
            clock_ms, is_tick, _, content_type = records.header_values(headers)
            if is_tick:
                ticks += 1
                assert m.value() in (b"",), f"tick value {m.value()!r}"
                assert m.key() is None
                continue
            if m.key() is not None:
                assert (murmur2(m.key()) & 0x7FFFFFFF) % settings.partitions == p, (m.key(), p)
            if content_type is None:
                ev = codec.decode_event(m.value(), topic_kind="mention" if topic == settings.topic_mentions else "reply",
                                        content_type=None, clock_ms=None, max_future_s=10**9, max_text_bytes=10**9)
                assert m.key() == ev.brand.encode()
                assert m.value() == codec.encode_event(ev), "not the bytes of codec.encode_event"
                events[ev.event_id] = (ev, clock_ms)
    assert ticks == result.ticks, (ticks, result.ticks)
    # the clock of each event = max created_at of the valid events sent up to it
    clock = None
    expected = {}
    for line in lines:
        if line.event is not None:
            clock = line.event.created_at_ms if clock is None else max(clock, line.event.created_at_ms)
            expected[line.event.event_id] = (line.event, clock)
    assert events == expected, "events or their clocks differ"
    log(f"verify: {total:,} records, {len(events):,} events, {ticks:,} ticks: OK")


def load_ref(rev: str):
    """replay.py of a git revision as a module (its imports resolve to the working tree)."""
    import subprocess
    import types

    source = subprocess.run(["git", "show", f"{rev}:cluetrain/sources/replay.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    module = types.ModuleType(f"replay_{rev}")
    module.__file__ = f"<{rev}:cluetrain/sources/replay.py>"
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=500_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--brands", type=int, default=20)
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--order", choices=("file", "time"), default="file")
    ap.add_argument("--repeat", type=int, default=1, help="replays, each into fresh topics")
    ap.add_argument("--profile", metavar="PATH", default=None, help="cProfile the replay; save the stats here")
    ap.add_argument("--verify", action="store_true", help="read the records back and check them")
    ap.add_argument("--ref", metavar="REV", default=None, help="alternate with replay.py of REV (e.g. HEAD)")
    args = ap.parse_args(argv)
    variants = [("working tree", Replayer)]
    if args.ref:
        variants.insert(0, (args.ref, load_ref(args.ref).Replayer))

    lines = make_lines(args.events, args.seed, args.brands, args.order)
    tmp = Path(tempfile.mkdtemp(prefix="cluetrain-replay-bench-"))
    broker = EmbeddedBroker(tmp / "logs").start()
    rates: dict[str, list[float]] = {name: [] for name, _ in variants}
    try:
        for run in range(args.repeat * len(variants)):
            name, replayer_class = variants[run % len(variants)]
            suffix = f"_{run}" if run else ""
            settings = Settings.from_env({}, broker=broker.url, broker_profile="local", partitions=args.partitions,
                                         log_dir=str(tmp / "logs"), topic_mentions=f"mentions{suffix}",
                                         topic_replies=f"replies{suffix}", topic_alerts=f"alerts{suffix}",
                                         topic_dead_letters=f"dead_letters{suffix}")
            ensure_topics(settings, broker.url)
            profiler = cProfile.Profile() if args.profile else None
            with replayer_class(settings, broker.url) as replayer:
                cpu0, broker_cpu0 = time.process_time(), _cpu_s(broker.proc.pid)
                if profiler:
                    profiler.enable()
                result = replayer.replay(lines)
                if profiler:
                    profiler.disable()
                cpu, broker_cpu = time.process_time() - cpu0, _cpu_s(broker.proc.pid) - broker_cpu0
            eps = result.events / result.seconds
            rates[name].append(eps)
            log(f"run {run + 1} ({name}): {result.events:,} events + {result.raw_lines:,} raw + {result.ticks:,} "
                f"ticks -> {sum(result.end_offsets.values()):,} records in {result.seconds:.2f} s: {eps:,.0f} events/s")
            log(f"  CPU (noise-proof): this process {cpu:.2f} s = {cpu / result.events * 1e6:.1f} us/event "
                f"(all threads, librdkafka's included), Tansu {broker_cpu:.2f} s; "
                f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
            if profiler:
                profiler.dump_stats(f"{args.profile}.{run}" if len(variants) > 1 else args.profile)
                stats = pstats.Stats(profiler)
                total = sum(tt for (_cc, _nc, tt, _ct, _c) in stats.stats.values())
                print("\nbreakdown (self time under cProfile, which inflates Python-call-heavy code):")
                for stage, tt in breakdown(stats):
                    print(f"  {stage:<62} {tt:7.2f} s  {100 * tt / total:5.1f} %")
                print()
                stats.sort_stats("tottime").print_stats(18)
            if args.verify:
                verify(settings, broker.bootstrap, lines, result)
        for name, values in rates.items():
            if len(values) > 1:
                log(f"{name}: best {max(values):,.0f}, median {sorted(values)[len(values) // 2]:,.0f}, "
                    f"worst {min(values):,.0f} events/s over {len(values)} runs")
    finally:
        broker.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
