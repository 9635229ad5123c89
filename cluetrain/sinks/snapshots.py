"""Snapshots of the views (migration 0011): the speed of a table, the values of the view.

A view computes from the base tables with FINAL on every read (seconds on a million
events); snapshot_<view> holds its rows as of a refresh, read in milliseconds. A
reader uses a snapshot only while it is exact: its refresh recorded the fingerprint of
the tables (the highest block number of each: an insert raises it, a merge does
not), and the tables still have that fingerprint. Otherwise it reads the view, so
what a reader shows is always what the view's definition gives.

    python -m cluetrain.sinks.snapshots --clickhouse URL     # refresh every snapshot

The pipeline's user refreshes (it writes); readers only read (readonly=2 is enough).
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import datetime, timezone
from typing import Callable

from .backends import Backend, check_identifier

Query = Callable[[str], tuple[list, list]]

PREFIX = "snapshot_"
STATE = "snapshot_state"
# a view defined as one grouping of another view: refreshed from that view's new
# snapshot instead of computing the parent again (the definitions in 0005/0006/0008;
# tests/integration/test_view_snapshots.py checks each snapshot equals its view)
DERIVED = {
    "v_brand_hourly": ("v_brand_timeseries", "granularity = 'hour'"),
    "v_brand_daily": ("v_brand_timeseries", "granularity = 'day'"),
    "v_template_share": ("v_template_share_grouped", "grouping = 'brand'"),
    "v_template_share_by_author": ("v_template_share_grouped", "grouping = 'author'"),
    "v_sentiment_recovery": ("v_sentiment_recovery_grouped", "grouping = 'brand'"),
    "v_sentiment_recovery_by_role": ("v_sentiment_recovery_grouped", "grouping = 'responder_role' AND answered > 0"),
}
KEEP_GENERATIONS = 2  # the previous one stays for a reader that chose it just before a refresh

_READ = re.compile(r"\b(FROM|JOIN)(\s+)((?:\w+\.)?)(v_\w+)\b(?!\s*\()")


def fingerprint(query: Query, database: str | None = None) -> str:
    """The highest block number of every table but the snapshots, as one string (a new
    block anywhere, even in a table no view reads yet, makes the snapshots stale;
    database None: the query's current database)."""
    where = f"'{check_identifier(database)}'" if database else "currentDatabase()"
    _, rows = query(f"SELECT table, max(max_block_number) FROM system.parts WHERE database = {where} "
                    f"AND active AND NOT startsWith(table, '{PREFIX}') GROUP BY table ORDER BY table")
    return ",".join(f"{table}:{int(block)}" for table, block in rows)


def fresh_generations(query: Query, database: str | None = None) -> dict[str, int]:
    """view -> the generation of its snapshot that equals the view now (views whose
    snapshot is missing or stale are absent; database None: the query's current one)."""
    state = f"{check_identifier(database)}.{STATE}" if database else STATE
    try:
        _, rows = query(f"SELECT view, max(generation) AS g, argMax(fingerprint, generation) "
                        f"FROM {state} GROUP BY view")
    except Exception:  # noqa: BLE001 - no snapshot_state (a database before 0011): the views, as before
        return {}
    if not rows:
        return {}
    current = fingerprint(query, database)
    return {view: int(generation) for view, generation, fp in rows if fp == current}


def reading_snapshots(sql: str, generations: dict[str, int]) -> str:
    """The SQL with each `FROM/JOIN [db.]v_x` whose snapshot is fresh reading it instead:
    `FROM snapshot_v_x AS v_x PREWHERE snapshot_generation = g` (the generation's
    partition read first, the query's own WHERE unchanged after it); after a JOIN,
    where PREWHERE is not allowed, a subquery of that generation."""
    def swap(m: re.Match) -> str:
        keyword, space, prefix, view = m.groups()
        if view not in generations:
            return m.group(0)
        table, generation = f"{prefix}{PREFIX}{view}", generations[view]
        if keyword.upper() == "FROM":
            return f"{keyword}{space}{table} AS {view} PREWHERE snapshot_generation = {generation}"
        return f"{keyword}{space}(SELECT * FROM {table} WHERE snapshot_generation = {generation}) AS {view}"
    return _READ.sub(swap, sql)


def snapshot_query(query: Query, database: str | None = None) -> Query:
    """A query function that reads the fresh snapshots (chosen once, now) for the views."""
    generations = fresh_generations(query, database)
    return lambda sql: query(reading_snapshots(sql, generations))


def snapshot_views(backend: Backend, database: str) -> list[str]:
    """Every view that has a snapshot table, parents before the views derived from them."""
    _, rows = backend.query(f"SELECT name FROM system.tables WHERE database = '{check_identifier(database)}' "
                            f"AND name LIKE '{PREFIX}v\\\\_%' ORDER BY name")
    views = [name[len(PREFIX):] for (name,) in rows]
    return sorted(views, key=lambda v: (v in DERIVED, v))


def refresh(backend: Backend, database: str, views: list[str] | None = None) -> dict[str, int]:
    """Refresh the snapshots (all of them by default) as one generation; view -> rows."""
    db = check_identifier(database)
    names = snapshot_views(backend, db) if views is None else sorted(views, key=lambda v: (v in DERIVED, v))
    stamp = fingerprint(backend.query, db)  # before reading: a write during the refresh makes it stale
    generation = int(time.time() * 1000)
    done: dict[str, int] = {}
    for view in names:
        start = time.perf_counter()
        if _columns(backend, db, view) != _columns(backend, db, PREFIX + view)[1:]:
            # a later migration changed the view and not its snapshot: readers keep the view
            print(f"cluetrain: snapshot_{view} does not have the columns of {view}: not refreshed "
                  "(a migration must recreate it)", file=sys.stderr)
            continue
        parent, condition = DERIVED.get(view, (None, None))
        if parent in done:
            source = (f"SELECT {', '.join(c for c, _ in _columns(backend, db, view))} FROM {db}.{PREFIX}{parent} "
                      f"WHERE snapshot_generation = {generation} AND {condition}")
        else:
            source = f"SELECT * FROM {db}.{check_identifier(view, 'view')}"
        backend.execute(f"INSERT INTO {db}.{PREFIX}{view} SELECT toUInt64({generation}), * FROM ({source})")
        rows = int(backend.query(f"SELECT count() FROM {db}.{PREFIX}{view} "
                                 f"WHERE snapshot_generation = {generation}")[1][0][0])
        elapsed = int((time.perf_counter() - start) * 1000)
        backend.insert(f"{db}.{STATE}", ("view", "generation", "fingerprint", "refreshed_at", "rows", "duration_ms"),
                       [(view, generation, stamp, datetime.now(timezone.utc).replace(microsecond=0),
                         rows, elapsed)])
        _drop_old(backend, db, view)
        done[view] = rows
    return done


def _columns(backend: Backend, db: str, table: str) -> list[tuple[str, str]]:
    # in declaration order (18.16 has no system.columns.position to sort by)
    _, rows = backend.query(f"SELECT name, type FROM system.columns WHERE database = '{db}' AND table = '{table}'")
    return [(name, ch_type) for name, ch_type in rows]


def _drop_old(backend: Backend, db: str, view: str) -> None:
    _, rows = backend.query(f"SELECT DISTINCT partition FROM system.parts WHERE database = '{db}' "
                            f"AND table = '{PREFIX}{view}' AND active")
    generations = sorted(int(str(p).strip("'")) for (p,) in rows)
    for old in generations[:-KEEP_GENERATIONS]:
        backend.execute(f"ALTER TABLE {db}.{PREFIX}{view} DROP PARTITION {old}")


def main(argv: list[str] | None = None) -> int:
    from .backends import open_backend

    p = argparse.ArgumentParser(prog="python -m cluetrain.sinks.snapshots", description=__doc__.split("\n")[0])
    p.add_argument("--clickhouse", required=True, help="the store: a chdb directory or clickhouse://…/database")
    args = p.parse_args(argv)
    with open_backend(args.clickhouse) as backend:
        start = time.perf_counter()
        done = refresh(backend, backend.database)
    print(f"{len(done)} snapshots refreshed in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
