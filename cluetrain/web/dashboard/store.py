"""Reading the store: the `query(sql) -> (columns, rows)` callable the dashboard is
given, the stream clock, the brands, and the errors a viewer can act on.

The SQL uses unqualified names: the caller's query() has the database selected.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

Query = Callable[[str], "tuple[list[str], list[tuple]]"]


class StoreUnavailable(RuntimeError):
    """The store could not answer; str() is one line for the viewer."""


class EmptyStore(RuntimeError):
    """The database holds no event yet."""


class StoreNotMigrated(StoreUnavailable):
    """A table or view the page reads is missing: the database is behind this version."""


# what a missing table or view reads like on ClickHouse 18.16 and on chdb (code 60)
_MISSING_TABLE = re.compile(r"Code: 60\b|Unknown table|doesn't exist", re.IGNORECASE)


class UnknownBrand(LookupError):
    def __init__(self, brand: str, known: list[str]):
        super().__init__(brand)
        self.brand, self.known = brand, known


@dataclass(frozen=True)
class Clock:
    """The stream's event-time clock and a fingerprint of what is stored: when the
    fingerprint is unchanged, so is every figure of the page."""
    as_of_s: int        # latest created_at of any event
    first_s: int        # earliest window: the start of "all time"
    fingerprint: str


def rows(query: Query, sql: str) -> list[dict]:
    """The result of `sql` as dicts, every failure as StoreUnavailable."""
    try:
        columns, values = query(sql)
    except Exception as error:  # any driver or engine error: the page shows it, never a trace
        kind = StoreNotMigrated if _MISSING_TABLE.search(str(error)) else StoreUnavailable
        raise kind(_one_line(error)) from error
    return [dict(zip(columns, row)) for row in values]


def one(query: Query, sql: str) -> dict:
    found = rows(query, sql)
    return found[0] if found else {}


def epoch(value) -> int | None:
    """A DateTime as epoch seconds (the backends return aware datetimes)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return int(value.timestamp())
    return int(value)


CLOCK_SQL = """
SELECT
    greatest((SELECT max(created_at) FROM mentions), (SELECT max(created_at) FROM replies)) AS c_as_of,
    (SELECT min(window_start) FROM reciprocity_windows) AS c_first,
    (SELECT count() FROM mentions) + (SELECT count() FROM replies) AS c_events,
    (SELECT count() FROM turns) AS c_turn_rows,
    (SELECT max(version) FROM turns) AS c_turn_version,
    (SELECT count() FROM alerts) AS c_alert_rows,
    (SELECT max(version) FROM alerts) AS c_alert_version,
    (SELECT count() FROM reciprocity_windows) AS c_window_rows,
    (SELECT max(version) FROM reciprocity_windows) AS c_window_version
"""


def read_clock(query: Query) -> Clock:
    found = one(query, CLOCK_SQL)
    if not found.get("c_events"):
        raise EmptyStore()
    as_of = epoch(found["c_as_of"])
    first = epoch(found["c_first"]) or as_of
    fingerprint = ":".join(str(found[k]) for k in sorted(found))
    return Clock(as_of_s=as_of, first_s=min(first, as_of), fingerprint=fingerprint)


def brands(query: Query) -> list[str]:
    return [r["brand"] for r in rows(query, "SELECT DISTINCT brand FROM reciprocity_windows ORDER BY brand")]


def check_brand(brand: str | None, known: list[str]) -> None:
    if brand is not None and brand not in known:
        raise UnknownBrand(brand, known)


def _one_line(error: Exception) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text.split("Stack trace:", 1)[0][:300]
