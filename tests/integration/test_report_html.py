"""`cluetrain report --format html` in real headless Chromium, on both backends: one
self-contained file whose four charts are drawn (pixels on a canvas, not just markup)
and carry the numbers of the views, read here straight from the views.

Data: the hand-made rows of test_bi_views (brand acme over 29 hours: an hourly series).
"""
from __future__ import annotations

import pytest

from cluetrain.reports.period import ReportScope
from cluetrain.reports.report import build_report
from tests.integration.test_bi_views import (
    MENTIONS, REPLIES, SENTIMENT, STALE_SENTIMENT, STALE_TURNS, STALE_WINDOWS, TURNS, WINDOWS,
)
from tests.support.chromium import chromium, colored_pixels, require_chromium
from tests.support.rows import insert_rows

pytestmark = pytest.mark.integration

CHARTS = ("compliance-volume", "latency-distribution", "who-answers", "sentiment")


@pytest.fixture
def page(backend, tmp_path):
    require_chromium()
    for table, rows in [("turns", STALE_TURNS), ("turns", TURNS), ("reciprocity_windows", STALE_WINDOWS),
                        ("reciprocity_windows", WINDOWS), ("sentiment_windows", STALE_SENTIMENT),
                        ("sentiment_windows", SENTIMENT), ("mentions", MENTIONS), ("replies", REPLIES)]:
        insert_rows(backend, table, rows)
    html = build_report(backend, backend.database, ReportScope(brand="acme"), "html")
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    with chromium() as driver:
        driver.get(path.as_uri())
        yield backend, html, driver


def column(backend, sql: str) -> list:
    return [row[0] for row in backend.query(sql.format(db=backend.database))[1]]


def drawn(driver, chart: str, series: str) -> list[float]:
    marks = driver.find_elements("css selector", f'#{chart} .mark[data-series="{series}"]')
    return [float(m.get_attribute("data-value")) for m in marks]


def test_the_page_is_one_self_contained_file(page):
    _, html, driver = page
    for outside in ("<script", "<link", "src=", "url(", "@import"):
        assert outside not in html
    assert html.count("http") == html.count('xmlns="http://www.w3.org/2000/svg"')
    assert driver.title.startswith("cluetrain report: brand acme, all time")


def test_every_chart_is_drawn(page):
    _, _, driver = page
    for chart in CHARTS:
        svg = driver.find_element("css selector", f"#{chart} svg")
        assert svg.size["width"] >= 700 and svg.size["height"] >= 100, chart
        with_marks = colored_pixels(driver, svg)
        driver.execute_script("for (const m of arguments[0].querySelectorAll('.mark, polyline'))"
                              " m.style.display = 'none'", svg)
        frame_only = colored_pixels(driver, svg)
        # the marks (bars, points, lines) themselves cover pixels, beyond axes and labels
        assert with_marks - frame_only > 500, f"{chart}: {with_marks} pixels, {frame_only} without the marks"


def test_the_charts_carry_the_views_numbers(page):
    backend, _, driver = page
    hourly = "SELECT {column} FROM {{db}}.v_brand_hourly WHERE brand = 'acme' AND {column} IS NOT NULL " \
             "ORDER BY period_start"
    # one bar per hour from day 1 10:00 to day 2 14:00, the hours without a row empty
    volume = drawn(driver, "compliance-volume", "volume")
    assert len(volume) == 29
    assert [v for v in volume if v] == [v for v in column(backend, hourly.format(column="customer_messages")) if v]
    assert drawn(driver, "compliance-volume", "compliance") == pytest.approx(
        column(backend, hourly.format(column="sla_compliance")))
    assert drawn(driver, "sentiment", "customer") == pytest.approx(
        column(backend, hourly.format(column="customer_sentiment")))
    assert drawn(driver, "sentiment", "brand") == pytest.approx(column(backend, hourly.format(column="brand_sentiment")))
    assert drawn(driver, "latency-distribution", "bucket") == column(
        backend, "SELECT conversations FROM {db}.v_first_response_buckets WHERE brand = 'acme' ORDER BY bucket_order")
    answers = drawn(driver, "who-answers", "brand") + drawn(driver, "who-answers", "employee")
    assert sorted(answers) == sorted(column(
        backend, "SELECT answers FROM {db}.v_responder_sla WHERE brand = 'acme'"))
    # and against the hand-made figures: acme 3, Ann 2, Bob 1 answers; buckets as in test_bi_views
    assert sorted(answers) == [1, 2, 3]
    assert drawn(driver, "latency-distribution", "bucket") == [3, 0, 1, 0, 1]
