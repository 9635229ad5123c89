"""deploy/grafana/: every panel's SQL, and the brand variable's, with the Grafana macros
expanded as the ClickHouse plugin does, run on both backends over the demo data
(data/twcs_head5000.csv through the real processor): each returns rows."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from cluetrain.reports.grafana import brand_variable_sql, expand, load_dashboard, panel_queries
from tests.support.demo_rows import insert_twcs_sample

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARD = load_dashboard()
DATASOURCE = (GRAFANA / "provisioning" / "datasources" / "cluetrain.yaml").read_text(encoding="utf-8")
PANELS = {panel["title"]: panel for panel in DASHBOARD["panels"]}


@pytest.fixture
def demo(backend):
    insert_twcs_sample(backend)
    return backend


def test_the_datasource_is_the_clickhouse_plugin_as_the_read_only_user():
    assert "type: grafana-clickhouse-datasource" in DATASOURCE
    assert "username: cluetrain_bi" in DATASOURCE and "password: ${CLUETRAIN_BI_PASSWORD}" in DATASOURCE
    uid = re.search(r"uid: (\S+)", DATASOURCE).group(1)
    for panel in DASHBOARD["panels"]:
        assert {panel["datasource"]["uid"]} | {t["datasource"]["uid"] for t in panel["targets"]} == {uid}


def test_the_dashboard_has_the_panels_of_production():
    assert {"SLA compliance", "Customer messages", "First reply, median", "Awaiting an answer",
            "SLA compliance over time", "First-reply latency distribution", "Sentiment over time",
            "Open-turn queue: next SLA breach first", "Alerts"} <= set(PANELS)
    ids = [panel["id"] for panel in DASHBOARD["panels"]]
    assert len(ids) == len(set(ids))


def test_every_panel_returns_rows_on_the_demo_data(demo):
    db = demo.database
    _, bounds = demo.query(f"SELECT min(created_at), max(created_at) FROM {db}.mentions")
    start, end = (int(t.timestamp()) for t in bounds[0])
    end += int(timedelta(days=2).total_seconds())  # answers and breaches after the last mention
    brands = [row[0] for row in demo.query(brand_variable_sql(DASHBOARD, db))[1]]
    assert len(brands) > 50
    queries = panel_queries(DASHBOARD, db, brands, start, end)
    assert set(queries) == set(PANELS)
    for title, sql in queries.items():
        columns, rows = demo.query(sql)
        assert rows, f"{title}: no rows"
        assert any(value is not None for value in rows[0]), f"{title}: {columns} are all NULL"
        if PANELS[title]["targets"][0]["queryType"] == "timeseries":
            assert columns[0] == "period_start" and len(rows) > 1, title


def test_a_macro_left_unexpanded_is_an_error():
    with pytest.raises(ValueError, match=r"not expanded here: SELECT \$__interval"):
        expand("SELECT $__interval", "db", [], 0, 1)


def test_one_brand_narrows_the_panels(demo):
    db = demo.database
    sql = expand(PANELS["Customer messages"]["targets"][0]["rawSql"], db, ["delta"], 0, 2**31 - 1)
    assert demo.query(sql)[1] == demo.query(
        f"SELECT sum(customer_messages), sum(turns_opened) FROM {db}.reciprocity_windows FINAL "
        "WHERE brand = 'delta'")[1]
