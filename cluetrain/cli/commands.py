"""The bodies of the `cluetrain` commands (cli.py parses the arguments and turns errors into one line)."""
from __future__ import annotations

import sys
from pathlib import Path


def _settings(args, **overrides):
    from cluetrain.settings import Settings

    return Settings.from_env(
        clickhouse=getattr(args, "clickhouse", None),
        broker=getattr(args, "broker", None),
        partitions=getattr(args, "partitions", None),
        **overrides,
    )


def cmd_run(args) -> int:
    from cluetrain.cli.run import run_pipeline
    from cluetrain.sinks.backends import open_backend

    settings = _settings(args)
    if args.dashboard:
        return _run_with_dashboard(args, settings)
    result = run_pipeline(settings, Path(args.input), order=args.order, speed=args.speed)
    _refresh_snapshots(settings)
    with open_backend(settings.clickhouse, settings.database, read_only=True) as backend:
        _print_run_summary(settings, backend, result)
    return 0


def _refresh_snapshots(settings) -> None:
    """The stored results, complete: the views' snapshots computed once, so that readers
    (report, dashboard, BI) get them in milliseconds (cluetrain/sinks/snapshots.py)."""
    import time

    from cluetrain.sinks.backends import open_backend
    from cluetrain.sinks.snapshots import refresh

    start = time.monotonic()
    with open_backend(settings.clickhouse, settings.database) as backend:
        done = refresh(backend, backend.database)
    print(f"{len(done)} view snapshots refreshed in {time.monotonic() - start:.1f} s", file=sys.stderr)


def _run_with_dashboard(args, settings) -> int:
    """The worker owns the embedded store and serves it (DESIGN.md § Reading the results:
    who owns the embedded store); the summary is read through its SQL endpoint."""
    from cluetrain.cli.run import run_pipeline
    from cluetrain.sinks.backends import open_backend
    from cluetrain.web.http_reader import HttpReader
    from cluetrain.web.server import Endpoints

    import signal

    address = _address(args)
    endpoints = Endpoints(settings, address)
    credentials = endpoints.check()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stops the worker and the broker cleanly

    def show(result) -> None:
        if settings.embedded_clickhouse:
            reader = HttpReader(address.url(address.sql_port), settings.database, credentials.user, credentials.password)
        else:
            reader = open_backend(settings.clickhouse, settings.database, read_only=True)
        with reader:
            _print_run_summary(settings, reader, result)
        print(f"\n{endpoints.describe()}\nServing until interrupted (Ctrl-C).", flush=True)

    run_pipeline(settings, Path(args.input), order=args.order, speed=args.speed, serve=address, on_served=show)
    return 0


def _print_run_summary(settings, backend, result) -> None:
    from cluetrain.reports.brand import brand_report, dead_letter_count, format_table
    from cluetrain.runtime.masking import mask

    columns, rows = brand_report(backend, backend.database)
    dead = dead_letter_count(backend, backend.database)
    database = backend.database
    print(format_table(columns, rows))
    r = result.replay
    print(f"\n{r.events:,} events replayed, {r.raw_lines:,} invalid lines, {dead:,} dead letters stored; "
          f"{result.seconds:.1f} s end to end ({result.events_per_s:,.0f} events/s).")
    print(f"Results are in ClickHouse ({mask(settings.clickhouse)}, database {database}): "
          f"cluetrain query 'SELECT * FROM {database}.mentions FINAL LIMIT 5'")


def _address(args):
    from cluetrain.web.server import Address

    return Address(args.host, args.port, args.sql_port)


