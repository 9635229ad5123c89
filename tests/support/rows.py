"""Insert hand-made rows by column name: the columns a test leaves out get their type's
default (read from system.columns), so a table that gains a column keeps the test valid."""
from __future__ import annotations

from datetime import datetime, timezone

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _default(ch_type: str):
    if ch_type.startswith("Nullable("):
        return None
    if ch_type.startswith("Array("):
        return []
    if ch_type.startswith("DateTime"):
        return EPOCH
    if ch_type.startswith("String"):
        return ""
    return 0


def insert_rows(backend, table: str, rows: list[dict]) -> None:
    """Insert `rows` (dicts by column name) into `table` of the backend's database."""
    _, found = backend.query(f"SELECT name, type FROM system.columns WHERE database = '{backend.database}' "
                             f"AND table = '{table}'")
    columns = [name for name, _ in found]
    unknown = {c for row in rows for c in row} - set(columns)
    assert not unknown, f"{table} has no column {sorted(unknown)}"
    backend.insert(table, columns, [tuple(row.get(name, _default(t)) for name, t in found) for row in rows])
