"""The `cluetrain` command line. Errors: one line, non-zero exit.

DESIGN.md § Command line (`cluetrain`, installed by the package).
"""
from __future__ import annotations

import argparse
import os
import sys

from cluetrain.cli.commands import (
    cmd_alerts,
    cmd_broker,
    cmd_dashboard,
    cmd_generate,
    cmd_import_twcs,
    cmd_ingest,
    cmd_query,
    cmd_replay,
    cmd_report,
    cmd_run,
    cmd_sentiment,
    cmd_worker,
)

from cluetrain.runtime import exit_codes


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cluetrain", description="Does a brand really answer its customers?")
    sub = p.add_subparsers(dest="command", required=True)

    def serving(sp, flag: str | None):
        if flag:
            sp.add_argument(flag, action="store_true",
                            help="also serve the dashboard and, for the embedded store, the read-only SQL endpoint")
        sp.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1)")
        sp.add_argument("--port", type=int, default=8080, help="dashboard port (default 8080)")
        sp.add_argument("--sql-port", type=int, default=8123,
                        help="port of the read-only ClickHouse HTTP interface of the embedded store (default 8123)")

    def common(sp, broker=True, clickhouse=True):
        if clickhouse:
            sp.add_argument("--clickhouse", help="directory (embedded chdb) or clickhouse://user:pass@host:port/db")
        if broker:
            sp.add_argument("--broker", help="Kafka bootstrap URL, e.g. kafka://127.0.0.1:9092")
            sp.add_argument("--partitions", type=int, help="partitions of the topics")

    sp = sub.add_parser("run", help="replay a file through the real pipeline, then exit")
    sp.add_argument("--input", required=True, help="events JSONL or a twcs CSV")
    sp.add_argument("--order", choices=("time", "file"), default="time",
                    help="time: replay in event-time order (default); file: in the file's order")
    sp.add_argument("--speed", type=float, default=0.0, help="event time / wall time; 0 = as fast as possible")
    common(sp)
    serving(sp, "--dashboard")
    sp.set_defaults(func=cmd_run)

    sp = sub.add_parser("query", help="run SQL on the results (read-only unless --write)")
    sp.add_argument("sql", help="unqualified table and view names are those of the configured database")
    sp.add_argument("--format", choices=("table", "csv", "tsv", "JSONEachRow", "Parquet"),
                    help="table (default), csv and tsv (with a header line), JSONEachRow, Parquet; "
                         "or end the SQL with a FORMAT clause")
    sp.add_argument("--write", action="store_true", help="allow statements that change data or schema")
    common(sp, broker=False)
    sp.set_defaults(func=cmd_query)

    sp = sub.add_parser("dashboard", help="serve the live dashboard (and the embedded store's read-only SQL endpoint)")
    common(sp, broker=False)
    serving(sp, None)
    sp.set_defaults(func=cmd_dashboard)

    sp = sub.add_parser("report", help="per-brand report: a table, CSV, or an HTML page with charts")
    sp.add_argument("--brand", help="one brand only")
    sp.add_argument("--since", type=_instant("--since"), help="from this UTC date or time (2017-10-31[T14:00])")
    sp.add_argument("--until", type=_instant("--until"), help="up to this UTC date or time (excluded)")
    sp.add_argument("--format", choices=("table", "csv", "html"), default="table",
                    help="table (default, 100 columns wide), csv, or html (one self-contained file with charts)")
    sp.add_argument("-o", "--output", help="write to this file instead of stdout")
    common(sp, broker=False)
    sp.set_defaults(func=cmd_report)

    sp = sub.add_parser("import-twcs", help="Customer Support on Twitter CSV -> events JSONL")
    sp.add_argument("csv")
    sp.add_argument("-o", "--output", required=True)
    sp.set_defaults(func=cmd_import_twcs)

    sp = sub.add_parser("generate", help="seeded synthetic stream -> events JSONL")
    sp.add_argument("--seed", type=int, default=1)
    sp.add_argument("--events", type=int, default=10_000)
    sp.add_argument("-o", "--output", required=True)
    sp.set_defaults(func=cmd_generate)

    sp = sub.add_parser("broker", help="run the embedded broker in the foreground")
    sp.add_argument("--port", type=int, help="port to listen on (default: a free one)")
    sp.add_argument("--partitions", type=int, help="partitions of the topics")
    sp.set_defaults(func=cmd_broker)

    sp = sub.add_parser("worker", help="run a worker in the foreground (CLUETRAIN_ENGINE: bulk or faust)")
    common(sp)
    serving(sp, "--dashboard")
    sp.set_defaults(func=cmd_worker)

    sp = sub.add_parser("replay", help="produce a file to the input topics of a running broker")
    sp.add_argument("file")
    sp.add_argument("--speed", type=float, default=0.0, help="event time / wall time; 0 = as fast as possible")
    sp.add_argument("--order", choices=("time", "file"), default="time")
    common(sp, clickhouse=False)
    sp.set_defaults(func=cmd_replay)

    sp = sub.add_parser("alerts", help="print alerts (and post them to CLUETRAIN_WEBHOOK_URL when set)")
    sp.add_argument("--follow", action="store_true", help="keep running and print alerts live")
    sp.add_argument("--min-severity", choices=("low", "medium", "high", "critical"),
                    help="print alerts at this severity or above (default CLUETRAIN_WEBHOOK_MIN_SEVERITY)")
    sp.add_argument("--priority", help="print alerts of turns with these priorities whatever their severity, "
                    "e.g. vip,urgent (default CLUETRAIN_WEBHOOK_PRIORITIES)")
    sp.add_argument("--digest", type=int, metavar="MINUTES",
                    help="print one digest per brand every MINUTES of event time (default CLUETRAIN_WEBHOOK_DIGEST_MIN)")
    sp.add_argument("--broker", help="Kafka bootstrap URL, e.g. kafka://127.0.0.1:9092")
    sp.set_defaults(func=cmd_alerts)

    sp = sub.add_parser("ingest", help="live source: JSONL events as they come, on the wall clock")
    sp.add_argument("file", nargs="?", default="-", help="a file to follow (tail -f), or - for stdin")
    live = sp.add_mutually_exclusive_group()
    live.add_argument("--source", choices=("bluesky", "mastodon"),
                      help="read a network instead: Bluesky (Jetstream) or Mastodon (streaming API)")
    live.add_argument("--http", metavar="HOST:PORT", help="serve POST /v1/events (bearer token) instead")
    common(sp, clickhouse=False)
    sp.set_defaults(func=cmd_ingest)

    sp = sub.add_parser("sentiment", help="score one text per stdin line")
    sp.add_argument("--lang", help="language of every line (default: detect)")
    sp.set_defaults(func=cmd_sentiment)
    return p


