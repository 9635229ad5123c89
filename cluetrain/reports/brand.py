"""Per-brand reports read from the ClickHouse views, and table formatting.

The figures are defined once, in the views of
cluetrain/sinks/migrations/0005_reciprocity_views_on_turn_status.sql (read with FINAL inside):
this module only selects, orders and formats them. The pure helpers (format_*,
*_rows) take plain rows, so they are tested without ClickHouse.
"""
from __future__ import annotations

import re
from typing import Sequence

from cluetrain.sinks.backends import check_identifier

# ------------------------------------------------------------------ per brand

BRAND_COLUMNS = ["brand", "messages_in", "brand_replies", "employees", "turns", "sla_compliance",
                 "answered_late", "breached", "median_first_reply"]

BRAND_SQL = """
SELECT brand, customer_messages, brand_replies, employees, turns, sla_compliance,
       answered_late, breached, median_first_reply_s
FROM {db}.v_brand_overview
ORDER BY customer_messages DESC, turns DESC, brand
"""


def brand_rows(rows: Sequence[Sequence]) -> list[tuple]:
    """Rows of BRAND_SQL -> display rows (BRAND_COLUMNS)."""
    return [(brand, messages, replies, employees, turns, format_percent(sla), late, breached,
             format_duration(median))
            for brand, messages, replies, employees, turns, sla, late, breached, median in rows]


def brand_report(backend, database: str) -> tuple[list[str], list[tuple]]:
    """One line per brand, busiest first: messages in, brand replies, employees who
    answered, turns, SLA compliance, answered late, breached, median first-reply latency."""
    _, rows = backend.query(BRAND_SQL.format(db=check_identifier(database)))
    return list(BRAND_COLUMNS), brand_rows(rows)


# ----------------------------------------------------------- follower brackets

BRACKET_COLUMNS = ["brand", "followers", "turns", "answered", "reply_rate", "within_sla",
                   "sla_compliance", "median_latency"]

BRACKET_SQL = """
SELECT brand, bracket, bracket_order, turns, answered, reply_rate, within_sla, sla_compliance,
       median_latency_s
FROM {db}.v_follower_brackets
"""


def bracket_rows(rows: Sequence[Sequence]) -> list[tuple]:
    """Rows of BRACKET_SQL -> display rows (BRACKET_COLUMNS): brands with the most
    turns first, brackets from the smallest audience up ('unknown' last), the brand
    named on its first line only."""
    turns_of: dict[str, int] = {}
    for row in rows:
        turns_of[row[0]] = turns_of.get(row[0], 0) + row[3]

    def order(row):
        brand, bracket_order = row[0], row[2]
        return (-turns_of[brand], brand, bracket_order == 0, bracket_order)

    out, previous = [], None
    for brand, bracket, _, turns, answered, rate, within, sla, median in sorted(rows, key=order):
        out.append(("" if brand == previous else brand, bracket, turns, answered, format_percent(rate),
                    within, format_percent(sla), format_duration(median)))
        previous = brand
    return out


def bracket_report(backend, database: str) -> tuple[list[str], list[tuple]]:
    """Does the brand answer the loud customers first? Per brand and audience bracket
    of the customer who opened the turn."""
    _, rows = backend.query(BRACKET_SQL.format(db=check_identifier(database)))
    return list(BRACKET_COLUMNS), bracket_rows(rows)


# ------------------------------------------------------------------ the rest

def dead_letter_count(backend, database: str) -> int:
    _, rows = backend.query(f"SELECT count() FROM {check_identifier(database)}.dead_letters FINAL")
    return int(rows[0][0]) if rows else 0


def format_percent(ratio, digits: int = 1) -> str:
    """0.8571 -> '85.7%'; None (an empty denominator) -> '-'."""
    if ratio is None:
        return "-"
    return f"{float(ratio) * 100:.{digits}f}%"


def format_duration(seconds) -> str:
    if seconds is None:
        return "-"
    seconds = int(round(float(seconds)))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    if seconds < 86400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d{seconds % 86400 // 3600:02d}h"


def format_table(columns: Sequence[str], rows: Sequence[Sequence]) -> str:
    """A plain-text table; columns of numbers, percentages and durations are right-aligned."""
    cells = [[str(c) for c in columns]] + [["NULL" if v is None else str(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    numeric = [all(_is_number(r[i]) for r in cells[1:]) and len(cells) > 1 for i in range(len(columns))]

    def fmt(row):
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(row, widths, numeric)).rstrip()

    lines = [fmt(cells[0]), "  ".join("-" * w for w in widths)]
    lines += [fmt(r) for r in cells[1:]]
    return "\n".join(lines)


_MEASURE = re.compile(r"^-?\d+(\.\d+)?%$|^\d+(s|m\d\ds|h\d\dm|d\d\dh)$")


def _is_number(text: str) -> bool:
    if text in ("NULL", "-") or _MEASURE.match(text):
        return True
    try:
        float(text)
        return True
    except ValueError:
        return False
