"""Alert rules on turns (pure). What a social-care lead acts on within minutes.

- ignored_conversation: a turn breached its SLA. alert_id '<conversation_id>:<turn_index>',
  fired_at = deadline, resolved_at = answered_at of the late answer.
- escalation levels (sla_warning by default): a turn still unanswered at a fraction of
  its SLA (an early warning, so someone can still answer in time, or an escalation
  past the deadline). alert_id '<conversation_id>:<turn_index>:<kind without sla_>',
  fired_at = the instant with that fraction of the target in business time,
  resolved_at = answered_at (DESIGN.md § Escalation levels).
Both follow event time only, so a replay, a restart or another speed gives the same
alerts. Severity grows with the customer's audience, the unanswered messages and
their negativity. Ids, times and severities: DESIGN.md § Alerts and their ids.
"""
from __future__ import annotations

import json

from cluetrain.domain.results import Alert

IGNORED = "ignored_conversation"
WARNING = "sla_warning"
SEVERITIES = ("low", "medium", "high", "critical")
MAX_TEXT = 280


def severity(followers: int | None, unanswered: int, negative: int) -> str:
    points = 0
    if followers is not None:
        points += 3 if followers >= 100_000 else 2 if followers >= 10_000 else 1 if followers >= 1_000 else 0
    points += 2 if unanswered >= 3 else 1 if unanswered == 2 else 0
    points += 2 if negative >= 2 else 1 if negative == 1 else 0
    return "critical" if points >= 4 else "high" if points >= 2 else "medium" if points >= 1 else "low"


def turn_alert(kind: str, brand: str, conversation_id: str, turn, fired_ms: int, as_of_ms: int,
               facts: tuple | None = None, least: str | None = None) -> Alert:
    """The alert of `kind` for `turn` (a turns.Turn), in its state at `as_of_ms`, with
    the facts known when it fired and at least severity `least` (an escalation's)."""
    suffix = "" if kind == IGNORED else ":" + kind.removeprefix("sla_")
    unanswered, negative, last_text = facts or (turn.customer_messages, turn.negative_messages, turn.last_text)
    level = severity(turn.customer_followers, unanswered, negative)
    if least is not None and SEVERITIES.index(least) > SEVERITIES.index(level):
        level = least
    details = {
        "turn_index": turn.index,
        "link": f"{brand}/{conversation_id}/{turn.index}",
        "customer_id": turn.customer_id,
        "customer_followers": turn.customer_followers,
        "unanswered_messages": unanswered,
        "negative_messages": negative,
        "last_customer_text": (last_text or "")[:MAX_TEXT],
        "started_at": turn.started_ms // 1000,
        "deadline": turn.deadline_ms // 1000,
    }
    if turn.prioritized:  # only with a policy file: alerts without one stay as they were
        details["priority"] = turn.priority
    resolved_ms = turn.answered_ms
    if resolved_ms is not None:
        details.update(responder_id=turn.responder_id, responder_role=turn.responder_role,
                       latency_s=turn.latency_s)
    # table and topic hold whole seconds (fired_at DateTime): the alert's times are seconds too
    return Alert(
        alert_id=f"{conversation_id}:{turn.index}{suffix}", kind=kind, brand=brand,
        conversation_id=conversation_id, fired_ms=fired_ms // 1000 * 1000,
        resolved_ms=None if resolved_ms is None else resolved_ms // 1000 * 1000,
        severity=level,
        details=json.dumps(details, sort_keys=True, ensure_ascii=False), as_of_ms=as_of_ms)

