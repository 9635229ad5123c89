"""Rate of `cluetrain ingest --http`: events/s acknowledged (202) by the endpoint on the
embedded Tansu broker, for NDJSON batches of several sizes and concurrent clients, and
the live source's own `send_live` (one line, one delivery) as the baseline, in one run.

    .venv/bin/python bench/http_ingest_bench.py [--events 50000] [--clients 4] [--batches 1,100,1000]

Generates the events (cluetrain.sources.generate), starts an EmbeddedBroker, creates
the topics, and serves the endpoint (IngestServer on a LiveSource, as `ingest --http`
does) on loopback. Each case posts its share of the events from `--clients` threads
(http.client, one keep-alive connection each) and is timed from the first request to
the last 202; each request's time to its 202 gives the p50/p99. Every answer must be
202 (else the run fails). Events/s is accepted events / wall seconds; the ratio is to
send_live one by one, measured in the same run on the same broker.
"""
from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson  # noqa: E402

from cluetrain.kafka.admin import ensure_topics  # noqa: E402
from cluetrain.kafka.tansu import EmbeddedBroker  # noqa: E402
from cluetrain.settings import Settings  # noqa: E402
from cluetrain.sources.generate import generate  # noqa: E402
from cluetrain.sources.http_ingest import PATH, IngestServer  # noqa: E402
from cluetrain.sources.live import LiveSource  # noqa: E402
from cluetrain.sources.replay import parse_line  # noqa: E402

TOKEN = "bench-token"


def send_live_rate(source: LiveSource, lines: list[bytes]) -> float:
    started = time.monotonic()
    for i, raw in enumerate(lines):
        source.send_live(parse_line(i, raw))
    return len(lines) / (time.monotonic() - started)


def http_rate(address, lines: list[bytes], batch: int, clients: int) -> tuple[float, list[float]]:
    bodies = [b"\n".join(lines[i:i + batch]) for i in range(0, len(lines), batch)]
    shares = [bodies[c::clients] for c in range(clients)]
    latencies: list[float] = []
    failures: list[str] = []

    def client(share):
        connection = http.client.HTTPConnection(*address, timeout=120)
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-ndjson"}
        for body in share:
            sent = time.monotonic()
            connection.request("POST", PATH, body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read()
            latencies.append(time.monotonic() - sent)
            if response.status != 202:
                failures.append(f"{response.status} {answer[:200]!r}")
        connection.close()

    threads = [threading.Thread(target=client, args=(share,)) for share in shares]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    if failures:
        raise SystemExit(f"{len(failures)} requests were not accepted, first: {failures[0]}")
    return len(lines) / elapsed, latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batches", default="1,100,1000", help="NDJSON lines per request, comma-separated")
    parser.add_argument("--baseline-events", type=int, default=3_000, help="events sent by send_live one by one")
    args = parser.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    events = [orjson.dumps(e) for e in generate(1, args.events)]
    with tempfile.TemporaryDirectory() as tmp, EmbeddedBroker(Path(tmp) / "logs") as broker:
        settings = Settings.from_env({}, broker=broker.url, broker_profile="local", http_token=TOKEN,
                                     log_dir=str(Path(tmp) / "logs"), http_max_pending=10**6)
        ensure_topics(settings, broker.url)
        with LiveSource(settings, broker.url) as source:
            source.start_ticking()
            baseline = send_live_rate(source, events[:args.baseline_events])
            server = IngestServer(("127.0.0.1", 0), settings, source)
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
            rows = []
            for batch in batches:
                size = min(len(events), max(batch * args.clients * 4, 2_000)) if batch == 1 else len(events)
                rate, latencies = http_rate(server.server_address[:2], events[:size], batch, args.clients)
                ordered = sorted(latencies)
                rows.append((batch, size, rate, statistics.median(ordered), ordered[int(0.99 * (len(ordered) - 1))]))
            server.shutdown()
            server.server_close()
    print(f"HTTP ingest on embedded Tansu, {args.clients} clients, events from generate(1, {args.events:,})\n")
    print("| case | events | events/s | vs send_live | 202 p50 ms | 202 p99 ms |")
    print("|---|---|---|---|---|---|")
    print(f"| send_live, one line per delivery (baseline) | {args.baseline_events:,} | {baseline:,.0f} | 1.0x | – | – |")
    for batch, size, rate, p50, p99 in rows:
        print(f"| POST, {batch} line(s) per request | {size:,} | {rate:,.0f} | {rate / baseline:.1f}x | "
              f"{p50 * 1000:.1f} | {p99 * 1000:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
