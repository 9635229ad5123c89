"""Polarity of a sentiment score: positive >= 0.05, negative <= -0.05, neutral otherwise.

DESIGN.md § Sentiment analyzers and the polarity threshold.

The one definition of the thresholds: the fold counts positive/neutral/negative
messages with `polarity()`, and the SQL migrations receive the same numbers as
template variables (cluetrain/sinks/migrate.py), so a view and a window never
disagree on what "negative" means.
"""
from __future__ import annotations

POSITIVE_THRESHOLD = 0.05   # a score at or above it is positive
NEGATIVE_THRESHOLD = -0.05  # a score at or below it is negative


def polarity(score: float) -> str:
    """"positive", "negative" or "neutral"."""
    if score >= POSITIVE_THRESHOLD:
        return "positive"
    if score <= NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"
