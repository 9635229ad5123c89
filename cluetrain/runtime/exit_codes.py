"""The exit codes of every `cluetrain` command: one definition, for the CLI, the parent
of worker processes and the operators' table in deploy/README.md (DESIGN.md § Exit codes;
`python -m cluetrain.runtime.exit_codes deploy/README.md` rewrites that table, a test
checks it and the systemd unit's RestartPreventExitStatus against NO_RESTART).

A supervisor restarts on 1, 3 and 4 (a restarted worker resumes exactly from its saved
state); 2 is a configuration to fix, where restarting cannot help.
"""
from __future__ import annotations

import sys
from pathlib import Path

from cluetrain.settings.generated import GeneratedBlock

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

# Failures a supervisor must not restart: a configuration to fix, or a person who stopped it.
NO_RESTART = (USAGE, INTERRUPTED)

DOCUMENT_BLOCK = GeneratedBlock("exit-codes")
START, END = DOCUMENT_BLOCK.start, DOCUMENT_BLOCK.end


def markdown_table() -> str:
    names = {value: name for name, value in globals().items() if name.isupper() and isinstance(value, int)}
    lines = ["| exit code | name | meaning | restarted by the unit |", "|---|---|---|---|"]
    for code, meaning in MEANINGS.items():
        restart = "no" if code == OK or code in NO_RESTART else "yes"
        lines.append(f"| `{code}` | {names[code]} | {meaning} | {restart} |")
    return "\n".join(lines)


def document_table(text: str) -> str | None:
    """The table between the markers of a document's text, None without markers."""
    return DOCUMENT_BLOCK.find(text)


def rewrite_document(path: Path) -> None:
    DOCUMENT_BLOCK.rewrite(path, lambda _: markdown_table())


if __name__ == "__main__":  # print the table; with a path, rewrite it there
    if len(sys.argv) > 1:
        rewrite_document(Path(sys.argv[1]))
    else:
        print(markdown_table())
