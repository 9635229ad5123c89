"""Numbered SQL migrations (cluetrain/sinks/migrations/NNNN_name.sql), each applied once.

A file may hold several statements separated by `;`. Lines starting with `--` are
comments. `{database}` is replaced by the target database, and each name of
TEMPLATE_VARIABLES by its value: numbers the views share with the Python code, defined
there once. Our SQL has no `;` inside strings, so the splitter is a plain split. Every
statement is idempotent (IF NOT EXISTS, or DROP IF EXISTS before a CREATE; an ADD COLUMN skips the columns already there, since
18.16 has no ADD COLUMN IF NOT EXISTS): a migration interrupted before it was recorded
can run again.

Several workers started together migrate the same database at once (`cluetrain run`
with CLUETRAIN_WORKERS=2, a fleet restarted by systemd): one's DROP VIEW can pull a view
from under the other's CREATE. A failing migration is therefore looked at again after a
short, jittered wait: recorded by the other process meanwhile, it is done; otherwise it
runs again (idempotent), a few times before the error is reported.
"""
from __future__ import annotations

import random
import re
import time
from datetime import datetime, timezone
from pathlib import Path

from cluetrain.domain.polarity import NEGATIVE_THRESHOLD

from .backends import Backend, ClickHouseError, check_identifier

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_FILE = re.compile(r"^(\d{4})_([A-Za-z0-9_]+)\.sql$")

_BOOTSTRAP = (
    "CREATE DATABASE IF NOT EXISTS {database}",
    """CREATE TABLE IF NOT EXISTS {database}.schema_migrations
(
    version UInt32,
    name String,
    applied_at DateTime
)
ENGINE = MergeTree()
ORDER BY version""",
)


def split_statements(sql: str) -> list[str]:
    """SQL text -> statements (comment lines dropped, empty statements skipped)."""
    kept = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    return [stmt.strip() for stmt in "\n".join(kept).split(";") if stmt.strip()]


TEMPLATE_VARIABLES = {
    "{negative_threshold}": repr(NEGATIVE_THRESHOLD),  # a score at or below it is negative
}


def render(sql: str, database: str) -> str:
    sql = sql.replace("{database}", check_identifier(database))
    for name, value in TEMPLATE_VARIABLES.items():
        sql = sql.replace(name, value)
    return sql


def list_migrations(directory: Path = MIGRATIONS_DIR) -> list[tuple[int, str, Path]]:
    """(version, name, path) of every migration file, in version order."""
    found = []
    for path in directory.iterdir():
        m = _FILE.match(path.name)
        if m:
            found.append((int(m.group(1)), path.stem, path))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"two migrations share a number in {directory}")
    return found


def applied_versions(backend: Backend, database: str) -> set[int]:
    _, rows = backend.query(f"SELECT DISTINCT version FROM {check_identifier(database)}.schema_migrations")
    return {int(r[0]) for r in rows}


CONCURRENT_ATTEMPTS = 6  # tries of one migration while another process applies it too


def apply_migrations(backend: Backend, database: str, directory: Path = MIGRATIONS_DIR, *,
                     attempts: int = CONCURRENT_ATTEMPTS) -> list[str]:
    """Create the database and apply the pending migrations; return the names of those
    this call applied (not those another process applied meanwhile)."""
    for statement in _BOOTSTRAP:
        backend.execute(render(statement, database))
    done = applied_versions(backend, database)
    applied = []
    for version, name, path in list_migrations(directory):
        for attempt in range(1, attempts + 1):
            if version in done:
                break
            try:
                for statement in split_statements(path.read_text(encoding="utf-8")):
                    _execute(backend, render(statement, database))
            except ClickHouseError:
                if attempt == attempts:
                    raise
                time.sleep(random.uniform(0.2, 0.6) * attempt)  # jitter: two workers fall out of step
                done = applied_versions(backend, database)
                continue
            now = datetime.now(timezone.utc).replace(microsecond=0)
            backend.insert(f"{database}.schema_migrations", ("version", "name", "applied_at"), [(version, name, now)])
            applied.append(name)
            break
    return applied


_ADD_COLUMNS = re.compile(r"^\s*ALTER\s+TABLE\s+(\S+)\s+(ADD\s+COLUMN\b.*)$", re.IGNORECASE | re.DOTALL)
_NEXT_CLAUSE = re.compile(r",\s*(?=ADD\s+COLUMN\b)", re.IGNORECASE)
_COLUMN_NAME = re.compile(r"ADD\s+COLUMN\s+(\w+)", re.IGNORECASE)


def _execute(backend: Backend, statement: str) -> None:
    """Run one statement; an ALTER TABLE … ADD COLUMN only for the columns not there yet."""
    match = _ADD_COLUMNS.match(statement)
    if match is None:
        backend.execute(statement)
        return
    table, clauses = match.group(1), _NEXT_CLAUSE.split(match.group(2))
    database, _, name = table.rpartition(".")
    _, rows = backend.query(f"SELECT name FROM system.columns WHERE database = '{check_identifier(database)}' "
                            f"AND table = '{check_identifier(name)}'")
    existing = {r[0] for r in rows}
    missing = [c for c in clauses if _COLUMN_NAME.match(c).group(1) not in existing]
    if missing:
        backend.execute(f"ALTER TABLE {table} " + ", ".join(missing))


def require_migrated(backend: Backend, database: str) -> None:
    """Readers never migrate (the pipeline's user does, DESIGN.md § Reading the results: users):
    a database behind this version's migrations is one clear error."""
    try:
        done = applied_versions(backend, database)
    except ClickHouseError as exc:
        raise ClickHouseError(f"no results in database {database} yet ({exc}): run the pipeline first") from None
    pending = [name for version, name, _ in list_migrations() if version not in done]
    if pending:
        raise ClickHouseError(f"database {database} lacks {', '.join(pending)} of this version: run the pipeline "
                              "(`cluetrain run` or `cluetrain worker`) once, with the user that migrates")
