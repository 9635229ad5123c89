"""What the viewer asked for (brand, time range) and the SQL conditions it becomes.

Every range is in EVENT time: "last hour" ends at the stream's clock (the latest
created_at stored), never at the machine's clock, so a replay of 2017 data shows
2017 (DESIGN.md § Dashboard). Ranges are whole one-minute windows, as the windows
tables count: the last R seconds are the minutes after floor(clock) - R, the rule of
v_brand_rolling, so the 1 h and 24 h figures equal that view's.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlencode

RANGES = {"1h": 3600, "24h": 86400, "7d": 7 * 86400, "all": None, "custom": None}
RANGE_LABELS = {"1h": "Last hour", "24h": "Last 24 hours", "7d": "Last 7 days", "all": "All time",
                "custom": "Custom"}
DEFAULT_RANGE = "24h"
# chart buckets, the smallest that keeps a chart under MAX_POINTS points
BUCKETS_S = (60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400)
MAX_POINTS = 72


class FilterError(ValueError):
    """The URL asks for something that cannot be shown; str() tells the viewer what to fix."""


@dataclass(frozen=True)
class Filters:
    brand: str | None = None          # None: all brands
    range: str = DEFAULT_RANGE
    start: datetime | None = None     # custom range only, UTC
    end: datetime | None = None

    def query_string(self, **changes) -> str:
        """The URL query that asks for these filters (with `changes` applied)."""
        values = {"brand": self.brand, "range": self.range, "from": _iso(self.start), "to": _iso(self.end)}
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v})


@dataclass(frozen=True)
class Span:
    """[start, end) in epoch seconds, None for an open side."""
    start: int | None
    end: int | None

    def condition(self, column: str) -> str:
        """SQL: `column` (a DateTime) within the span; '1' when unbounded."""
        parts = []
        if self.start is not None:
            parts.append(f"{column} >= toDateTime({self.start})")
        if self.end is not None:
            parts.append(f"{column} < toDateTime({self.end})")
        return " AND ".join(parts) or "1"


def parse_filters(query_string: str) -> Filters:
    params = {k: v[-1] for k, v in parse_qs(query_string).items()}
    range_name = params.get("range") or DEFAULT_RANGE
    if range_name not in RANGES:
        raise FilterError(f"unknown time range {range_name!r}: use one of {', '.join(RANGES)}")
    start, end = _utc(params.get("from"), "from"), _utc(params.get("to"), "to")
    if range_name == "custom":
        if start is None or end is None:
            raise FilterError("a custom range needs both a start (from) and an end (to)")
        if end <= start:
            raise FilterError("the custom range ends before it starts: pick an end after the start")
    else:
        start = end = None
    return Filters(brand=params.get("brand") or None, range=range_name, start=start, end=end)


def span_of(filters: Filters, clock_s: int) -> Span:
    """The windows the filters cover, for a stream whose clock is `clock_s`."""
    if filters.range == "custom":
        return Span(_floor_minute(int(filters.start.timestamp())), int(filters.end.timestamp()))
    seconds = RANGES[filters.range]
    if seconds is None:
        return Span(None, None)
    return Span(_floor_minute(clock_s) - seconds + 60, None)


def bucket_seconds(first_s: int, last_s: int) -> int:
    """The chart bucket for data from first_s to last_s."""
    width = max(last_s - first_s, 60)
    return next((b for b in BUCKETS_S if width / b <= MAX_POINTS), BUCKETS_S[-1])


def sql_string(value: str) -> str:
    """A ClickHouse string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def brand_condition(brand: str | None) -> str:
    return "1" if brand is None else f"brand = {sql_string(brand)}"


def _floor_minute(seconds: int) -> int:
    return seconds - seconds % 60


def _utc(text: str | None, name: str) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise FilterError(f"{name}={text!r} is not a date and time (expected e.g. 2017-11-01T12:00Z)") from None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")
