"""Digest of every result table and view after `cluetrain run`: proves a refactor changed no row.

    python tools/table_digest.py --input data/twcs_head5000.csv [--generate SEED:EVENTS] [--policies FILE]
                                 [--skip-columns NAME,NAME]

Runs the real pipeline (embedded broker, embedded chdb in a temporary directory), then
prints one line per table or view: its row count and the sha256 of its rows read with
FINAL, in a fixed order, without the columns that record how the run went rather than
what it computed: `ingested_at` / `received_at` (the wall clock) and `version` (the
watermark when a row was written, which depends on where batches happened to be cut;
FINAL keeps the row of the highest version either way). Two runs of the same input
print the same lines (floats rounded to 9 decimals: a sum's last bits depend on the
order of its additions); compare before and after a change with `diff`. --policies
runs with that SLA policy file (CLUETRAIN_POLICIES); --skip-columns leaves columns out
too, to compare with a version of the code that did not have them yet.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile

RUN_COLUMNS = {"ingested_at", "received_at", "version"}


def digests(target: str, database: str = "cluetrain", skip: frozenset[str] = frozenset()) -> list[str]:
    from cluetrain.sinks.backends import open_backend

    lines = []
    with open_backend(target, database) as backend:
        names = [r[0] for r in backend.query(
            f"SELECT name FROM system.tables WHERE database = '{database}' AND name != 'schema_migrations' "
            # the views' snapshots are copies of the views (digested themselves) stamped with the wall clock
            "AND NOT startsWith(name, 'snapshot_') ORDER BY name")[1]]
        for name in names:
            columns = backend.query(f"SELECT name, type FROM system.columns "
                                    f"WHERE database = '{database}' AND table = '{name}' ORDER BY position")[1]
            kept = [(c, t) for c, t in columns if c not in RUN_COLUMNS and c not in skip]
            engine = backend.query(f"SELECT engine FROM system.tables WHERE database = '{database}' AND name = '{name}'")[1][0][0]
            final = " FINAL" if "MergeTree" in engine else ""
            # sums of floats differ in their last bits with the order of the additions
            cols = ", ".join(f"toString(round({c}, 9))" if "Float" in t else f"toString({c})" for c, t in kept)
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
    ap.add_argument("--policies", help="SLA policy file (CLUETRAIN_POLICIES)")
    ap.add_argument("--skip-columns", default="", help="comma-separated columns left out of every digest")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        source = args.input
        if args.generate:
            seed, events = args.generate.split(":")
            source = os.path.join(tmp, "events.jsonl")
            subprocess.run([sys.executable, "-m", "cluetrain", "generate", "--seed", seed, "--events", events, "-o", source],
                           check=True, stdout=subprocess.DEVNULL)
        target = os.path.join(tmp, "chdb")
        env = dict(os.environ, CLUETRAIN_LOG_DIR=os.path.join(tmp, "logs"))
        if args.policies:
            env["CLUETRAIN_POLICIES"] = os.path.abspath(args.policies)
        subprocess.run([sys.executable, "-m", "cluetrain", "run", "--input", source, "--clickhouse", target,
                        "--partitions", args.partitions], check=True, env=env, stdout=subprocess.DEVNULL)
        print("\n".join(digests(target, skip=frozenset(filter(None, args.skip_columns.split(","))))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
