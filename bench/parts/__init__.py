"""The parts of bench/run.py, one module each, in the order they run. Each is a
`run(bench)` that adds its results to the shared Bench (bench/harness.py)."""
from __future__ import annotations

from bench.parts import (
    end_to_end, faust_engine, latency, naive_faust, profile, quix, quix_job, raw_consume, replay, scaling,
)

PARTS = {
    "e": replay.run,        # the replay producer; always runs: it fills the topics every other part reads
    "a": raw_consume.run,   # raw consume, the ceiling (and a' on kafka-python)
    "b": naive_faust.run,   # naive Faust, the floor
    "c": end_to_end.run,    # cluetrain worker end to end -> chdb
    "f": faust_engine.run,  # the worker with the Faust engine
    "s": scaling.run,       # 1 then 2 workers -> clickhouse-server
    "d": quix.run,          # Quix Streams, the peer: the bare per-brand minute count
    "g": quix_job.run,      # Quix Streams running cluetrain's job: the fair peer
    "l": latency.run,       # event-to-queryable latency at steady rates
    "p": profile.run,       # (c) under py-spy
}
ALL_PARTS = tuple(PARTS)


def select_parts(only: str) -> list[str]:
    """`--only a,c,d` -> the parts in running order; ValueError names unknown ones."""
    chosen = {p.strip().lower() for p in only.split(",") if p.strip()}
    unknown = sorted(chosen - set(ALL_PARTS))
    if unknown:
        raise ValueError(f"unknown part(s) {unknown}: choose among {','.join(ALL_PARTS)}")
    return [p for p in ALL_PARTS if p in chosen]
