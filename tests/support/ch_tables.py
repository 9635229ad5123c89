"""Read the metric tables back from ClickHouse (FINAL) in the reference's shape."""
from __future__ import annotations

from datetime import datetime

from cluetrain.sinks.backends import open_backend

FLOAT32 = ("first_sentiment", "last_sentiment")


def _plain(value):
    return int(value.timestamp()) if isinstance(value, datetime) else value


def read_rows(target: str, sql: str) -> list[dict]:
    with open_backend(target) as backend:
        columns, rows = backend.query(sql.format(db=backend.database))
    return [{c: _plain(v) for c, v in zip(columns, row)} for row in rows]


def read_turns(target: str) -> dict:
    rows = read_rows(target, "SELECT * FROM {db}.turns FINAL")
    out = {}
    for r in rows:
        r.pop("version")
        for name in FLOAT32:
            r[name] = round(float(r[name]), 4)
        out[(r["brand"], r["conversation_id"], r["turn_index"])] = r
    return out


def read_windows(target: str) -> dict:
    rows = read_rows(target, "SELECT * FROM {db}.reciprocity_windows FINAL")
    out = {}
    for r in rows:
        r.pop("version")
        out[(r["brand"], r["window_start"])] = r
    return out


def reference_turns_rounded(ref_turns: dict) -> dict:
    out = {}
    for key, row in ref_turns.items():
        row = dict(row)
        for name in FLOAT32:
            row[name] = round(float(row[name]), 4)
        out[key] = row
    return out


def reference_windows(ref_windows: dict) -> dict:
    return {k: dict(v, brand=k[0], window_start=k[1]) for k, v in ref_windows.items()}
