"""One conversation, as the drill-down shows it: every message in order (created_at,
event_id, DESIGN.md § Metric definitions), who wrote it, and the turns it holds."""
from __future__ import annotations

from .filters import sql_string
from .store import Query, epoch, rows


class UnknownConversation(LookupError):
    pass


def writer_of(message: dict, authors: dict[str, tuple[str, str]]) -> str:
    """customer | brand | employee | peer: a peer is a customer answering ANOTHER
    customer's post (DESIGN.md: peer reply)."""
    role = message["author_role"]
    if role != "customer" or not message["in_reply_to"]:
        return role
    answered = authors.get(message["in_reply_to"])
    if answered and answered[1] == "customer" and answered[0] != message["author_id"]:
        return "peer"
    return "customer"


def place_turns(messages: list[dict], turns: list[dict]) -> None:
    """Mark each turn's first customer message (`opens_turn`) and its answer (`answers_turn`,
    the brand-side message at answered_at by the responder), in place."""
    pending = sorted(turns, key=lambda t: t["turn_index"])
    position = 0
    for message in messages:
        if position < len(pending) and message["writer"] in ("customer", "peer") \
                and message["created_at"] >= pending[position]["started_at"] and not _opened(messages, pending[position]):
            message["opens_turn"] = pending[position]
            position += 1
    for turn in pending:
        answer = next((m for m in messages if m["created_at"] == turn["answered_at"]
                       and m["author_id"] == turn["responder_id"] and m["writer"] in ("brand", "employee")
                       and "answers_turn" not in m), None)
        if answer is not None:
            answer["answers_turn"] = turn


def _opened(messages: list[dict], turn: dict) -> bool:
    return any(m.get("opens_turn") is turn for m in messages)


def load_conversation(query: Query, brand: str, conversation_id: str) -> dict:
    where = f"brand = {sql_string(brand)} AND conversation_id = {sql_string(conversation_id)}"
    found = rows(query, f"""
        SELECT event_id, kind, in_reply_to, author_id, author_role, author_followers, text, created_at, sentiment
        FROM (SELECT * FROM mentions FINAL WHERE {where}
              UNION ALL SELECT * FROM replies FINAL WHERE {where})
        ORDER BY created_at, event_id""")
    if not found:
        raise UnknownConversation(conversation_id)
    turns = [{**t, "started_at": epoch(t["started_at"]), "answered_at": epoch(t["answered_at"]),
              "deadline": epoch(t["deadline"]), "turn_index": int(t["turn_index"])}
             for t in rows(query, f"""
                 SELECT turn_index, started_at, answered_at, responder_id, responder_role, latency_s,
                        status, deadline, customer_messages
                 FROM v_turn_status WHERE {where} ORDER BY turn_index""")]
    authors = {m["event_id"]: (m["author_id"], m["author_role"]) for m in found}
    messages = [{**m, "created_at": epoch(m["created_at"]), "sentiment": round(float(m["sentiment"]), 3)}
                for m in found]
    for message in messages:
        message["writer"] = writer_of(message, authors)
    place_turns(messages, turns)
    return {"brand": brand, "conversation_id": conversation_id, "messages": messages, "turns": turns}
