from datetime import datetime, timezone

import pytest

from cluetrain.web.dashboard.filters import (FilterError, Filters, Span, brand_condition, bucket_seconds,
                                             parse_filters, span_of, sql_string)

CLOCK = int(datetime(2017, 11, 1, 12, 0, 30, tzinfo=timezone.utc).timestamp())
MINUTE_OF_CLOCK = CLOCK - 30


def test_default_is_all_brands_last_24_hours():
    assert parse_filters("") == Filters(brand=None, range="24h")


def test_preset_ranges_end_at_the_stream_clock_in_whole_minutes_like_v_brand_rolling():
    # the last hour = the 60 windows after floor(clock) - 3600, the clock's own minute included
    assert span_of(parse_filters("range=1h"), CLOCK) == Span(MINUTE_OF_CLOCK - 3600 + 60, None)
    assert span_of(parse_filters("range=7d"), CLOCK) == Span(MINUTE_OF_CLOCK - 7 * 86400 + 60, None)
    assert span_of(parse_filters("range=all"), CLOCK) == Span(None, None)


def test_custom_range_is_utc_and_starts_at_its_minute():
    filters = parse_filters("range=custom&from=2017-11-01T10:00:45Z&to=2017-11-01T11:00")
    start, end = span_of(filters, CLOCK).start, span_of(filters, CLOCK).end
    assert datetime.fromtimestamp(start, timezone.utc) == datetime(2017, 11, 1, 10, 0, tzinfo=timezone.utc)
    assert datetime.fromtimestamp(end, timezone.utc) == datetime(2017, 11, 1, 11, 0, tzinfo=timezone.utc)
    assert filters.query_string() == "range=custom&from=2017-11-01T10%3A00%3A45Z&to=2017-11-01T11%3A00%3A00Z"


@pytest.mark.parametrize("query, message", [
    ("range=week", "unknown time range 'week'"),
    ("range=custom&from=2017-11-01T10:00Z", "needs both a start"),
    ("range=custom&from=2017-11-01T10:00Z&to=2017-11-01T09:00Z", "ends before it starts"),
    ("range=custom&from=yesterday&to=2017-11-01T09:00Z", "from='yesterday' is not a date"),
])
def test_bad_filters_say_what_to_fix(query, message):
    with pytest.raises(FilterError, match=message):
        parse_filters(query)


def test_span_conditions_and_literals():
    assert Span(60, 120).condition("window_start") == \
        "window_start >= toDateTime(60) AND window_start < toDateTime(120)"
    assert Span(None, None).condition("x") == "1"
    assert sql_string("it's a \\ test") == "'it\\'s a \\\\ test'"
    assert brand_condition(None) == "1"
    assert brand_condition("o'brien") == "brand = 'o\\'brien'"


def test_chart_buckets_keep_charts_under_72_points():
    assert bucket_seconds(0, 3600) == 60
    assert bucket_seconds(0, 86400) == 1800
    assert bucket_seconds(0, 7 * 86400) == 3 * 3600
    assert bucket_seconds(0, 0) == 60
