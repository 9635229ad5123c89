"""The scorecard, the queue of open turns and the ignored conversations.

Figures over a range follow DESIGN.md § Metric definitions: SLA compliance and
breaches from the minute windows of the range (each counted when it happened), the
reply rate and first-reply latencies over the turns OPENED in the range (as
v_brand_rolling and v_brand_latency), the templated share over the brand-side
replies written in it (v_reply_templates). Open turns and open alerts are the
state now, whatever the range. Turns and windows are filtered on columns that
never change between row versions (started_at, window_start, brand), so a filter
can never pick a superseded version.
"""
from __future__ import annotations

from .filters import Span, brand_condition
from .store import Query, epoch, one, rows

QUEUE_LENGTH = 12


def ratio(numerator, denominator) -> float | None:
    return None if not denominator else numerator / denominator


def scorecard(query: Query, brand: str | None, span: Span) -> dict:
    where = brand_condition(brand)
    windows = one(query, f"""
        SELECT sum(customer_messages) AS w_customer, sum(brand_replies) AS w_brand,
               sum(employee_replies) AS w_employee, sum(peer_replies) AS w_peer,
               sum(answered_within_sla) AS w_within, sum(breached) AS w_breached
        FROM reciprocity_windows FINAL WHERE {where} AND {span.condition('window_start')}""")
    turns = one(query, f"""
        SELECT count() AS t_turns, sum(is_answered) AS t_answered, sum(is_first_reply) AS t_first,
               quantileExactIf(0.5)(ifNull(latency_s, 0), is_first_reply = 1) AS t_p50,
               quantileExactIf(0.9)(ifNull(latency_s, 0), is_first_reply = 1) AS t_p90
        FROM v_turn_status WHERE {where} AND {span.condition('opened_minute')}""")
    now = one(query, f"""
        SELECT (SELECT count() FROM v_turn_status WHERE {where} AND is_open = 1) AS n_open,
               (SELECT count() FROM v_alert_status WHERE {where} AND is_open = 1) AS n_alerts""")
    voice = one(query, f"""
        SELECT count() AS v_replies, sum(templated) AS v_templated
        FROM v_reply_templates WHERE {where} AND {span.condition('created_at')}""")
    tone = {r["side"]: r for r in rows(query, f"""
        SELECT side, sum(messages) AS s_messages, sum(score_sum) AS s_score
        FROM sentiment_windows FINAL WHERE {where} AND {span.condition('window_start')}
        GROUP BY side""")}
    within, breached = int(windows.get("w_within") or 0), int(windows.get("w_breached") or 0)
    first = int(turns.get("t_first") or 0)
    return {
        "sla_compliance": ratio(within, within + breached),
        "within_sla": within,
        "breached": breached,
        "first_replies": first,
        "first_reply_p50_s": int(turns["t_p50"]) if first else None,
        "first_reply_p90_s": int(turns["t_p90"]) if first else None,
        "turns": int(turns.get("t_turns") or 0),
        "answered": int(turns.get("t_answered") or 0),
        "reply_rate": ratio(int(turns.get("t_answered") or 0), int(turns.get("t_turns") or 0)),
        "open_turns": int(now.get("n_open") or 0),
        "open_alerts": int(now.get("n_alerts") or 0),
        "brand_replies": int(voice.get("v_replies") or 0),
        "templated_share": ratio(int(voice.get("v_templated") or 0), int(voice.get("v_replies") or 0)),
        "customer_sentiment": _mean_score(tone.get("customer")),
        "brand_sentiment": _mean_score(tone.get("brand")),
        "customer_messages": int(windows.get("w_customer") or 0),
        "who_answers": [
            {"label": "Brand account", "value": int(windows.get("w_brand") or 0) - int(windows.get("w_employee") or 0)},
            {"label": "Employees", "value": int(windows.get("w_employee") or 0)},
            {"label": "Peers (other customers)", "value": int(windows.get("w_peer") or 0)},
        ],
    }


def open_queue(query: Query, brand: str | None, as_of_s: int) -> list[dict]:
    """The open turns nearest their deadline (v_open_turn_queue, its order). The
    countdown runs from the stream's clock: due_in_s < 0 is past the deadline with the
    breach not emitted yet (the watermark lags the clock by the allowed lateness); the
    breached turns still unanswered are the ignored conversations."""
    found = rows(query, f"""
        SELECT brand, conversation_id, turn_index, started_at, deadline, customer_messages,
               customer_followers, last_sentiment
        FROM v_open_turn_queue WHERE {brand_condition(brand)} AND status = 'open'
        ORDER BY seconds_to_deadline, brand, conversation_id, turn_index LIMIT {QUEUE_LENGTH}""")
    return [{
        "brand": r["brand"], "conversation_id": r["conversation_id"], "turn_index": int(r["turn_index"]),
        "started_at": epoch(r["started_at"]), "deadline": epoch(r["deadline"]),
        "due_in_s": epoch(r["deadline"]) - as_of_s, "customer_messages": int(r["customer_messages"]),
        "followers": r["customer_followers"], "last_sentiment": round(float(r["last_sentiment"]), 3),
    } for r in found]


def ignored_conversations(query: Query, brand: str | None, as_of_s: int) -> list[dict]:
    """Open ignored-conversation alerts, latest first (v_alert_status: the latest version
    of each alert, so the filter on is_open, which changes, is exact)."""
    found = rows(query, f"""
        SELECT alert_id, brand AS a_brand, conversation_id AS a_conversation, fired_at AS a_fired,
               severity AS a_severity
        FROM v_alert_status WHERE kind = 'ignored_conversation' AND {brand_condition(brand)} AND is_open = 1
        ORDER BY a_fired DESC, alert_id LIMIT {QUEUE_LENGTH}""")
    return [{
        "alert_id": r["alert_id"], "brand": r["a_brand"], "conversation_id": r["a_conversation"],
        "fired_at": epoch(r["a_fired"]), "overdue_s": as_of_s - epoch(r["a_fired"]), "severity": r["a_severity"],
    } for r in found]


def _mean_score(side: dict | None) -> float | None:
    if not side or not side["s_messages"]:
        return None
    return float(side["s_score"]) / int(side["s_messages"])
