"""Everything the page shows for one set of filters, as one JSON-ready dict."""
from __future__ import annotations

from . import series
from .filters import Filters, bucket_seconds, span_of
from .scorecard import ignored_conversations, open_queue, scorecard
from .store import Clock, Query, brands, check_brand


def load_snapshot(query: Query, filters: Filters, clock: Clock) -> dict:
    known = brands(query)
    check_brand(filters.brand, known)
    span = span_of(filters, clock.as_of_s)
    first = span.start if span.start is not None else clock.first_s
    last = span.end if span.end is not None else clock.as_of_s
    brand = filters.brand
    return {
        "as_of": clock.as_of_s,
        "fingerprint": clock.fingerprint,
        "brands": known,
        "brand": brand,
        "range": filters.range,
        "span": {"start": first, "end": last},
        "scorecard": scorecard(query, brand, span),
        "queue": open_queue(query, brand, clock.as_of_s),
        "ignored": ignored_conversations(query, brand, clock.as_of_s),
        "series": series.over_time(query, brand, span, bucket_seconds(first, last)),
        "first_response": series.first_response(query, brand, span),
        "follower_brackets": series.follower_brackets(query, brand),
        "sentiment_recovery": series.sentiment_recovery(query, brand),
        "leaderboard": series.leaderboard(query, brand),
    }