def cmd_dashboard(args) -> int:
    """Serve the dashboard (and, for the embedded store, the SQL endpoint) until interrupted."""
    import signal
    import time

    from cluetrain.web.server import Endpoints

    settings = _settings(args)
    with Endpoints(settings, _address(args)) as endpoints:
        print(endpoints.describe(), flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while True:
            time.sleep(3600)


def cmd_query(args) -> int:
    """SQL on the results: read-only unless --write; --format or a trailing FORMAT clause."""
    from cluetrain.sinks import formats
    from cluetrain.sinks.backends import ClickHouseError
    from cluetrain.sinks.read_only import READONLY, format_clause

    clause = format_clause(args.sql)
    if clause and args.format:
        raise ValueError(f"give either --format {args.format} or a FORMAT clause ({clause}), not both")
    output_format = clause or formats.FORMAT_CHOICES.get(args.format or "table")
    if output_format == "Parquet" and sys.stdout.isatty():
        raise ValueError("Parquet is binary: redirect the output to a file (> results.parquet)")
    settings = _settings(args)
    try:
        output = _query_output(args, settings, clause, output_format)
    except ClickHouseError as exc:
        if exc.code == READONLY and not args.write:
            raise ClickHouseError(f"{exc} (cluetrain query is read-only: add --write to change data)") from None
        raise
    sys.stdout.buffer.write(output)
    sys.stdout.flush()
    return 0


def _query_output(args, settings, clause: str | None, output_format: str | None) -> bytes:
    from cluetrain.reports.brand import format_table
    from cluetrain.sinks import formats
    from cluetrain.sinks.backends import open_backend
    from cluetrain.sinks.chdb_reader import ChdbReader
    from cluetrain.sinks.read_only import without_format_clause

    with open_backend(settings.clickhouse, settings.database, read_only=not args.write) as backend:
        if clause and isinstance(backend, ChdbReader):  # chdb renders every ClickHouse format itself
            output = backend.raw(args.sql, clause)
        else:
            columns, rows = backend.query(without_format_clause(args.sql) if clause else args.sql)
            if output_format is None:
                output = (format_table(columns, rows) + "\n").encode() if columns else b""
            else:
                output = formats.render(output_format, columns, rows)
    return output


def cmd_report(args) -> int:
    from cluetrain.reports.period import ReportScope
    from cluetrain.reports.report import build_report
    from cluetrain.sinks.backends import open_backend
    from cluetrain.sinks.migrate import require_migrated

    try:
        scope = ReportScope(brand=args.brand, since=args.since, until=args.until)
    except ValueError as exc:
        print(f"cluetrain: error: {exc}", file=sys.stderr)
        return 2
    settings = _settings(args)
    with open_backend(settings.clickhouse, settings.database, read_only=True) as backend:
        require_migrated(backend, backend.database)  # readers need no DDL: the pipeline's user migrates
        text = build_report(backend, backend.database, scope, args.format)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"report written to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_import_twcs(args) -> int:
    from cluetrain.sources.jsonl import write_jsonl
    from cluetrain.sources.twcs import import_twcs

    result = import_twcs(Path(args.csv))
    write_jsonl(result.events, args.output)
    skipped = ", ".join(f"{k}: {v}" for k, v in sorted(result.skipped.items())) or "none"
    print(f"{len(result.events):,} events written to {args.output} (skipped: {skipped})", file=sys.stderr)
    return 0


def cmd_generate(args) -> int:
    from cluetrain.sources.generate import generate
    from cluetrain.sources.jsonl import write_jsonl

    events = generate(args.seed, args.events)
    write_jsonl(events, args.output)
    print(f"{len(events):,} events written to {args.output}", file=sys.stderr)
    return 0


def cmd_broker(args) -> int:
    import signal
    import time

    from cluetrain.kafka.admin import ensure_topics
    from cluetrain.kafka.tansu import EmbeddedBroker

    settings = _settings(args)
    with EmbeddedBroker(Path(settings.log_dir), port=args.port) as broker:
        ensure_topics(settings, broker.url)
        print(f"broker ready: {broker.url} (topics: {', '.join(settings.all_topics)}; memory storage)", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while broker.proc.poll() is None:  # Ctrl-C: KeyboardInterrupt, exit code 130 (cli/main.py)
            time.sleep(0.5)
    return 0


def cmd_worker(args) -> int:
    from cluetrain.engines.worker import run_worker
    from cluetrain.kafka.admin import check_reachable

    settings = _settings(args)
    if not settings.broker:
        raise SystemExit("cluetrain: error: the worker needs --broker or CLUETRAIN_BROKER (start one with `cluetrain broker`)")
    check_reachable(settings.broker)  # at once, not after the clients' retries
    if args.dashboard:  # this process owns the embedded store: it serves it too
        from cluetrain.web.server import Endpoints

        with Endpoints(settings, _address(args), create=True) as endpoints:
            print(endpoints.describe(), flush=True)
            return run_worker(settings)
    return run_worker(settings)


def cmd_replay(args) -> int:
    from cluetrain.kafka.admin import ensure_topics
    from cluetrain.sources.replay import Replayer, arrange, read_input

    settings = _settings(args)
    if not settings.broker:
        raise SystemExit("cluetrain: error: replay needs --broker or CLUETRAIN_BROKER")
    ensure_topics(settings, settings.broker)
    lines = arrange(read_input(Path(args.file)), args.order)
    with Replayer(settings, settings.broker) as replayer:
        r = replayer.replay(lines, speed=args.speed)
    print(f"{r.events:,} events, {r.raw_lines:,} invalid lines, {r.ticks:,} ticks in {r.seconds:.1f} s", file=sys.stderr)
    return 0


def cmd_alerts(args) -> int:
    import signal

    from cluetrain.alerts.follow import Routes, follow_alerts

    from cluetrain.kafka.admin import check_reachable

    settings = _settings(args)
    if not settings.broker:
        raise SystemExit("cluetrain: error: alerts needs --broker or CLUETRAIN_BROKER (the broker the worker writes to)")
    check_reachable(settings.broker)
    if args.digest is not None and args.digest < 0:
        raise SystemExit("cluetrain: error: --digest: expected minutes >= 0 (0 = one line per alert)")
    routes = Routes.from_settings(settings, min_severity=args.min_severity, priorities=args.priority,
                                  digest_min=args.digest)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    result = follow_alerts(settings, settings.broker, out=sys.stdout, follow=args.follow, routes=routes)
    if not args.follow:
        print(f"{result.printed:,} alerts and resolutions, {result.duplicates:,} duplicates, {result.bad:,} bad records, "
              f"{result.messages:,} messages printed, {len(result.delivered):,} delivered, "
              f"{len(result.dead_letters):,} dead letters", file=sys.stderr)
    return 0


def cmd_ingest(args) -> int:
    from cluetrain.kafka.admin import ensure_topics
    from cluetrain.sources.live import LiveSource, follow_lines

    settings = _settings(args)
    if not settings.broker:
        raise SystemExit("cluetrain: error: ingest needs --broker or CLUETRAIN_BROKER")
    ensure_topics(settings, settings.broker)
    if args.source or args.http:  # the live connectors: sources/connectors.py
        from cluetrain.sources.connectors import run_live

        return run_live(settings, source=args.source, http=args.http)
    stream = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")
    with LiveSource(settings, settings.broker) as source:
        source.run(follow_lines(stream))
    return 0


def cmd_sentiment(args) -> int:
    """One text per stdin line -> its score in [-1, 1] per stdout line (4 decimals).

    The language is --lang, or detected per line; lines in a language without an
    analyzer score 0.0000 and are counted on stderr at the end. Undecodable bytes are
    replaced, never fatal.
    """
    import io

    from cluetrain.text import language, sentiment

    forced = args.lang.strip().lower() if args.lang else None
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline=None)
    unscored: dict[str, int] = {}
    for line in stdin:
        text = line.rstrip("\r\n")
        lang = forced or language.detect(text)
        if text.strip() and lang not in sentiment.SUPPORTED:
            unscored[lang] = unscored.get(lang, 0) + 1
        print(f"{sentiment.score(text, lang):.4f}")
    if unscored:
        detail = ", ".join(f"{lang} {n}" for lang, n in sorted(unscored.items()))
        print(f"cluetrain: {sum(unscored.values())} line(s) in languages without an analyzer scored 0 ({detail}); "
              f"analyzers: {', '.join(sentiment.SUPPORTED)}", file=sys.stderr)
    return 0
