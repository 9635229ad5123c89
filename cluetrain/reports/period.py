"""What a report covers: an optional brand and a range of hours [since, until).

`--since` / `--until` take a UTC date (2017-10-31) or date and time (2017-10-31T14:00,
a space instead of the T, an optional Z or +00:00). The range selects the hours (or
days) that START in it, and the answers given in it: a figure of a period is counted
at the moment it happened (DESIGN.md § Metric definitions), so a range is a sum of
periods.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

# up to this span the series is hourly, beyond it daily
HOURLY_UP_TO = timedelta(days=3)


def parse_instant(text: str, flag: str) -> datetime:
    """'2017-10-31' or '2017-10-31T14:00[:00][Z]' -> aware UTC datetime; ValueError naming the flag."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{flag}: not a date or time: {text!r} (expected e.g. 2017-10-31 or "
                         "2017-10-31T14:00, UTC)") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def sql_string(value: str) -> str:
    """A ClickHouse string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _sql_time(moment: datetime) -> str:
    return f"toDateTime({int(moment.timestamp())})"


@dataclass(frozen=True)
class ReportScope:
    brand: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self):
        if self.since and self.until and self.since >= self.until:
            raise ValueError(f"--since ({self.since:%Y-%m-%d %H:%M}) must be before --until "
                             f"({self.until:%Y-%m-%d %H:%M})")

    @property
    def has_range(self) -> bool:
        return self.since is not None or self.until is not None

    def where(self, time_column: str, brand_column: str = "brand") -> str:
        """The SQL condition of this scope on a time column (and the brand column)."""
        conditions = []
        if self.brand is not None:
            conditions.append(f"{brand_column} = {sql_string(self.brand)}")
        if self.since is not None:
            conditions.append(f"{time_column} >= {_sql_time(self.since)}")
        if self.until is not None:
            conditions.append(f"{time_column} < {_sql_time(self.until)}")
        return " AND ".join(conditions) or "1"

    def describe(self) -> str:
        """'acme, 2017-10-01 00:00 to 2017-11-01 00:00 UTC' and the like."""
        since = f"{self.since:%Y-%m-%d %H:%M}" if self.since else "the start"
        until = f"{self.until:%Y-%m-%d %H:%M} UTC" if self.until else "now (stream clock)"
        span = "all time" if not self.has_range else f"{since} to {until}"
        return f"{'brand ' + self.brand if self.brand else 'all brands'}, {span}"


def granularity_for(first: datetime | None, last: datetime | None) -> str:
    """'hour' when the data of the scope spans at most HOURLY_UP_TO, else 'day'."""
    if first is None or last is None or last - first <= HOURLY_UP_TO:
        return "hour"
    return "day"
