"""Throughput of PipelineProcessor.process alone (no Kafka, no ClickHouse): records/s.

    .venv/bin/python bench/processor_bench.py [--events N] [--seed S] [--rounds R]
                                              [--no-cache] [--compare] [--no-gc-pause] [--no-freeze]
                                              [--profile [--profile-out FILE]] [--policies FILE]

Generates N events (cluetrain.sources.generate), replays them into the in-memory broker
of the agent tests (cluetrain/sources/replay.replay_to_memory: the real Replayer,
so the same RawRecords, headers and ticks a worker consumes), then feeds every record,
4 partitions, in batches of 1000 to a fresh PipelineProcessor per round. Only
process() is timed. A batch holds the records of one partition, both topics merged in
source-clock order, partitions taken round robin (as a consumer cycles through them).

Prints records/s per CPU second of process() (best of R rounds) and a digest of every
output (every field of each BatchOutput): equal digests = identical results, also across
versions of the code whose BatchOutput has the same fields. --no-cache turns the
per-text caches off (sentiment, language, template keys); --compare runs without and
with them, alternating, and checks that the digests agree. --no-gc-pause measures the
processor without its garbage-collector pause. --profile adds a cProfile top 20. Garbage
collections that run outside process() are charged to it (see GcOutside), and the
prepared input is frozen out of the collector (gc.freeze: a worker holds no such heap)
unless --no-freeze. --policies FILE runs each round without and with that SLA policy
file (CLUETRAIN_POLICIES), alternating, and prints the ratio: the cost of business-hours
deadlines and priorities on the same records. --state-interval S runs each round with the
state in every batch and with it once per S seconds of a clock that moves --batch-ms per
batch (default 100: 1000 records in 0.1 s), alternating, timing process() and the state's
encoding (state/changelog.encode_save, as the worker sends it): the outputs other than
the state must be identical, and so must the image of the saved state at the end."""
from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson  # noqa: E402

from cluetrain.settings import Settings  # noqa: E402
from cluetrain.sources.generate import generate  # noqa: E402
from cluetrain.processing import processor as pipeline  # noqa: E402
from cluetrain.sources.replay import replay_to_memory  # noqa: E402
from cluetrain.codec.headers import header_values  # noqa: E402

BATCH = 1000
PARTITIONS = 4
NOW_MS = 1_700_000_000_000


def build_batches(settings: Settings, events: int, seed: int) -> list[list]:
    lines = [orjson.dumps(r) for r in generate(seed, events)]
    broker = replay_to_memory(settings, lines)
    per_partition = []
    for p in range(settings.partitions):
        merged = [r for t in settings.input_topics for r in broker.records(t, p)]
        merged.sort(key=lambda r: (header_values(r.headers)[0] or 0, r.topic, r.offset))  # stable per topic
        per_partition.append([merged[i:i + BATCH] for i in range(0, len(merged), BATCH)])
    batches = []
    for i in range(max(len(b) for b in per_partition)):
        batches += [b[i] for b in per_partition if i < len(b)]
    offsets: dict[tuple[str, int], list[int]] = {}
    for batch in batches:
        for r in batch:
            offsets.setdefault((r.topic, r.partition), []).append(r.offset)
    assert all(o == list(range(len(o))) for o in offsets.values()), "records out of offset order"
    return batches


def set_caches(enabled: bool) -> None:
    """Per-text caches on/off, where this version of the code has them."""
    toggle = getattr(pipeline, "set_text_caches", None)
    if toggle is not None:
        toggle(enabled)
    elif not enabled:
        print("(this version has no cache switch: --no-cache ignored)", file=sys.stderr)


def clear_caches() -> None:
    """Start each round cold, so rounds are comparable (lru caches of the domain modules)."""
    from cluetrain.text import sentiment, voice
    for fn in (getattr(sentiment, "_cached", None), getattr(voice, "_shingle_hashes", None)):
        if fn is not None and hasattr(fn, "cache_clear"):
            fn.cache_clear()
    clear = getattr(pipeline, "clear_text_caches", None)
    if clear is not None:
        clear()


class GcOutside:
    """CPU time of the garbage collections that run outside process(): charged to it
    too, since process()'s allocations are what trigger them (a collection deferred
    past its return must not look free)."""

    def __init__(self):
        self.inside = False
        self.seconds = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if self.inside:
            return
        if phase == "start":
            self._start = time.process_time()
        else:
            self.seconds += time.process_time() - self._start


