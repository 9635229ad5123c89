"""Timings of every view, every `cluetrain report` query and every Grafana panel on a
clickhouse-server holding generated events (issue 13: each within 100 ms p95, warm).

    .venv/bin/python bench/view_bench.py --events 1000000          # writes bench/RESULTS-views.md
    .venv/bin/python bench/view_bench.py --http 127.0.0.1:8123 --database bench --results -

One run: generate the events (seeded) -> `cluetrain run` into a throw-away
clickhouse-server (cluetrain/runtime/clickhouse_server.py) -> per query one warm-up,
then --repeat timed runs through the HTTP interface with FORMAT Null: the server
computes every row and sends none, so the figure is the query, not the transfer to
Python. `--http` times an already loaded server instead.
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT))

from bench.machine import machine_info  # noqa: E402
from cluetrain.reports.grafana import brand_variable_sql, load_dashboard, panel_queries  # noqa: E402
from cluetrain.reports.period import ReportScope, sql_string  # noqa: E402
from cluetrain.reports.summary import report_queries  # noqa: E402
from cluetrain.sinks.snapshots import fresh_generations, reading_snapshots  # noqa: E402

BUDGET_MS = 100.0
SLOW_MS, SLOW_REPEAT = 1000.0, 5
RESULTS = ROOT / "bench" / "RESULTS-views.md"


class Http:
    """clickhouse-server's HTTP interface, one query at a time."""

    def __init__(self, address: str, database: str):
        self.base, self.database = f"http://{address}/", database

    def run(self, sql: str) -> str:
        url = self.base + "?" + urllib.parse.urlencode({"database": self.database})
        with urllib.request.urlopen(urllib.request.Request(url, data=sql.encode()), timeout=600) as response:
            return response.read().decode()

    def rows(self, sql: str) -> list[list[str]]:
        return [line.split("\t") for line in self.run(sql + " FORMAT TabSeparated").splitlines()]

    def time_ms(self, sql: str) -> float:
        start = time.perf_counter()
        self.run(sql + " FORMAT Null")
        return (time.perf_counter() - start) * 1000


def queries(http: Http) -> list[tuple[str, str, str]]:
    """(kind, name, sql): every view whole, the report over all time and over the busiest
    brand's last 7 days, the Grafana panels over the last 7 days (all brands, one brand)."""
    db = http.database
    views = [row[0] for row in http.rows(
        f"SELECT name FROM system.tables WHERE database = {sql_string(db)} AND engine = 'View' ORDER BY name")]
    # a view whose snapshot is fresh is read as every reader reads it: from the snapshot
    fresh = fresh_generations(lambda sql: ([], [tuple(r) for r in http.rows(sql)]), db)
    out = [("snapshot", name, f"SELECT * FROM {db}.snapshot_{name} WHERE snapshot_generation = {fresh[name]}")
           if name in fresh else ("view", name, f"SELECT * FROM {db}.{name}") for name in views]
    clock = int(http.rows(f"SELECT toUInt32(max(window_start)) FROM {db}.reciprocity_windows")[0][0])
    busiest = http.rows(f"SELECT brand FROM {db}.v_brand_overview ORDER BY customer_messages DESC LIMIT 1")[0][0]
    week = int(timedelta(days=7).total_seconds())
    until = datetime.fromtimestamp(clock + 60, tz=timezone.utc)
    scopes = {"all time": (ReportScope(), "day"),
              f"{busiest}, 7 days": (ReportScope(busiest, until - timedelta(days=7), until), "day")}
    for label, (scope, granularity) in scopes.items():
        out += [("report", f"{name} ({label})", reading_snapshots(sql, fresh))
                for name, sql in report_queries(db, scope, granularity).items()]
    dashboard = load_dashboard()
    brands = [row[0] for row in http.rows(brand_variable_sql(dashboard, db))]
    for label, chosen in (("all brands", brands), (busiest, [busiest])):
        out += [("grafana", f"{title} ({label}, 7 days)", sql)
                for title, sql in panel_queries(dashboard, db, chosen, clock - week, clock + 60).items()]
    return out


def measure(http: Http, sql: str, repeat: int) -> dict:
    """One warm-up (caches, marks), then `repeat` timed runs; a query whose warm-up took
    over SLOW_MS (far over the budget anyway) gets SLOW_REPEAT runs, so that one run of
    the bench stays within minutes."""
    warm_up = http.time_ms(sql)
    runs = repeat if warm_up <= SLOW_MS else min(repeat, SLOW_REPEAT)
    times = sorted(http.time_ms(sql) for _ in range(runs))
    rows = int(http.rows(f"SELECT count() FROM ({sql})")[0][0])
    return {"rows": rows, "runs": runs, "p50": statistics.median(times), "p95": times[math.ceil(0.95 * runs) - 1],
            "max": times[-1]}


def load(events: int, seed: int, server) -> str:
    """Generate and replay the events into the server; returns the database name."""
    database = "bench"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.jsonl"
        cli = [str(ROOT / ".venv" / "bin" / "cluetrain")]
        subprocess.run(cli + ["generate", "--seed", str(seed), "--events", str(events), "-o", str(path)], check=True)
        start = time.time()
        subprocess.run(cli + ["run", "--input", str(path), "--clickhouse", server.url_for(database)], check=True,
                       stdout=subprocess.DEVNULL)
        print(f"loaded {events:,} events in {time.time() - start:.0f} s", file=sys.stderr)
    return database


