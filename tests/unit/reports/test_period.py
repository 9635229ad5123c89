"""The scope of a report: --since/--until parsing, the SQL condition, the granularity."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from cluetrain.reports.period import ReportScope, granularity_for, parse_instant, sql_string

UTC = timezone.utc


@pytest.mark.parametrize("text, expected", [
    ("2017-10-31", datetime(2017, 10, 31, tzinfo=UTC)),
    ("2017-10-31T14:00", datetime(2017, 10, 31, 14, tzinfo=UTC)),
    ("2017-10-31 14:00:05Z", datetime(2017, 10, 31, 14, 0, 5, tzinfo=UTC)),
    ("2017-10-31T16:00+02:00", datetime(2017, 10, 31, 14, tzinfo=UTC)),
])
def test_parse_instant_is_utc(text, expected):
    assert parse_instant(text, "--since") == expected


def test_parse_instant_names_the_flag():
    with pytest.raises(ValueError, match=r"^--until: not a date or time: 'tomorrow' \(expected e.g. 2017-10-31"):
        parse_instant("tomorrow", "--until")


def test_since_must_be_before_until():
    moment = datetime(2017, 10, 31, tzinfo=UTC)
    with pytest.raises(ValueError, match=r"--since \(2017-10-31 00:00\) must be before --until"):
        ReportScope(since=moment, until=moment)


def test_where_quotes_the_brand_and_bounds_the_range():
    scope = ReportScope(brand="o'brien\\", since=datetime(2017, 10, 31, tzinfo=UTC))
    assert scope.where("period_start") == r"brand = 'o\'brien\\' AND period_start >= toDateTime(1509408000)"
    assert ReportScope().where("x") == "1"
    assert sql_string("a'b") == r"'a\'b'"


def test_describe():
    assert ReportScope().describe() == "all brands, all time"
    assert ReportScope(brand="acme", until=datetime(2017, 11, 1, tzinfo=UTC)).describe() == (
        "brand acme, the start to 2017-11-01 00:00 UTC")


def test_granularity_is_hourly_up_to_three_days():
    start = datetime(2017, 10, 1, tzinfo=UTC)
    assert granularity_for(start, start + timedelta(days=3)) == "hour"
    assert granularity_for(start, start + timedelta(days=3, hours=1)) == "day"
    assert granularity_for(None, None) == "hour"
