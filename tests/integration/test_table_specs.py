"""Every row spec of sinks/tables.py against the tables the migrations create, on both backends:
same columns in the same order, same sorting key, same version column."""
from __future__ import annotations

import re

import pytest

from cluetrain.sinks import snapshots
from cluetrain.sinks.tables import SPECS

pytestmark = pytest.mark.integration


def create_statement(backend, table: str) -> str:
    _, rows = backend.query(f"SHOW CREATE TABLE {backend.database}.{table}")
    return " ".join(rows[0][0].split())


def sorting_key(statement: str) -> tuple[str, ...]:
    match = re.search(r"ORDER BY \(?([^()]*?)\)?(?: SETTINGS| PARTITION| SAMPLE|$)", statement)
    assert match, statement
    return tuple(c.strip() for c in match.group(1).split(","))


def version_column(statement: str) -> str | None:
    match = re.search(r"ENGINE = ReplacingMergeTree(?:\((\w*)\))?", statement)
    assert match, statement
    return match.group(1) or None


@pytest.mark.parametrize("table", sorted(SPECS))
def test_spec_equals_the_migrated_table(backend, table):
    spec = SPECS[table]
    _, rows = backend.query(
        f"SELECT name FROM system.columns WHERE database = '{backend.database}' AND table = '{table}'")
    assert tuple(r[0] for r in rows) == spec.columns  # system.columns lists them in table order
    statement = create_statement(backend, table)
    assert sorting_key(statement) == spec.key
    assert version_column(statement) == spec.version


def test_every_table_of_the_migrations_has_a_spec(backend):
    _, rows = backend.query(f"SELECT name FROM system.tables WHERE database = '{backend.database}' "
                            "AND engine LIKE '%MergeTree%' AND name != 'schema_migrations'")
    # the views' snapshot tables are copies of views (sinks/snapshots.py), not rows the pipeline builds
    assert {r[0] for r in rows if not r[0].startswith(snapshots.PREFIX)} == set(SPECS)
