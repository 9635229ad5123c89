"""Digest of every result table and view after `cluetrain run`: proves a refactor changed no row.

    python tools/table_digest.py --input data/twcs_head5000.csv [--generate SEED:EVENTS] [--policies FILE]

Runs the real pipeline (embedded broker, embedded chdb in a temporary directory), then
prints one line per table or view: its row count and the sha256 of its rows read with
FINAL, in a fixed order, without the wall-clock column `ingested_at` / `received_at`
(they record when the run happened, not what it computed). Two runs of the same input
print the same lines; compare before and after a change with `diff`.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

WALL_CLOCK = {"ingested_at", "received_at"}


def digests(target: str, database: str = "cluetrain") -> list[str]:
    from cluetrain.sinks.backends import open_backend

    lines = []
    with open_backend(target, database) as backend:
        names = [r[0] for r in backend.query(
            f"SELECT name FROM system.tables WHERE database = '{database}' AND name != 'schema_migrations' ORDER BY name")[1]]
        for name in names:
            columns = [r[0] for r in backend.query(
                f"SELECT name FROM system.columns WHERE database = '{database}' AND table = '{name}' ORDER BY position")[1]]
            kept = [c for c in columns if c not in WALL_CLOCK]
            engine = backend.query(f"SELECT engine FROM system.tables WHERE database = '{database}' AND name = '{name}'")[1][0][0]
            final = " FINAL" if "MergeTree" in engine else ""
            cols = ", ".join(f"toString({c})" for c in kept)
            rows = backend.query(f"SELECT {cols} FROM {database}.{name}{final} ORDER BY {cols}")[1]
            h = hashlib.sha256()
            for row in rows:
                h.update(repr(tuple(row)).encode())
            lines.append(f"{name}\t{len(rows)}\t{h.hexdigest()[:16]}")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", help="events JSONL or twcs CSV")
    ap.add_argument("--generate", help="SEED:EVENTS: generate the input with `cluetrain generate`")
    ap.add_argument("--partitions", default="4")
    args = ap.parse_args(argv)
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as tmp:
        source = args.input
        if args.generate:
            seed, events = args.generate.split(":")
            source = os.path.join(tmp, "events.jsonl")
            subprocess.run([bin_dir / "cluetrain", "generate", "--seed", seed, "--events", events, "-o", source],
                           check=True, stdout=subprocess.DEVNULL)
        target = os.path.join(tmp, "chdb")
        env = dict(os.environ, CLUETRAIN_LOG_DIR=os.path.join(tmp, "logs"))
        subprocess.run([bin_dir / "cluetrain", "run", "--input", source, "--clickhouse", target,
                        "--partitions", args.partitions], check=True, env=env, stdout=subprocess.DEVNULL)
        print("\n".join(digests(target)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
