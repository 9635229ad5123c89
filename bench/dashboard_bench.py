"""The dashboard's speed on a clickhouse-server holding generated events (issue 14:
each page query within 100 ms p95, the first paint under 1 s on localhost).

    .venv/bin/python bench/dashboard_bench.py --events 1000000     # writes bench/RESULTS-dashboard.md
    .venv/bin/python bench/dashboard_bench.py --http 127.0.0.1:8123 --native 127.0.0.1:9000 --database bench

One run: generate the events -> `cluetrain run` into a throw-away clickhouse-server
(bench/view_bench.load) -> record every SQL statement the page runs for a few views of
it (all brands and one brand, last 24 h and all time), then per statement one warm-up
and --repeat timed runs over HTTP with FORMAT Null (as bench/view_bench.py times the
views). Then the page itself: cluetrain.web.dashboard served on localhost over the
native protocol, loaded in Debian's headless Chromium; first contentful paint of each
load, cold (filters not seen before: every query runs) and warm (the figures cached,
only the clock is read), and the time of one live poll.
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT))

from bench.machine import machine_info  # noqa: E402
from bench.view_bench import BUDGET_MS, Http, load, measure  # noqa: E402
from cluetrain.sinks.backends import open_backend  # noqa: E402
from cluetrain.sinks.snapshots import snapshot_query  # noqa: E402
from cluetrain.web.dashboard import create_app, serve  # noqa: E402
from cluetrain.web.dashboard.filters import parse_filters  # noqa: E402
from cluetrain.web.dashboard.snapshot import load_snapshot  # noqa: E402
from cluetrain.web.dashboard.store import read_clock  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS-dashboard.md"
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,800")
PAINT_MS_BUDGET = 1000.0


def page_statements(query, brand: str) -> list[tuple[str, str]]:
    """(view of the page, SQL) of every statement the page runs, each once."""
    seen: dict[str, str] = {}
    for label in ("range=24h", "range=all", f"brand={brand}&range=24h"):
        def recording(sql, label=label):
            seen.setdefault(" ".join(sql.split()), label)
            return query(sql)

        load_snapshot(snapshot_query(recording), parse_filters(label), read_clock(recording))
    return [(label, sql) for sql, label in seen.items()]


def first_paints(url: str, brand: str, repeat: int) -> dict:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in CHROMIUM_ARGS:
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)

    def paint(page: str) -> float:
        driver.get(url + page)
        for _ in range(100):  # the entry may land just after the load event
            painted = driver.execute_script(
                "const e = performance.getEntriesByName('first-contentful-paint')[0]; return e && e.startTime")
            if painted:
                return painted
            time.sleep(0.02)
        raise RuntimeError(f"no first contentful paint for {page}")

    try:
        cold_pages = ["?range=1h", "?range=7d", f"?brand={brand}&range=all", f"?brand={brand}&range=1h",
                      f"?brand={brand}&range=7d"][:repeat]
        cold = [paint(p) for p in cold_pages]
        warm = [paint(f"?range=24h&load={i}") for i in range(repeat)]  # new URL, same filters: cached
    finally:
        driver.quit()
    return {"cold": cold, "warm": warm}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=14)
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--http", help="HOST:PORT of a loaded server's HTTP interface (skips generating and loading)")
    p.add_argument("--native", help="with --http: HOST:PORT of the same server's native protocol")
    p.add_argument("--database", default="bench", help="with --http: the database to time")
    p.add_argument("--results", default=str(RESULTS), help="markdown output, '-' for stdout only")
    args = p.parse_args(argv)
    info = machine_info()
    load_start = os.getloadavg()[0]
    header = [f"- machine: nproc {info['nproc']} ({info['cpu']}), RAM {info['ram_gib']} GiB; "
              f"date {info['date']}; commit `{info['commit']}`"]
    server = None
    if args.http:
        http, target = Http(args.http, args.database), f"clickhouse://{args.native}/{args.database}"
        header.append(f"- data: the server at {args.http}, database `{args.database}`")
    else:
        from cluetrain.runtime.clickhouse_server import ClickHouseServer

        server = ClickHouseServer().start()
        database = load(args.events, args.seed, server)
        http, target = Http(f"{server.host}:{server.http_port}", database), server.url_for(database)
        header.append(f"- data: `cluetrain generate --seed {args.seed} --events {args.events}` through "
                      "`cluetrain run` into Debian's clickhouse-server 18.16")
    try:
        with open_backend(target) as backend:
            counts = {t: http.rows(f"SELECT count() FROM {t} FINAL")[0][0]
                      for t in ("mentions", "replies", "turns", "reciprocity_windows", "alerts")}
            header.append("- rows: " + ", ".join(f"{t} {int(n):,}" for t, n in counts.items()))
            brand = http.rows("SELECT brand FROM reciprocity_windows GROUP BY brand ORDER BY count() DESC LIMIT 1")[0][0]
            statements = page_statements(backend.query, brand)
            timings = []
            for label, sql in statements:
                timings.append((label, sql, measure(http, sql, args.repeat)))
                print(f"{timings[-1][2]['p95']:9.1f} ms p95  {sql[:90]}", file=sys.stderr)
            app = create_app(backend.query)
            started = time.perf_counter()
            load_snapshot(snapshot_query(backend.query), parse_filters("range=24h"), read_clock(backend.query))
            snapshot_ms = (time.perf_counter() - started) * 1000
            web = serve(app, port=0, background=True)
            try:
                url = f"http://127.0.0.1:{web.server_port}/"
                paints = first_paints(url, brand, 5)
                started = time.perf_counter()
                app({"PATH_INFO": "/api/dashboard", "QUERY_STRING": "range=24h&since=-"}, lambda *a: None)
                poll_ms = (time.perf_counter() - started) * 1000
            finally:
                web.shutdown()
                web.server_close()
    finally:
        if server is not None:
            server.stop()
    loads = " / ".join(f"{v:.1f}" for v in (load_start, os.getloadavg()[0]))
    header.append(f"- load average (1 min) at start / end: {loads} (other sessions share the cores; timings grow with it)")
    text = report(timings, header, args.repeat, snapshot_ms, poll_ms, paints)
    if args.results == "-":
        print(text)
    else:
        Path(args.results).write_text(text, encoding="utf-8")
        print(text + f"written to {args.results}", file=sys.stderr)
    return 0


def report(timings, header, repeat, snapshot_ms, poll_ms, paints) -> str:
    over = [t for t in timings if t[2]["p95"] > BUDGET_MS]
    worst = max(t[2]["p95"] for t in timings)
    cold, warm = sorted(paints["cold"]), sorted(paints["warm"])
    lines = ["# The dashboard's queries and first paint on clickhouse-server (issue 14)", "", *header, "",
             f"Each statement the page runs: one warm-up, then {repeat} runs over HTTP with `FORMAT Null`; "
             f"budget {BUDGET_MS:.0f} ms p95. {len(timings) - len(over)} of {len(timings)} within it; "
             f"slowest p95 {worst:.1f} ms.", "",
             f"- one whole snapshot (every statement of a view, in sequence, native protocol, rows to Python): "
             f"{snapshot_ms:.0f} ms", f"- one live poll of the JSON endpoint with nothing new (the clock "
             f"only): {poll_ms:.0f} ms",
             f"- first contentful paint in headless Chromium on localhost, cold (every query runs): median "
             f"{statistics.median(cold):.0f} ms, max {cold[-1]:.0f} ms over {len(cold)} loads; warm (figures "
             f"cached): median {statistics.median(warm):.0f} ms, max {warm[-1]:.0f} ms; budget "
             f"{PAINT_MS_BUDGET:.0f} ms", "",
             "| page view | statement | rows | p50 ms | p95 ms | max ms | within 100 ms |",
             "|---|---|---|---|---|---|---|"]
    for label, sql, r in timings:
        lines.append(f"| `{label}` | `{sql[:110]}…` | {r['rows']:,} | {r['p50']:.1f} | {r['p95']:.1f} | "
                     f"{r['max']:.1f} | {'yes' if r['p95'] <= BUDGET_MS else '**no**'} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
