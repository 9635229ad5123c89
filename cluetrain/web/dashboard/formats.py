"""How numbers and instants read on the page (one place for each)."""
from __future__ import annotations

from datetime import datetime, timezone
from html import escape


def percent(value: float | None) -> str:
    """A ratio as a percentage with one decimal (DESIGN.md § Reading the results: `67.9%`)."""
    return "–" if value is None else f"{value * 100:.1f}%"


def duration(seconds: float | None) -> str:
    """12 s, 4 min, 1 h 05 min, 2 d 3 h."""
    if seconds is None:
        return "–"
    seconds = int(round(abs(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    return f"{seconds // 86400} d {seconds % 86400 // 3600} h"


def score(value: float | None) -> str:
    return "–" if value is None else f"{value:+.2f}"


def utc_text(epoch_s: int) -> str:
    return datetime.fromtimestamp(epoch_s, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def utc_iso(epoch_s: int) -> str:
    return datetime.fromtimestamp(epoch_s, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def time_tag(epoch_s: int | None) -> str:
    """An instant: UTC in the markup; the page's script shows it in the viewer's time
    zone and keeps the UTC value as the hover title."""
    if epoch_s is None:
        return "–"
    return f'<time datetime="{utc_iso(epoch_s)}" title="{utc_text(epoch_s)}">{escape(utc_text(epoch_s))}</time>'
