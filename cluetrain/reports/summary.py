"""The figures of `cluetrain report` over a scope (brand, range), read from the BI views.

Every figure is defined in a view (cluetrain/sinks/migrations/0008_bi_views.sql,
0009_responder_hourly.sql); this module only sums the hourly (or daily) rows of the
scope, weighting means by their counts, and reads percentiles from v_conversations
(one row per conversation, so a percentile over any range is exact).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cluetrain.sinks.backends import check_identifier
from cluetrain.sinks.snapshots import snapshot_query

from .period import ReportScope, granularity_for

RESPONDER_LIMIT = 15
# a series is charted over time: the periods without a row are filled in as empty,
# unless that would make more periods than this (years of sparse history, per day)
MAX_FILLED_PERIODS = 500
PERIOD = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
SERIES_VIEW = {"hour": "v_brand_hourly", "day": "v_brand_daily"}

# sums over the rows of v_brand_hourly / v_brand_daily, as s_* (the outer code names them)
_SUMS = """
    sum(customer_messages) AS s_messages,
    sum(turns_opened) AS s_turns,
    sum(answered) AS s_answered,
    sum(within_sla) AS s_within,
    sum(breached) AS s_breached,
    if(s_within + s_breached = 0, NULL, s_within / (s_within + s_breached)) AS s_compliance,
    if(sum(customer_scored) = 0, NULL, sum(customer_sentiment * customer_scored) / sum(customer_scored)) AS s_customer,
    if(sum(brand_scored) = 0, NULL, sum(brand_sentiment * brand_scored) / sum(brand_scored)) AS s_brand,
    if(sum(brand_side_replies) = 0, NULL, sum(templated_replies) / sum(brand_side_replies)) AS s_templated,
    sum(peer_replies) AS s_peer"""

EXTENT_SQL = "SELECT min(period_start), max(period_start) FROM {db}.v_brand_hourly WHERE {where}"
SCORECARD_SQL = "SELECT brand, {sums} FROM {db}.v_brand_hourly WHERE {where} GROUP BY brand"
SERIES_SQL = ("SELECT period_start, {sums} FROM {db}.{view} WHERE {where} "
              "GROUP BY period_start ORDER BY period_start")
FIRST_REPLY_SQL = """
SELECT brand, count() AS f_replies,
       quantileExact(0.5)(ifNull(first_reply_latency_s, 0)) AS f_p50,
       quantileExact(0.9)(ifNull(first_reply_latency_s, 0)) AS f_p90
FROM {db}.v_conversations WHERE is_answered = 1 AND {where} GROUP BY brand
"""
BUCKET_LABELS_SQL = "SELECT DISTINCT bucket_order, bucket FROM {db}.v_first_response_buckets ORDER BY bucket_order"
BUCKETS_SQL = """
SELECT first_reply_bucket_order, count() AS b_conversations
FROM {db}.v_conversations WHERE is_answered = 1 AND {where} GROUP BY first_reply_bucket_order
"""
RESPONDERS_SQL = """
SELECT responder_id, responder_role, brand, sum(answers) AS r_answers, sum(within_sla) AS r_within,
       sum(latency_sum_s) AS r_latency