def run(settings: Settings, batches: list[list], profiler: cProfile.Profile | None = None) -> tuple[float, str]:
    """(CPU seconds of process(), digest of all outputs) for one fresh processor.

    CPU time of this process, not wall time: the machine is shared, and a wait for a
    core is no cost of process() (single-threaded here, so the two agree when idle)."""
    clear_caches()
    processor = pipeline.PipelineProcessor(settings)
    digest = hashlib.sha256()
    elapsed = 0.0
    gc.collect()
    outside = GcOutside()
    gc.callbacks.append(outside)
    try:
        for batch in batches:
            if profiler is not None:
                profiler.enable()
            outside.inside = True
            t0 = time.process_time()
            out = processor.process(batch, NOW_MS)
            elapsed += time.process_time() - t0
            outside.inside = False
            if profiler is not None:
                profiler.disable()
            digest.update(repr(out).encode())  # every field of the BatchOutput
            del out
    finally:
        gc.callbacks.remove(outside)
    return elapsed + outside.seconds, digest.hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-cache", action="store_true", help="per-text caches off")
    ap.add_argument("--compare", action="store_true", help="caches off and on, alternating")
    ap.add_argument("--no-gc-pause", action="store_true",
                    help="call the processor without its GC pause (PipelineProcessor._process)")
    ap.add_argument("--no-freeze", action="store_true",
                    help="leave the prepared input in the collector's heap (a bigger heap to scan)")
    ap.add_argument("--profile", action="store_true", help="cProfile top 20 (one extra round)")
    ap.add_argument("--profile-out", help="with --profile: also dump the raw stats to this file")
    ap.add_argument("--policies", help="an SLA policy file: rounds without and with it, alternating")
    ap.add_argument("--state-interval", type=float, metavar="S",
                    help="rounds with the state saved after every batch and once per S s, alternating")
    ap.add_argument("--batch-ms", type=int, default=100, help="with --state-interval: clock step per batch")
    args = ap.parse_args(argv)
    if args.policies and args.compare:
        ap.error("--policies and --compare: one comparison at a time")

    settings = Settings.from_env({}, partitions=PARTITIONS)
    if args.policies:
        return compare_policies(settings, settings.replace(policies=args.policies), args)
    if args.state_interval:
        return compare_state_interval(settings, args)
    if args.no_gc_pause:
        if not hasattr(pipeline.PipelineProcessor, "_process"):
            print("(this version has no GC pause: --no-gc-pause ignored)", file=sys.stderr)
        else:
            pipeline.PipelineProcessor.process = pipeline.PipelineProcessor._process
    t0 = time.perf_counter()
    batches = build_batches(settings, args.events, args.seed)
    records = sum(len(b) for b in batches)
    if not args.no_freeze:
        gc.collect()
        gc.freeze()  # the prepared input is no worker's heap: keep it out of the collections
    print(f"{args.events} events -> {records} records in {len(batches)} batches "
          f"(prepared in {time.perf_counter() - t0:.1f} s)")

    modes = [False, True] if args.compare else [not args.no_cache]
    best: dict[bool, float] = {}
    digests: dict[bool, set] = {}
    for r in range(args.rounds):
        for cached in modes:
            set_caches(cached)
            seconds, digest = run(settings, batches)
            best[cached] = min(best.get(cached, seconds), seconds)
            digests.setdefault(cached, set()).add(digest)
            label = "caches on " if cached else "caches off"
            print(f"round {r + 1} {label}: {records / seconds:,.0f} records/s "
                  f"({seconds * 1e6 / records:.1f} µs/record) digest {digest}")
    for cached in modes:
        label = "caches on " if cached else "caches off"
        print(f"best {label}: {records / best[cached]:,.0f} records/s "
              f"({best[cached] * 1e6 / records:.1f} µs/record)")
    all_digests = set().union(*digests.values())
    print("digests agree" if len(all_digests) == 1 else f"DIGESTS DIFFER: {digests}")

    if args.profile:
        set_caches(modes[-1])
        profiler = cProfile.Profile()
        run(settings, batches, profiler)
        if args.profile_out:
            profiler.dump_stats(args.profile_out)
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.sort_stats("tottime").print_stats(20)
        stats.sort_stats("cumulative").print_stats(20)
        print(stream.getvalue())
    return 0 if len(all_digests) == 1 else 1


