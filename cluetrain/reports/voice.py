"""The voice sections of `cluetrain report`: sentiment recovery and templated answers.

The figures are defined once, in the views of
cluetrain/sinks/migrations/0006_voice_views_grouped.sql (read with FINAL inside): this
module only selects, orders and formats them. The pure helpers (*_rows,
recovery_summary) take plain rows, so they are tested without ClickHouse.
"""
from __future__ import annotations

from typing import Sequence

from cluetrain.reports.brand import format_percent, format_table
from cluetrain.sinks.backends import check_identifier

VOICE_LIMIT = 10

# ----------------------------------------------------------- sentiment recovery

# short names: the report fits a 100-column terminal (the section's title explains them)
RECOVERY_COLUMNS = ["brand", "neg_followed", "recovered", "recovery", "by_account",
                    "by_employees", "soured", "souring"]

RECOVERY_SQL = """
SELECT brand, negative_with_next, recovered, nonnegative_with_next, soured
FROM {db}.v_sentiment_recovery
"""

RECOVERY_BY_ROLE_SQL = """
SELECT brand, responder_role, negative_with_next, recovered
FROM {db}.v_sentiment_recovery_by_role
"""


def _ratio(part: int, whole: int):
    return None if not whole else part / whole


def recovery_rows(brands: Sequence[Sequence], roles: Sequence[Sequence],
                  limit: int = VOICE_LIMIT) -> list[tuple]:
    """Rows of RECOVERY_SQL and RECOVERY_BY_ROLE_SQL -> display rows (RECOVERY_COLUMNS):
    the brands with the most negative answered turns followed by a next message
    first (brands with none are left out), at most `limit`. by_account / by_employees:
    the recovery rate of the turns the brand account / its employees answered."""
    rate_of = {(brand, role): _ratio(recovered, negative) for brand, role, negative, recovered in roles}
    kept = sorted((r for r in brands if r[1] > 0), key=lambda r: (-r[1], r[0]))[:limit]
    return [(brand, negative, recovered, format_percent(_ratio(recovered, negative)),
             format_percent(rate_of.get((brand, "brand"))), format_percent(rate_of.get((brand, "employee"))),
             soured, format_percent(_ratio(soured, calm)))
            for brand, negative, recovered, calm, soured in kept]


def recovery_summary(roles: Sequence[Sequence]) -> str:
    """One line over every brand: the recovery rate of the brand accounts' answers vs
    the named employees' answers (rows of RECOVERY_BY_ROLE_SQL)."""
    totals = {"brand": [0, 0], "employee": [0, 0]}
    for _, role, negative, recovered in roles:
        if role in totals:
            totals[role][0] += recovered
            totals[role][1] += negative

    def part(label, role):
        recovered, negative = totals[role]
        return f"{label} {recovered} of {negative} ({format_percent(_ratio(recovered, negative))})"

    return ("All brands, negative customers who wrote again after the answer and were no longer "
            f"negative: {part('brand accounts', 'brand')}, {part('named employees', 'employee')}.")


def recovery_report(backend, database: str, limit: int = VOICE_LIMIT) -> tuple[list[str], list[tuple], str]:
    """Does an answer calm an angry customer down? Per brand (top `limit`), with the
    brand account's and the employees' recovery rates, and the all-brands summary."""
    db = check_identifier(database)
    _, brands = backend.query(RECOVERY_SQL.format(db=db))
    _, roles = backend.query(RECOVERY_BY_ROLE_SQL.format(db=db))
    return list(RECOVERY_COLUMNS), recovery_rows(brands, roles, limit), recovery_summary(roles)


# ------------------------------------------------------------ templated answers

TEMPLATE_BRAND_COLUMNS = ["brand", "replies", "templated", "share", "templates"]

TEMPLATE_BRAND_SQL = """
SELECT brand, replies, templated, share, templates
FROM {db}.v_template_share
ORDER BY replies DESC, templated DESC, brand
LIMIT {limit}
"""

TEMPLATE_EMPLOYEE_COLUMNS = ["employee", "brand", "replies", "templated", "share"]

TEMPLATE_EMPLOYEE_SQL = """
SELECT author_id, brand, replies, templated, share
FROM {db}.v_template_share_by_author
WHERE author_role = 'employee'
ORDER BY replies DESC, templated DESC, brand, author_id
LIMIT {limit}
"""


def template_brand_rows(rows: Sequence[Sequence]) -> list[tuple]:
    """Rows of TEMPLATE_BRAND_SQL -> display rows (TEMPLATE_BRAND_COLUMNS)."""
    return [(brand, replies, templated, format_percent(share), templates)
            for brand, replies, templated, share, templates in rows]


def template_employee_rows(rows: Sequence[Sequence]) -> list[tuple]:
    """Rows of TEMPLATE_EMPLOYEE_SQL -> display rows (TEMPLATE_EMPLOYEE_COLUMNS)."""
    return [(employee, brand, replies, templated, format_percent(share))
            for employee, brand, replies, templated, share in rows]


def template_report(backend, database: str, limit: int = VOICE_LIMIT):
    """Does the brand answer like a human? Share of templated brand-side replies for
    the `limit` brands and employees with the most replies:
    ((columns, rows) per brand, (columns, rows) per employee)."""
    db, limit = check_identifier(database), int(limit)
    _, brands = backend.query(TEMPLATE_BRAND_SQL.format(db=db, limit=limit))
    _, employees = backend.query(TEMPLATE_EMPLOYEE_SQL.format(db=db, limit=limit))
    return ((list(TEMPLATE_BRAND_COLUMNS), template_brand_rows(brands)),
            (list(TEMPLATE_EMPLOYEE_COLUMNS), template_employee_rows(employees)))


# ------------------------------------------------------------------ the text

def voice_sections(recovery, templates, limit: int = VOICE_LIMIT) -> str:
    """The two sections `cluetrain report` prints, from recovery_report() and
    template_report() (starting with a blank line)."""
    columns, rows, summary = recovery
    (brand_columns, brand_rows), (employee_columns, employee_rows) = templates
    return "\n".join([
        f"\nSentiment recovery: negative customers who wrote again after the answer (top {limit} brands)",
        format_table(columns, rows),
        summary,
        "\nTemplated answers: share of brand-side replies that near-duplicate another reply of the "
        f"brand (top {limit} brands by replies)",
        format_table(brand_columns, brand_rows),
        f"\nTemplated answers per employee (top {limit} by replies)",
        format_table(employee_columns, employee_rows),
    ])