FROM {db}.v_responder_hourly WHERE {where}
GROUP BY responder_id, responder_role, brand
ORDER BY r_answers DESC, responder_id, brand
LIMIT {limit}
"""
ROLES_SQL = "SELECT responder_role, sum(answers) FROM {db}.v_responder_hourly WHERE {where} GROUP BY responder_role"
CLOCK_SQL = "SELECT max(window_start) FROM {db}.reciprocity_windows"


@dataclass(frozen=True)
class Totals:
    """Sums of the hourly rows of a brand or a period (None: an empty denominator)."""
    customer_messages: int
    turns: int
    answered: int
    within_sla: int
    breached: int
    sla_compliance: float | None
    customer_sentiment: float | None
    brand_sentiment: float | None
    templated_share: float | None
    peer_replies: int


@dataclass(frozen=True)
class BrandLine:
    brand: str
    totals: Totals
    first_replies: int
    first_reply_p50_s: int | None
    first_reply_p90_s: int | None


@dataclass(frozen=True)
class Responder:
    responder_id: str
    role: str
    brand: str
    answers: int
    within_sla: int
    latency_sum_s: int

    @property
    def sla_compliance(self) -> float:
        return self.within_sla / self.answers

    @property
    def mean_latency_s(self) -> float:
        return self.latency_sum_s / self.answers


@dataclass
class ReportData:
    scope: ReportScope
    clock: datetime | None
    granularity: str  # 'hour' or 'day'
    brands: list[BrandLine] = field(default_factory=list)  # busiest first
    series: list[tuple[datetime, Totals]] = field(default_factory=list)
    buckets: list[tuple[str, int]] = field(default_factory=list)  # (label, conversations), in order
    responders: list[Responder] = field(default_factory=list)  # most answers first
    answers_by_role: dict[str, int] = field(default_factory=dict)  # + 'peer' for customers' replies


EMPTY = Totals(0, 0, 0, 0, 0, None, None, None, None, 0)


def fill_gaps(series: list[tuple[datetime, Totals]], granularity: str) -> list[tuple[datetime, Totals]]:
    """The series with an EMPTY row for every period between its first and last that has
    none, so that a chart's x axis is time (up to MAX_FILLED_PERIODS periods)."""
    if not series:
        return series
    step = PERIOD[granularity]
    if (series[-1][0] - series[0][0]) / step >= MAX_FILLED_PERIODS:
        return series
    rows, start, out = dict(series), series[0][0], []
    while start <= series[-1][0]:
        out.append((start, rows.get(start, EMPTY)))
        start += step
    return out


def _totals(values) -> Totals:
    messages, turns, answered, within, breached, compliance, customer, brand, templated, peer = values
    return Totals(int(messages), int(turns), int(answered), int(within), int(breached), compliance,
                  customer, brand, templated, int(peer))


def _instant(value: datetime) -> datetime | None:
    # min/max over no rows give the epoch (ClickHouse has no NULL there)
    return value if value is not None and value.timestamp() > 0 else None


def report_queries(database: str, scope: ReportScope, granularity: str,
                   limit: int = RESPONDER_LIMIT) -> dict[str, str]:
    """Every query of a report over `scope`, by name, ready to run (also what
    bench/view_bench.py times)."""
    periods, replies = scope.where("period_start"), scope.where("first_reply_at")
    names = dict(db=check_identifier(database), sums=_SUMS, limit=int(limit), view=SERIES_VIEW[granularity])
    sql = {"extent": (EXTENT_SQL, periods), "clock": (CLOCK_SQL, ""), "first_reply": (FIRST_REPLY_SQL, replies),
           "scorecard": (SCORECARD_SQL, periods), "series": (SERIES_SQL, periods),
           "buckets": (BUCKETS_SQL, replies), "bucket_labels": (BUCKET_LABELS_SQL, ""),
           "responders": (RESPONDERS_SQL, periods), "roles": (ROLES_SQL, periods)}
    return {name: text.format(where=where, **names) for name, (text, where) in sql.items()}


def read_report(backend, database: str, scope: ReportScope, limit: int = RESPONDER_LIMIT) -> ReportData:
    query = snapshot_query(backend.query, database)  # the views' values, from their snapshots when fresh

    def rows(name: str, granularity: str = "hour") -> list[tuple]:
        return query(report_queries(database, scope, granularity, limit)[name])[1]

    first, last = (_instant(v) for v in rows("extent")[0])
    granularity = granularity_for(scope.since or first, scope.until or last)
    data = ReportData(scope, _instant(rows("clock")[0][0]), granularity)

    latency = {brand: (int(n), p50, p90) for brand, n, p50, p90 in rows("first_reply")}
    for brand, *values in rows("scorecard"):
        n, p50, p90 = latency.get(brand, (0, None, None))
        data.brands.append(BrandLine(brand, _totals(values), n, p50, p90))
    data.brands.sort(key=lambda line: (-line.totals.customer_messages, -line.totals.turns, line.brand))
    series = rows("series", granularity)
    data.series = fill_gaps([(start, _totals(values)) for start, *values in series], granularity)

    counts = dict(rows("buckets"))
    data.buckets = [(label, int(counts.get(order, 0))) for order, label in rows("bucket_labels")]
    data.responders = [Responder(rid, role, brand, int(n), int(within), int(latency_sum))
                       for rid, role, brand, n, within, latency_sum in rows("responders")]
    data.answers_by_role = {role: int(n) for role, n in rows("roles")}
    data.answers_by_role["peer"] = sum(line.totals.peer_replies for line in data.brands)
    return data