def compare_policies(without: Settings, with_file: Settings, args) -> int:
    """Best records/s of each, on the same batches; each side's digest must not vary."""
    batches = build_batches(without, args.events, args.seed)
    records = sum(len(b) for b in batches)
    if not args.no_freeze:
        gc.collect()
        gc.freeze()
    set_caches(not args.no_cache)
    sides = {"without a policy file": without, f"with {args.policies}": with_file}
    best: dict[str, float] = {}
    digests: dict[str, set] = {}
    for r in range(args.rounds):
        for label, settings in sides.items():
            seconds, digest = run(settings, batches)
            best[label] = min(best.get(label, seconds), seconds)
            digests.setdefault(label, set()).add(digest)
            print(f"round {r + 1} {label}: {records / seconds:,.0f} records/s digest {digest}")
    for label in sides:
        print(f"best {label}: {records / best[label]:,.0f} records/s ({best[label] * 1e6 / records:.1f} µs/record)")
    slow, fast = best[f"with {args.policies}"], best["without a policy file"]
    print(f"with / without: {fast / slow:.3f} of the throughput ({records} records)")
    stable = all(len(d) == 1 for d in digests.values())
    print("each side's digests agree" if stable else f"DIGESTS VARY: {digests}")
    return 0 if stable else 1



def run_saving(settings: Settings, batches: list[list], interval_s: float, batch_ms: int) -> tuple[float, str, str, int]:
    """(CPU s of process() + encode_save, digest of the outputs but the state, digest of
    the saved image at the end, state records encoded) for one fresh processor. The image
    is what a recovery reads: the latest record per key, contributions to windows final
    under the last meta left out (restore drops them; when they were pruned varies)."""
    from cluetrain.domain.brand_alerts import BASELINE, HOUR
    from cluetrain.state.changelog import encode_save

    clear_caches()
    processor = pipeline.PipelineProcessor(settings, state_interval_s=interval_s)
    outputs, image, metas, saved, elapsed = hashlib.sha256(), {}, {}, 0, 0.0
    gc.collect()

    def keep(state: dict) -> None:
        for p, (records, meta) in state.items():
            image.update({(p, key): record for key, record in records.items()})
            metas[p] = meta if meta is not None else metas.get(p)

    for i, batch in enumerate(batches):
        t0 = time.process_time()
        out = processor.process(batch, NOW_MS + i * batch_ms)
        saved += sum(len(encode_save(p, records, meta)) for p, (records, meta) in out.state.items())
        elapsed += time.process_time() - t0
        keep(out.state)
        out.state = {}
        outputs.update(repr(out).encode())
    end = processor.checkpoint(NOW_MS + len(batches) * batch_ms, force=True)
    keep(end.state if end else {})
    for (p, _), record in image.items():  # what restore forgets (PartitionState.restore, BrandMonitor.loaded)
        horizon = metas[p]["horizon_s"]
        if record and record.get("contrib"):
            record["contrib"] = [c for c in record["contrib"] if c[0] >= horizon]
        if record and "hour" in record:
            record["minutes"] = [m for m in record["minutes"] if m[0] >= horizon - HOUR - BASELINE - 60]
    picture = orjson.dumps(sorted((repr(k), v) for k, v in image.items()), option=orjson.OPT_SORT_KEYS)
    picture += orjson.dumps(metas, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return elapsed, outputs.hexdigest()[:16], hashlib.sha256(picture).hexdigest()[:16], saved


def compare_state_interval(settings: Settings, args) -> int:
    """Best records/s with the state in every batch and once per interval, same batches."""
    batches = build_batches(settings, args.events, args.seed)
    records = sum(len(b) for b in batches)
    if not args.no_freeze:
        gc.collect()
        gc.freeze()
    set_caches(not args.no_cache)
    sides = {"state after every batch": 0.0, f"state once per {args.state_interval:g} s": args.state_interval}
    best: dict[str, float] = {}
    digests: set = set()
    for r in range(args.rounds):
        for label, interval in sides.items():
            seconds, outputs, image, saved = run_saving(settings, batches, interval, args.batch_ms)
            best[label] = min(best.get(label, seconds), seconds)
            digests.add((outputs, image))
            print(f"round {r + 1} {label}: {records / seconds:,.0f} records/s, {saved / args.events:.2f} state "
                  f"records per event, outputs {outputs}, saved image {image}")
    for label in sides:
        print(f"best {label}: {records / best[label]:,.0f} records/s ({best[label] * 1e6 / records:.1f} µs/record)")
    slow, fast = best["state after every batch"], best[list(sides)[1]]
    print(f"once per interval / every batch: {slow / fast:.3f}x the throughput ({records} records, "
          f"{args.batch_ms} ms per batch of {BATCH})")
    print("outputs and saved image identical" if len(digests) == 1 else f"DIGESTS DIFFER: {digests}")
    return 0 if len(digests) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
