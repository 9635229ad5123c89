"""Every table's rows after the processor ran over the twcs sample (data/twcs_head5000.csv),
for view and panel tests that need realistic data on a real backend."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import orjson

from cluetrain.settings import Settings
from cluetrain.sinks.tables import SPECS
from cluetrain.sources.replay import replay_to_memory
from cluetrain.sources.twcs import import_twcs
from tests.support.pipeline_driver import consume

ROOT = Path(__file__).resolve().parents[2]


@lru_cache(maxsize=1)
def twcs_sample_rows() -> dict[str, list[tuple]]:
    """{table: rows in the table spec's column order}."""
    settings = Settings.from_env({})
    events = import_twcs(ROOT / "data" / "twcs_head5000.csv").events
    tables = consume(settings, replay_to_memory(settings, [orjson.dumps(e) for e in events]))
    return {name: [tuple(row[c] for c in spec.columns) for row in tables.rows(name).values()]
            for name, spec in SPECS.items()}


def insert_twcs_sample(backend) -> None:
    for table, rows in twcs_sample_rows().items():
        backend.insert(table, SPECS[table].columns, rows)
