"""The exit codes of every `cluetrain` command: one definition, for the CLI, the parent
of worker processes and the operators' table in deploy/README.md (DESIGN.md § Exit codes).

A supervisor restarts on 1, 3 and 4 (a restarted worker resumes exactly from its saved
state); 2 is a configuration to fix, where restarting cannot help.
"""
from __future__ import annotations

OK = 0
ERROR = 1  # unexpected failure (a bug, or a cause not classified below): read the log
USAGE = 2  # bad command line, setting or input file: fix it, a restart cannot help
CLICKHOUSE = 3  # ClickHouse unreachable or refusing at start, or down past CLUETRAIN_SINK_OUTAGE_S
BROKER = 4  # the Kafka broker unreachable at start, or lost (gone or restarted) while running
INTERRUPTED = 130  # Ctrl-C (SIGINT): stopped cleanly, 128 + SIGINT as shells report it

MEANINGS = {
    OK: "done, or stopped by SIGTERM (a clean stop)",
    ERROR: "unexpected failure: the last log lines say why; restarting resumes exactly",
    USAGE: "bad command line, setting (CLUETRAIN_*) or input file: fix it; restarting cannot help",
    CLICKHOUSE: "ClickHouse unreachable or refusing (URL, password, port) at start, or down longer than "
                "CLUETRAIN_SINK_OUTAGE_S while running: nothing is lost, restart once it is back",
    BROKER: "the Kafka broker unreachable at start, or lost while running (gone, restarted): nothing is "
            "lost, restart once it is back",
    INTERRUPTED: "interrupted by Ctrl-C (SIGINT)",
}