def _instant(flag: str):
    """argparse type of --since/--until: a UTC date or time, or a usage error naming the flag."""
    def parse(text: str):
        from cluetrain.reports.period import parse_instant

        try:
            return parse_instant(text, flag)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc).removeprefix(f"{flag}: ")) from None
    return parse


def main(argv: list[str] | None = None) -> int:
    from cluetrain.runtime.masking import mask, mask_logs

    args = build_parser().parse_args(argv)
    debug = os.environ.get("CLUETRAIN_DEBUG") == "1"
    mask_logs()
    interrupt = _Interrupt.install()
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        return interrupt.exit()
    except SystemExit:
        raise
    except BrokenPipeError:
        return 0
    except Exception as exc:  # one clear line, never a bare traceback
        if interrupt.seen:  # Ctrl-C surfaced as another error (e.g. inside a C extension's call)
            return interrupt.exit()
        if debug:
            raise
        message = mask(str(exc).strip().splitlines()[0]) if str(exc).strip() else type(exc).__name__
        kind = "error" if _is_user_error(exc) else f"error ({type(exc).__name__})"
        print(f"cluetrain: {kind}: {message}", file=sys.stderr)
        return exit_code_of(exc)


class _Interrupt:
    """Ctrl-C: KeyboardInterrupt as usual, but remembered, since a C extension (librdkafka's
    produce converting headers) may turn it into another error on its way up; a second
    Ctrl-C while the first one stops the children is ignored (they are being stopped)."""

    def __init__(self):
        self.seen = False

    @classmethod
    def install(cls) -> "_Interrupt":
        import signal

        interrupt = cls()
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not ignored (nohup, &)
            signal.signal(signal.SIGINT, interrupt._on_sigint)
        return interrupt

    def _on_sigint(self, signum, frame) -> None:
        if self.seen:
            return
        self.seen = True
        raise KeyboardInterrupt

    def exit(self) -> int:
        print("cluetrain: interrupted", file=sys.stderr)
        return exit_codes.INTERRUPTED


def exit_code_of(exc: Exception) -> int:
    """The exit code an error means (runtime/exit_codes.py, the table in deploy/README.md)."""
    from cluetrain.runtime.processes import ProcessError
    from cluetrain.settings import SettingsError
    from cluetrain.sinks.backends import BadClickHouseUrl, ClickHouseError
    from cluetrain.sinks.writer import SinkError
    from cluetrain.sources.twcs_csv import NotTwcs

    if isinstance(exc, (SettingsError, NotTwcs, BadClickHouseUrl, FileNotFoundError, IsADirectoryError)):
        return exit_codes.USAGE
    if isinstance(exc, (ClickHouseError, SinkError)):
        return exit_codes.CLICKHOUSE
    if isinstance(exc, ProcessError):
        return exc.exit_code
    return exit_codes.ERROR


def _is_user_error(exc: Exception) -> bool:
    from cluetrain.settings import SettingsError
    from cluetrain.runtime.processes import ProcessError

    from cluetrain.sources.reconnect import ConnectorError
    from cluetrain.sources.twcs_csv import NotTwcs

    known: tuple[type, ...] = (SettingsError, ProcessError, ConnectorError, NotTwcs, FileNotFoundError,
                               PermissionError, IsADirectoryError)
    try:
        from cluetrain.sinks.backends import ClickHouseError
        known += (ClickHouseError,)
    except ImportError:
        pass
    return isinstance(exc, known)


if __name__ == "__main__":
    sys.exit(main())
