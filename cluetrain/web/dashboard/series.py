"""The data of the charts: series over time for the range, and the distributions.

Series are per bucket (filters.bucket_seconds) of the range: volume and compliance
from the minute windows, first/next reply latency (p50, exact) by the minute of the
answer, customer vs brand sentiment from sentiment_windows. The follower brackets,
sentiment recovery and responder leaderboard come from their views, which cover all
time (a view takes no parameter): the page labels them so.
"""
from __future__ import annotations

from .filters import Span, brand_condition
from .scorecard import ratio
from .store import Query, rows

# first-response distribution: upper bounds in seconds (exclusive), then the label
FIRST_RESPONSE_BUCKETS = ((300, "< 5 min"), (900, "5–15 min"), (3600, "15–60 min"), (4 * 3600, "1–4 h"),
                          (86400, "4–24 h"), (None, "≥ 24 h"))
LEADERBOARD_LENGTH = 10


def _bucket(column: str, bucket_s: int) -> str:
    return f"intDiv(toUInt32({column}), {bucket_s}) * {bucket_s}"


def over_time(query: Query, brand: str | None, span: Span, bucket_s: int) -> dict:
    where = brand_condition(brand)
    windows = rows(query, f"""
        SELECT {_bucket('window_start', bucket_s)} AS b, sum(customer_messages) AS w_customer,
               sum(brand_replies) AS w_brand, sum(answered_within_sla) AS w_within, sum(breached) AS w_breached
        FROM reciprocity_windows FINAL WHERE {where} AND {span.condition('window_start')}
        GROUP BY b ORDER BY b""")
    latency = rows(query, f"""
        SELECT {_bucket('assumeNotNull(answered_at)', bucket_s)} AS b,
               countIf(is_first_reply = 1) AS l_first_n,
               quantileExactIf(0.5)(ifNull(latency_s, 0), is_first_reply = 1) AS l_first,
               countIf(is_answered = 1 AND turn_index > 0) AS l_next_n,
               quantileExactIf(0.5)(ifNull(latency_s, 0), is_answered = 1 AND turn_index > 0) AS l_next
        FROM v_turn_status
        WHERE {where} AND isNotNull(answered_at) AND {span.condition('answered_at')}
        GROUP BY b ORDER BY b""")
    tone = rows(query, f"""
        SELECT {_bucket('window_start', bucket_s)} AS b, side, sum(messages) AS s_messages, sum(score_sum) AS s_score
        FROM sentiment_windows FINAL WHERE {where} AND {span.condition('window_start')}
        GROUP BY b, side ORDER BY b, side""")
    sentiment: dict[int, dict] = {}
    for r in tone:
        point = sentiment.setdefault(int(r["b"]), {"t": int(r["b"]), "customer": None, "brand": None})
        point[r["side"]] = ratio(float(r["s_score"]), int(r["s_messages"]))
    return {
        "bucket_s": bucket_s,
        "volume": [{"t": int(r["b"]), "customer": int(r["w_customer"]), "brand": int(r["w_brand"])} for r in windows],
        "compliance": [{"t": int(r["b"]), "value": ratio(int(r["w_within"]), int(r["w_within"]) + int(r["w_breached"]))}
                       for r in windows if int(r["w_within"]) + int(r["w_breached"])],
        "latency": [{"t": int(r["b"]),
                     "first": int(r["l_first"]) if int(r["l_first_n"]) else None,
                     "next": int(r["l_next"]) if int(r["l_next_n"]) else None} for r in latency],
        "sentiment": list(sentiment.values()),
    }


def first_response(query: Query, brand: str | None, span: Span) -> list[dict]:
    """First turns opened in the range by the latency of their answer; unanswered last."""
    counts, lower = [], 0
    for upper, label in FIRST_RESPONSE_BUCKETS:
        bound = f" AND latency_s < {upper}" if upper is not None else ""
        counts.append(f"countIf(is_first_reply = 1 AND latency_s >= {lower}{bound}) AS f{len(counts)}")
        lower = upper
    found = rows(query, f"""
        SELECT {', '.join(counts)}, countIf(is_answered = 0) AS f_unanswered
        FROM v_turn_status WHERE {brand_condition(brand)} AND turn_index = 0 AND {span.condition('opened_minute')}""")
    r = found[0] if found else {}
    result = [{"label": label, "value": int(r.get(f"f{i}") or 0)} for i, (_, label) in enumerate(FIRST_RESPONSE_BUCKETS)]
    return result + [{"label": "Not answered", "value": int(r.get("f_unanswered") or 0)}]


def follower_brackets(query: Query, brand: str | None) -> list[dict]:
    found = rows(query, f"""
        SELECT bracket, bracket_order, sum(turns) AS b_turns, sum(answered) AS b_answered
        FROM v_follower_brackets WHERE {brand_condition(brand)}
        GROUP BY bracket, bracket_order ORDER BY bracket_order""")
    return [{"label": r["bracket"], "turns": int(r["b_turns"]), "answered": int(r["b_answered"]),
             "value": ratio(int(r["b_answered"]), int(r["b_turns"]))} for r in found]


def sentiment_recovery(query: Query, brand: str | None) -> list[dict]:
    """Share of negative customers no longer negative after the answer, per responder role."""
    found = rows(query, f"""
        SELECT responder_role, sum(recovered) AS r_recovered, sum(negative_with_next) AS r_negative,
               sum(soured) AS r_soured, sum(nonnegative_with_next) AS r_nonnegative
        FROM v_sentiment_recovery_by_role WHERE {brand_condition(brand)}
        GROUP BY responder_role ORDER BY responder_role""")
    labels = {"brand": "Brand account", "employee": "Employees"}
    return [{"label": labels.get(r["responder_role"], r["responder_role"] or "unanswered"),
             "negative": int(r["r_negative"]), "recovered": int(r["r_recovered"]),
             "value": ratio(int(r["r_recovered"]), int(r["r_negative"])),
             "souring_rate": ratio(int(r["r_soured"]), int(r["r_nonnegative"]))} for r in found]


def leaderboard(query: Query, brand: str | None) -> list[dict]:
    found = rows(query, f"""
        SELECT brand, responder_id, responder_role, answers, within_sla_share, latency_p50_s
        FROM v_responder_leaderboard WHERE {brand_condition(brand)}
        ORDER BY answers DESC, responder_id LIMIT {LEADERBOARD_LENGTH}""")
    return [{"brand": r["brand"], "responder": r["responder_id"], "role": r["responder_role"],
             "answers": int(r["answers"]), "within_sla_share": float(r["within_sla_share"]),
             "latency_p50_s": int(r["latency_p50_s"])} for r in found]
