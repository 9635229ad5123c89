"""The SQL of the provisioned Grafana dashboard (deploy/grafana/dashboards/cluetrain.json)
with its macros expanded as Grafana and the ClickHouse plugin do, so that the panels
can be run and timed outside Grafana (tests/integration/test_grafana_panels.py,
bench/view_bench.py). The dashboard uses only these macros: ${database},
${brand:singlequote} (the selected brands, quoted) and $__timeFilter(column) (the
dashboard's range, both ends included)."""
from __future__ import annotations

import json
import re
from pathlib import Path

from .period import sql_string

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "dashboards" / "cluetrain.json"
_TIME_FILTER = re.compile(r"\$__timeFilter\(([^)]+)\)")


def load_dashboard(path: Path = DASHBOARD) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def expand(sql: str, database: str, brands: list[str], start_s: int, end_s: int) -> str:
    """`sql` with the macros replaced; ValueError if another macro is left."""
    sql = sql.replace("${database}", database)
    sql = sql.replace("${brand:singlequote}", ", ".join(sql_string(b) for b in brands) or "''")
    sql = _TIME_FILTER.sub(lambda m: f"{m.group(1)} >= toDateTime({int(start_s)}) AND "
                                     f"{m.group(1)} <= toDateTime({int(end_s)})", sql)
    if "$" in sql:
        raise ValueError(f"a Grafana macro that is not expanded here: {sql}")
    return sql


def brand_variable_sql(dashboard: dict, database: str) -> str:
    variable = next(v for v in dashboard["templating"]["list"] if v["name"] == "brand")
    return expand(variable["query"], database, [], 0, 0)


def panel_queries(dashboard: dict, database: str, brands: list[str], start_s: int, end_s: int) -> dict[str, str]:
    """{panel title: its SQL, expanded} (a panel with several queries: 'title/refId')."""
    out = {}
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            name = panel["title"] if len(panel["targets"]) == 1 else f"{panel['title']}/{target['refId']}"
            out[name] = expand(target["rawSql"], database, brands, start_s, end_s)
    return out