def previous_p95(path: Path) -> dict[str, float]:
    """query name -> p95 ms of an earlier results file (for the 'before' column)."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) >= 8 and cells[1].startswith("`"):
            out[cells[1].strip("`")] = float(cells[5])
    return out


def report(results: list[tuple[str, str, dict]], header: list[str], repeat: int,
           before: dict[str, float] | None = None) -> str:
    over = [(kind, name, r) for kind, name, r in results if r["p95"] > BUDGET_MS]
    before = before or {}
    lines = ["# Views, report and Grafana queries on clickhouse-server (issue 13)", "", *header, "",
             f"Each query: one warm-up, then {repeat} runs ({SLOW_REPEAT} when the warm-up took over "
             f"{SLOW_MS:.0f} ms) over HTTP with `FORMAT Null` (computed on the server, nothing sent); p95 = "
             f"the value at rank ceil(0.95 n); budget {BUDGET_MS:.0f} ms p95. {len(results) - len(over)} of "
             f"{len(results)} queries within it.", "",
             "Kind `snapshot`: the view read as `cluetrain report` and the dashboard read it, from its fresh "
             "snapshot table (cluetrain/sinks/snapshots.py); `view`: computed from the base tables. "
             "Report queries read the fresh snapshots too; Grafana's panels read the views.", "",
             "| kind | query | rows | runs | p50 ms | p95 ms | max ms | within 100 ms | p95 ms before |",
             "|---|---|---|---|---|---|---|---|---|"]
    for kind, name, r in results:
        was = f"{before[name]:.1f}" if name in before else ""
        lines.append(f"| {kind} | `{name}` | {r['rows']:,} | {r['runs']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.1f} | "
                     f"{'yes' if r['p95'] <= BUDGET_MS else '**no**'} | {was} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--http", help="HOST:PORT of a loaded server's HTTP interface (skips generating and loading)")
    p.add_argument("--database", default="bench", help="with --http: the database to time")
    p.add_argument("--results", default=str(RESULTS), help="markdown output, '-' for stdout only")
    p.add_argument("--before", type=Path, help="an earlier results file: its p95 in a 'before' column")
    p.add_argument("--kinds", default="view,snapshot,report,grafana", help="the kinds of query to time")
    args = p.parse_args(argv)
    info = machine_info()
    load_start = os.getloadavg()[0]
    header = [f"- machine: nproc {info['nproc']} ({info['cpu']}), RAM {info['ram_gib']} GiB; "
              f"date {info['date']}; commit `{info['commit']}`"]
    if args.http:
        http = Http(args.http, args.database)
        header.append(f"- data: the server at {args.http}, database `{args.database}`")
        server = None
    else:
        from cluetrain.runtime.clickhouse_server import ClickHouseServer

        server = ClickHouseServer().start()
        http = Http(f"{server.host}:{server.http_port}", load(args.events, args.seed, server))
        header.append(f"- data: `cluetrain generate --seed {args.seed} --events {args.events}` through "
                      "`cluetrain run` into Debian's clickhouse-server 18.16")
    try:
        counts = {t: http.rows(f"SELECT count() FROM {http.database}.{t} FINAL")[0][0]
                  for t in ("mentions", "replies", "turns", "reciprocity_windows")}
        header.append("- rows: " + ", ".join(f"{t} {int(n):,}" for t, n in counts.items()))
        parts = http.rows(f"SELECT table, count() FROM system.parts WHERE database = {sql_string(http.database)} "
                          "AND active GROUP BY table ORDER BY table")
        header.append("- active parts (FINAL merges them at read time): "
                      + ", ".join(f"{t} {n}" for t, n in parts))
        results = []
        refreshes = http.rows(f"SELECT count(), sum(duration_ms) FROM {http.database}.snapshot_state "
                              f"WHERE generation = (SELECT max(generation) FROM {http.database}.snapshot_state)")
        header.append(f"- snapshots: {refreshes[0][0]} views refreshed in {int(refreshes[0][1]) / 1000:.1f} s "
                      "(the last refresh, snapshot_state)")
        kinds = set(args.kinds.split(","))
        for kind, name, sql in queries(http):
            if kind not in kinds:
                continue
            results.append((kind, name, measure(http, sql, args.repeat)))
            print(f"{kind:8} {results[-1][2]['p95']:9.1f} ms p95  {name}", file=sys.stderr)
    finally:
        if server is not None:
            server.stop()
    loads = " / ".join(f"{v:.1f}" for v in (load_start, os.getloadavg()[0]))
    header.append(f"- load average (1 min) at start / end: {loads} (other sessions share the cores; timings grow with it)")
    text = report(results, header, args.repeat, previous_p95(args.before) if args.before else None)
    if args.results == "-":
        print(text)
    else:
        Path(args.results).write_text(text, encoding="utf-8")
        print(f"written to {args.results}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
