"""`cluetrain report`: the scope's figures (summary.py) rendered as a table, CSV or HTML.

Without --brand and a range, the table also carries the all-time sections whose
views have no time column (reply rate by audience, sentiment recovery, templated
answers per employee).
"""
from __future__ import annotations

import textwrap

from .brand import bracket_report, format_table
from .html_report import render_html
from .period import ReportScope
from .summary import read_report
from .text_report import TERMINAL_WIDTH, render_csv, render_table
from .voice import recovery_report, template_report, voice_sections

FORMATS = ("table", "csv", "html")


def all_time_sections(backend, database: str) -> str:
    brackets = bracket_report(backend, database)
    voice = voice_sections(recovery_report(backend, database), template_report(backend, database))
    return "\n".join(["", "Reply rate by audience of the customer who opened the turn (all time)",
                      format_table(*brackets), voice])


def build_report(backend, database: str, scope: ReportScope, fmt: str = "table") -> str:
    """The report's text in `fmt` (one of FORMATS)."""
    data = read_report(backend, database, scope)
    if fmt == "csv":
        return render_csv(data)
    if fmt == "html":
        return render_html(data)
    text = render_table(data)
    if scope.brand is None and not scope.has_range:
        text += "\n" + all_time_sections(backend, database)
    return "\n".join(fit(line) for line in text.splitlines()) + "\n"


def fit(line: str, width: int = TERMINAL_WIDTH) -> str:
    """A line of prose longer than the terminal, wrapped to it."""
    return line if len(line) <= width else "\n".join(textwrap.wrap(line, width))
