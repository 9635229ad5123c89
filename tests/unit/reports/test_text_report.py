"""The text and CSV renderings of a report, and the gap filling of its series (no ClickHouse)."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

from cluetrain.reports.period import ReportScope
from cluetrain.reports.summary import EMPTY, BrandLine, ReportData, Responder, Totals, fill_gaps
from cluetrain.reports.text_report import TERMINAL_WIDTH, format_tone, render_csv, render_table, role_summary

T0 = datetime(2017, 11, 1, 10, tzinfo=timezone.utc)
TOTALS = Totals(customer_messages=12, turns=8, answered=6, within_sla=4, breached=2, sla_compliance=4 / 6,
                customer_sentiment=-0.25, brand_sentiment=0.5, templated_share=0.125, peer_replies=3)


def data(brand_name="acme") -> ReportData:
    return ReportData(
        scope=ReportScope(), clock=T0 + timedelta(hours=2), granularity="hour",
        brands=[BrandLine(brand_name, TOTALS, 4, 600, 7200)],
        series=[(T0, TOTALS), (T0 + timedelta(hours=1), EMPTY)],
        buckets=[("0-1h", 3), ("1-4h", 0), ("4-8h", 1), ("8-24h", 0), ("24h+", 0)],
        responders=[Responder("acme/" + "A" * 40, "employee", brand_name, 4, 3, 4000)],
        answers_by_role={"brand": 2, "employee": 4, "peer": 3})


def test_table_fits_a_100_column_terminal_even_with_long_names():
    text = render_table(data("b" * 60))
    assert max(len(line) for line in text.splitlines()) <= TERMINAL_WIDTH
    assert "66.7%" in text and "10m00s" in text and "2h00m" in text and "-0.25" in text
    assert "2017-11-01 10:00" in text and "(stream clock: 2017-11-01 12:00 UTC)" in text


def test_csv_keeps_raw_values_one_block_per_section():
    blocks = render_csv(data()).split("\n\n")
    assert [b.splitlines()[0] for b in blocks] == [
        "Per brand", "Per hour", "Wait for a first reply (conversations by first-reply latency)",
        "Who answers (top 1 responders by answers)"]
    brand = list(csv.reader(io.StringIO(blocks[0])))
    assert brand[2] == ["acme", "12", "8", "6", "2", str(4 / 6), "600", "7200", "-0.25", "0.125"]
    series = list(csv.reader(io.StringIO(blocks[1])))
    assert series[3] == ["2017-11-01T11:00:00+00:00", "0", "0", "0", "0", "", "", ""]


def test_role_summary_and_tone():
    assert role_summary(data()) == ("Answers: brand accounts 2 (33.3%), named employees 4 (66.7%); "
                                    "other customers replied 3 times.")
    assert (format_tone(None), format_tone(0.123), format_tone(-0.5)) == ("-", "+0.12", "-0.50")


def test_fill_gaps_makes_the_axis_time():
    hour = timedelta(hours=1)
    filled = fill_gaps([(T0, TOTALS), (T0 + 3 * hour, TOTALS)], "hour")
    assert [start for start, _ in filled] == [T0 + i * hour for i in range(4)]
    assert [t for _, t in filled][1:3] == [EMPTY, EMPTY]
    sparse = [(T0, TOTALS), (T0 + timedelta(days=600), TOTALS)]
    assert fill_gaps(sparse, "day") == sparse
