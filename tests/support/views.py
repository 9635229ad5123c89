"""Read a ClickHouse view as {key: row} for the view tests."""
from __future__ import annotations


def view(backend, name: str, key=("brand",)) -> dict:
    columns, rows = backend.query(f"SELECT * FROM {backend.database}.{name}")
    out = {}
    for row in rows:
        record = dict(zip(columns, row))
        k = tuple(record.pop(c) for c in key)
        assert k not in out, f"{name}: two rows for {k}"
        out[k[0] if len(k) == 1 else k] = record
    return out
