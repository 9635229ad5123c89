"""(c) cluetrain end to end: the real `cluetrain worker` from the topics to raw rows,
turns, reciprocity and sentiment windows in an embedded chdb (temp dir). Timed from
spawn and from the first saved batch; samples the worker's RSS, counts the
conversations in its state changelog, checks the totals of its tables."""
from __future__ import annotations

import time

from bench.benchlib import fmt_rate
from bench.harness import Bench, chdb_query, log
from bench.workers import WorkerRun, run_worker, worker_result
from cluetrain.kafka.admin import state_changelog_topic

MIB = 2**20


def run(bench: Bench) -> None:
    log("(c) cluetrain worker end to end -> chdb")
    settings = bench.settings
    with bench.measured("c"):
        worker = run_worker(bench, "c", settings)
    r = worker_result("c", "cluetrain worker end to end (-> chdb)", worker, bench.input.events)
    r.notes.append(f"steady = from the first saved batch ({r.extra['startup_s']:.1f} s after spawn: "
                   f"start-up + group join + first batch)")
    changelog = changelog_stats(bench, state_changelog_topic(settings))
    r.notes.append(f"state changelog: {changelog['records']:,} records "
                   f"({changelog['records'] / bench.input.events:.2f} per event, mean "
                   f"{changelog['bytes'] / max(1, changelog['records']):,.0f} B), produced in batches: one "
                   f"delivery wait per batch of records")
    conversations = changelog["conversations"]
    totals = table_totals(settings)
    ok = totals["raw"] == bench.input.events and totals["windowed"] == bench.input.events
    r.check = (("same totals" if ok else "DIFFERENT totals") +
               f": raw rows {totals['raw']:,}, window messages {totals['windowed']:,}, "
               f"sentiment messages {totals['scored']:,}, turns {totals['turns']:,} "
               f"({totals['open_turns']:,} open), {conversations:,} conversations in state")
    bench.rss = rss_summary(worker, r.extra["startup_s"], conversations)
    bench.rss["open_turns"] = totals["open_turns"]
    bench.results["c"] = r
    log(f"(c) {fmt_rate(r.eps)} events/s from spawn, {fmt_rate(r.eps_steady)} after the first batch")


def rss_summary(worker: WorkerRun, startup_s: float, conversations: int) -> dict:
    """Idle (before the first batch), peak and final RSS, and the final RSS above idle per conversation."""
    rss = worker.rss
    idle = max((b for t, b in rss if t <= startup_s), default=0)
    summary = {"idle_mb": idle / MIB, "peak_mb": max(b for _, b in rss) / MIB, "end_mb": rss[-1][1] / MIB,
               "conversations": conversations, "samples": len(rss),
               "backend": "embedded chdb (in the worker process)"}
    if conversations:
        summary["bytes_per_conversation"] = (rss[-1][1] - idle) / conversations
    return summary


def table_totals(settings) -> dict[str, int]:
    """Events in the raw tables and the windows, turns, open turns, scored messages."""
    db = settings.database
    row = chdb_query(settings.clickhouse,
                     f"SELECT (SELECT count() FROM {db}.mentions FINAL) + (SELECT count() FROM {db}.replies FINAL) AS raw, "
                     f"(SELECT sum(customer_messages) + sum(brand_replies) + sum(late_events) "
                     f"FROM {db}.reciprocity_windows FINAL) AS windowed, "
                     f"(SELECT count() FROM {db}.turns FINAL) AS turns, "
                     f"(SELECT countIf(status = 'open') FROM {db}.turns FINAL) AS open_turns, "
                     f"(SELECT sum(messages) FROM {db}.sentiment_windows FINAL) AS scored")[0]
    return {k: int(v) for k, v in row.items()}


def changelog_stats(bench: Bench, topic: str) -> dict:
    """What the worker wrote to its state changelog: records, bytes, distinct
    conversation keys (the conversations its state holds)."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": bench.broker.bootstrap, "group.id": "bench-changelog-reader",
                  "enable.auto.commit": False})
    keys = set()
    records = size = 0
    try:
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(bench.args.partitions)])
        idle_since = time.monotonic()
        while time.monotonic() - idle_since < 2.0:
            msgs = c.consume(50_000, 0.5)
            if msgs:
                idle_since = time.monotonic()
            for m in msgs:
                if m.error():
                    continue
                records += 1
                size += len(m.value() or b"")
                if m.key() and b"|c|" in m.key() and b"|c||" not in m.key() and m.value():  # not monitors
                    keys.add(m.key())
    finally:
        c.close()
    return {"conversations": len(keys), "records": records, "bytes": size}
