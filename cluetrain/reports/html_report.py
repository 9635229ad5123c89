"""`cluetrain report --format html`: one self-contained page (inline CSS and SVG, no
script, nothing fetched) with the report's tables and four charts: compliance and
volume over time, the first-reply latency distribution, who answers, sentiment over
time. The tables are the sections of the text report (text_report.sections)."""
from __future__ import annotations

from html import escape

from . import svg
from .summary import ReportData
from .text_report import header, role_summary, sections

STYLE = """
body { font-family: sans-serif; margin: 24px auto; max-width: 1000px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.legend span { display: inline-block; margin-right: 16px; font-size: 12px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
.empty { color: #888; font-style: italic; }
"""


def _table(columns, rows) -> str:
    if not rows:
        return '<p class="empty">Nothing in this scope.</p>'
    head = "".join(f"<th>{escape(str(c))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _legend(*series: tuple[str, str]) -> str:
    items = "".join(f'<span><i style="background:{svg.COLORS[key]}"></i>{escape(text)}</span>'
                    for key, text in series)
    return f'<div class="legend">{items}</div>'


def _figure(chart_id: str, title: str, chart: str, legend: str = "") -> str:
    return f'<figure id="{chart_id}"><h2>{escape(title)}</h2>{legend}{chart}</figure>'


def charts(data: ReportData) -> list[str]:
    fmt = "%Y-%m-%d" if data.granularity == "day" else "%m-%d %H:00"
    labels = [start.strftime(fmt) for start, _ in data.series]
    totals = [t for _, t in data.series]
    per = "hour" if data.granularity == "hour" else "day"
    return [
        _figure("compliance-volume", f"SLA compliance and volume per {per}",
                svg.volume_compliance_chart(labels, [t.customer_messages for t in totals],
                                            [t.sla_compliance for t in totals]),
                _legend(("volume", "customer messages (left axis)"), ("compliance", "SLA compliance (right axis)"))),
        _figure("latency-distribution", "Wait for a first reply (conversations)",
                svg.bucket_chart([label for label, _ in data.buckets], [n for _, n in data.buckets])),
        _figure("who-answers", "Who answers (answers per responder)",
                svg.responder_chart([r.responder_id for r in data.responders], [r.role for r in data.responders],
                                    [r.answers for r in data.responders]),
                _legend(("brand", "brand account"), ("employee", "named employee"))
                + f"<p>{escape(role_summary(data))}</p>"),
        _figure("sentiment", f"Mean sentiment per {per}",
                svg.sentiment_chart(labels, [t.customer_sentiment for t in totals],
                                    [t.brand_sentiment for t in totals]),
                _legend(("customer", "customers"), ("brand", "brand side"))),
    ]


def render_html(data: ReportData) -> str:
    """The scorecard, the charts, then the tables behind them (the series is charted only)."""
    title = header(data)
    scorecard, _series, *details = sections(data, raw=False)
    tables = ["<h2>{}</h2>{}".format(escape(t), _table(columns, rows)) for t, columns, rows in [scorecard, *details]]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
            f"<h1>{escape(title)}</h1>{tables[0]}{''.join(charts(data))}{''.join(tables[1:])}</body></html>\n")
