"""Snapshots of the views (cluetrain/sinks/snapshots.py, migration 0011) on both backends,
over the demo data (data/twcs_head5000.csv through the real processor): after a refresh
every snapshot holds exactly its view's rows; a reader uses a snapshot only while no
block was written to the base tables since, and reads the view otherwise."""
from __future__ import annotations

import math
from dataclasses import asdict

import pytest

from cluetrain.reports.period import ReportScope
from cluetrain.reports.summary import read_report
from cluetrain.sinks import snapshots
from cluetrain.sinks.tables import SPECS
from tests.support.demo_rows import insert_twcs_sample, twcs_sample_rows

pytestmark = pytest.mark.integration

@pytest.fixture
def demo(backend):
    insert_twcs_sample(backend)
    return backend


def _same(value):
    # NaN never equals itself; floats compared to the last bit would also do, but a
    # NULL and a NaN must stay different
    return "nan" if isinstance(value, float) and math.isnan(value) else value


def _rows(backend, sql):
    columns, rows = backend.query(sql)
    return columns, sorted((tuple(_same(v) for v in row) for row in rows), key=repr)


def test_every_snapshot_equals_its_view_after_a_refresh(demo):
    db = demo.database
    views = snapshots.snapshot_views(demo, db)
    assert {"v_brand_hourly", "v_brand_daily", "v_reply_templates", "v_conversations", "v_turn_status"} <= set(views)
    assert snapshots.fresh_generations(demo.query, db) == {}
    done = snapshots.refresh(demo, db)
    assert set(done) == set(views) and done["v_turn_status"] > 0 and done["v_brand_hourly"] > 0
    generations = snapshots.fresh_generations(demo.query, db)
    assert set(generations) == set(views)
    for view in views:
        columns, expected = _rows(demo, f"SELECT * FROM {db}.{view}")
        snap_columns, got = _rows(demo, f"SELECT {', '.join(columns)} FROM {db}.snapshot_{view} "
                                        f"WHERE snapshot_generation = {generations[view]}")
        assert got == expected, view
        rewritten = snapshots.reading_snapshots(f"SELECT {', '.join(columns)} FROM {db}.{view}", generations)
        assert f"snapshot_{view}" in rewritten and _rows(demo, rewritten)[1] == expected, view


def test_a_write_after_the_refresh_sends_readers_back_to_the_views(demo):
    db = demo.database
    snapshots.refresh(demo, db, ["v_brand_overview", "v_brand_timeseries", "v_brand_hourly"])
    assert set(snapshots.fresh_generations(demo.query, db)) == {"v_brand_overview", "v_brand_timeseries",
                                                               "v_brand_hourly"}
    before = read_report(demo, db, ReportScope())
    # a newer version of one minute window, one more customer message: a new block
    columns = SPECS["reciprocity_windows"].columns
    window = dict(zip(columns, twcs_sample_rows()["reciprocity_windows"][0]))
    window.update(customer_messages=window["customer_messages"] + 1, version=window["version"] + 1)
    demo.insert("reciprocity_windows", columns, [tuple(window[c] for c in columns)])
    assert snapshots.fresh_generations(demo.query, db) == {}
    sql = f"SELECT brand, customer_messages FROM {db}.v_brand_overview"
    assert snapshots.reading_snapshots(sql, snapshots.fresh_generations(demo.query, db)) == sql
    after = read_report(demo, db, ReportScope())
    assert sum(b.totals.customer_messages for b in after.brands) == \
        sum(b.totals.customer_messages for b in before.brands) + 1


def test_the_report_reads_fresh_snapshots_and_gives_the_views_figures(demo):
    db = demo.database
    from_views = read_report(demo, db, ReportScope())
    snapshots.refresh(demo, db)
    assert snapshots.fresh_generations(demo.query, db)
    # the same values; a float sum over rows may differ in its last bits with the rows' order
    assert _rounded(asdict(read_report(demo, db, ReportScope()))) == _rounded(asdict(from_views))


def _rounded(value):
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    return value


def test_a_refresh_keeps_the_previous_generation_and_drops_older_ones(demo):
    db = demo.database
    for _ in range(3):
        snapshots.refresh(demo, db, ["v_brand_overview"])
    _, parts = demo.query(f"SELECT DISTINCT partition FROM system.parts WHERE database = '{db}' "
                          "AND table = 'snapshot_v_brand_overview' AND active")
    assert len(parts) == snapshots.KEEP_GENERATIONS
    latest = snapshots.fresh_generations(demo.query, db)["v_brand_overview"]
    assert str(latest) in {str(p).strip("'") for (p,) in parts}


def test_a_snapshot_without_its_views_columns_is_not_refreshed_and_readers_keep_the_view(demo, capsys):
    db = demo.database
    demo.execute(f"ALTER TABLE {db}.snapshot_v_brand_overview ADD COLUMN stale_column UInt8")
    done = snapshots.refresh(demo, db, ["v_brand_overview", "v_brand_latency"])
    assert set(done) == {"v_brand_latency"}
    assert "snapshot_v_brand_overview does not have the columns of v_brand_overview" in capsys.readouterr().err
    assert set(snapshots.fresh_generations(demo.query, db)) == {"v_brand_latency"}
