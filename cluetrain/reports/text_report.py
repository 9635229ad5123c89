"""`cluetrain report` as text: a table for a 100-column terminal, or CSV.

Both render the same sections of a ReportData (summary.py). The table formats ratios
as percentages, latencies as durations and shortens long names; the CSV keeps the raw
values (ISO times, ratios in [0, 1], seconds), one block per section with its title on
the first row and a blank row between blocks.
"""
from __future__ import annotations

import csv
import io
import textwrap

from .brand import format_duration, format_percent, format_table
from .summary import ReportData, Totals

TERMINAL_WIDTH = 100
SERIES_ROWS_SHOWN = 14  # the table shows the latest periods; CSV and HTML have them all
NAME_WIDTH = 22
BRAND_WIDTH = 15  # the per-brand table has ten columns: its names are the shortest
ROLE_NAMES = {"brand": "brand accounts", "employee": "named employees", "peer": "other customers"}


def _short(name: str, width: int = NAME_WIDTH) -> str:
    return name if len(name) <= width else name[: width - 1] + "~"


def format_tone(score) -> str:
    """Mean sentiment in [-1, 1] -> '+0.12'; None -> '-'."""
    return "-" if score is None else f"{float(score):+.2f}"


def _period(start, granularity: str) -> str:
    return f"{start:%Y-%m-%d}" if granularity == "day" else f"{start:%Y-%m-%d %H:00}"


def sections(data: ReportData, raw: bool) -> list[tuple[str, list[str], list[tuple]]]:
    """(title, columns, rows) of every section; raw=True keeps unformatted values."""
    pct = (lambda v: v) if raw else format_percent
    dur = (lambda v: v) if raw else format_duration
    tone = (lambda v: v) if raw else format_tone
    name = (lambda v, width=NAME_WIDTH: v) if raw else _short

    def totals(t: Totals) -> tuple:
        return (t.customer_messages, t.turns, t.answered, t.breached, pct(t.sla_compliance))

    brands = [(name(b.brand, BRAND_WIDTH), *totals(b.totals), dur(b.first_reply_p50_s), dur(b.first_reply_p90_s),
               tone(b.totals.customer_sentiment), pct(b.totals.templated_share)) for b in data.brands]
    series = data.series if raw else data.series[-SERIES_ROWS_SHOWN:]
    period_rows = [(start.isoformat() if raw else _period(start, data.granularity), *totals(t),
                    tone(t.customer_sentiment), tone(t.brand_sentiment)) for start, t in series]
    waited = sum(n for _, n in data.buckets)
    buckets = [(label, n, pct(n / waited if waited else None)) for label, n in data.buckets]
    responders = [(name(r.responder_id), r.role, name(r.brand, BRAND_WIDTH), r.answers, pct(r.sla_compliance),
                   dur(r.mean_latency_s)) for r in data.responders]
    per = "hour" if data.granularity == "hour" else "day"
    shown = "" if raw or len(data.series) <= SERIES_ROWS_SHOWN else \
        f" (latest {SERIES_ROWS_SHOWN} of {len(data.series)}; --format csv or html for all)"
    total = ["messages", "turns", "answered", "breached", "sla"]
    return [
        ("Per brand", ["brand", *total, "first_p50", "first_p90", "tone", "templated"], brands),
        (f"Per {per}{shown}", [per, *total, "customer_tone", "brand_tone"], period_rows),
        ("Wait for a first reply (conversations by first-reply latency)",
         ["first_reply", "conversations", "share"], buckets),
        (f"Who answers (top {len(responders)} responders by answers)",
         ["responder", "role", "brand", "answers", "sla", "mean_latency"], responders),
    ]


def role_summary(data: ReportData) -> str:
    """'Answers: brand accounts 120 (60.0%), named employees 80 (40.0%); other customers
    replied 12 times.'"""
    staff = {role: n for role, n in data.answers_by_role.items() if role != "peer"}
    whole = sum(staff.values())
    parts = [f"{ROLE_NAMES.get(role, role)} {n:,} ({format_percent(n / whole if whole else None)})"
             for role, n in sorted(staff.items())]
    peers = data.answers_by_role.get("peer", 0)
    return f"Answers: {', '.join(parts) or 'none'}; other customers replied {peers:,} times."


def header(data: ReportData) -> str:
    clock = f"{data.clock:%Y-%m-%d %H:%M} UTC" if data.clock else "no data yet"
    return f"cluetrain report: {data.scope.describe()} (stream clock: {clock})"


def render_table(data: ReportData) -> str:
    out = [header(data)]
    for title, columns, rows in sections(data, raw=False):
        out += ["", title, format_table(columns, rows) if rows else "(nothing in this scope)"]
        if title.startswith("Who answers"):
            out += textwrap.wrap(role_summary(data), TERMINAL_WIDTH)
    return "\n".join(out)


def render_csv(data: ReportData) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for i, (title, columns, rows) in enumerate(sections(data, raw=True)):
        if i:
            writer.writerow([])
        writer.writerow([title])
        writer.writerow(columns)
        writer.writerows(["" if v is None else v for v in row] for row in rows)
    return buffer.getvalue()
