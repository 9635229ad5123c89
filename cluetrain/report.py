"""Per-brand summaries read back from ClickHouse, and table formatting."""
from __future__ import annotations

from typing import Sequence

# One row per brand from the raw tables (FINAL: a re-delivered event counts once).
# First-reply latency: per conversation, the first brand-side reply at or after the
# conversation's first customer message.
BRAND_SUMMARY_SQL = """
SELECT
    brand,
    countIf(customer = 1) AS messages_in,
    countIf(customer = 0) AS brand_replies,
    uniqExactIf(author_id, author_role = 'employee') AS employees,
    uniqExact(conversation_id) AS conversations
FROM
(
    SELECT brand, conversation_id, author_id, author_role, 1 AS customer FROM {db}.mentions FINAL
    UNION ALL
    SELECT brand, conversation_id, author_id, author_role,
           if(author_role = 'customer', 1, 0) AS customer FROM {db}.replies FINAL
)
GROUP BY brand
ORDER BY messages_in DESC, brand
"""

FIRST_REPLY_SQL = """
SELECT brand, quantileExact(0.5)(first_reply - started) AS median_first_reply_s, count() AS answered
FROM
(
    SELECT m.brand AS brand, m.conversation_id AS conversation_id, m.started AS started,
           r.first_reply AS first_reply
    FROM
    (
        SELECT brand, conversation_id, min(created_at) AS started
        FROM {db}.mentions FINAL GROUP BY brand, conversation_id
    ) AS m
    INNER JOIN
    (
        SELECT brand, conversation_id, min(created_at) AS first_reply
        FROM {db}.replies FINAL
        WHERE author_role IN ('brand', 'employee')
        GROUP BY brand, conversation_id
    ) AS r
    ON m.brand = r.brand AND m.conversation_id = r.conversation_id
)
WHERE first_reply >= started
GROUP BY brand
"""

DEAD_LETTERS_SQL = "SELECT count() FROM {db}.dead_letters FINAL"


def brand_summary(backend, database: str) -> tuple[list[str], list[tuple]]:
    _, rows = backend.query(BRAND_SUMMARY_SQL.format(db=database))
    _, latency_rows = backend.query(FIRST_REPLY_SQL.format(db=database))
    latency = {r[0]: (r[1], r[2]) for r in latency_rows}
    columns = ["brand", "messages_in", "brand_replies", "employees", "conversations",
               "answered_conversations", "median_first_reply"]
    out = []
    for brand, messages_in, replies, employees, conversations in rows:
        median, answered = latency.get(brand, (None, 0))
        out.append((brand, messages_in, replies, employees, conversations, answered, format_duration(median)))
    return columns, out


def dead_letter_count(backend, database: str) -> int:
    _, rows = backend.query(DEAD_LETTERS_SQL.format(db=database))
    return int(rows[0][0]) if rows else 0


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
    cells = [[str(c) for c in columns]] + [["NULL" if v is None else str(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    numeric = [all(_is_number(r[i]) for r in cells[1:]) and len(cells) > 1 for i in range(len(columns))]

    def fmt(row):
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(row, widths, numeric)).rstrip()

    lines = [fmt(cells[0]), "  ".join("-" * w for w in widths)]
    lines += [fmt(r) for r in cells[1:]]
    return "\n".join(lines)


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return text == "NULL"
