"""(g) The fair peer: cluetrain's job (text analytics, turn fold, windows, alerts) in a
Quix Streams application with its own state store and changelog, writing the same
ClickHouse tables (bench/peers/quix_full.py); checked like (c), by the totals of
its tables, and like (d), by its per-brand minute counts."""
from __future__ import annotations

from bench.benchlib import fmt_rate
from bench.harness import BENCH, PY, Bench, log
from bench.parts.end_to_end import table_totals
from cluetrain.kafka.admin import ensure_topics


def run(bench: Bench) -> None:
    settings = bench.base_settings(clickhouse=str(bench.dir / "chdb-g"), app_id="bench-g",
                                   topic_alerts="bench-g-alerts", topic_dead_letters="bench-g-dead-letters")
    ensure_topics(settings, bench.broker.url)
    log("(g) Quix Streams running cluetrain's job (domain functions, Quix state + changelog) -> chdb")
    data, spawned = bench.run_peer("g", "Quix job", [
        PY, str(BENCH / "peers" / "quix_full.py"), "--broker", bench.broker.bootstrap, "--group", "bench-g",
        "--events", str(bench.input.events), "--partitions", str(bench.args.partitions),
        "--state-dir", str(bench.dir / "quix-g-state"), "--clickhouse", settings.clickhouse,
        "--alerts", settings.topic_alerts, "--dead-letters", settings.topic_dead_letters], 200)
    r = bench.peer_result("g", "Quix Streams running cluetrain's job (-> chdb)", data, spawned)
    totals = table_totals(settings)
    ok = totals["raw"] == bench.input.events and totals["windowed"] == bench.input.events
    r.check += ("; same totals" if ok else "; DIFFERENT totals") + (
        f": raw rows {totals['raw']:,}, window messages {totals['windowed']:,}, "
        f"sentiment messages {totals['scored']:,}, turns {totals['turns']:,} ({totals['open_turns']:,} open)")
    if data.get("reached"):
        r.notes.append(f"final checkpoint after the last record: {data['done'] - data['reached']:.2f} s; "
                       f"{data['rows']:,} rows written")
    bench.results["g"] = r
    log(f"(g) {fmt_rate(r.eps_steady)} events/s after the first record")
