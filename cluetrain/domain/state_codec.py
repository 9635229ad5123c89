"""The persisted form of a partition's state: JSON-able dicts (the adapter stores them
with orjson), one per key. See PartitionState.take_dirty for the order of saving.

Keys and records (every key is a pair of str):

- (brand, conversation_id) -> a conversation; empty parts are left out:
  {"id": conversation_id, "brand": brand,
   "seen": [event_id | [event_id, customer_author_id], ...],  # every id seen, in order
   "turns": turns_opened,
   "open": [index, started_ms, deadline_ms, customer_messages, breached, customer_id,
            customer_followers, first_sentiment, last_sentiment, negative_messages, fired,
            last_text, level0_facts, ignored_facts, priority, level0_ms(, [later_ms, later_facts])],
           # facts: [messages, negative, text] | null; level0: the first escalation level
           # (the warning), null without one; fired: levels fired (a bool before levels);
           # the last item only with more than one level: their instants and facts
   "pending": [[created_at_ms, event_id, kind, author_id, author_role, in_reply_to, sentiment,
                author_followers, text], ...],
   "contrib": [[minute_s, counter, amount], ...],
   "last": latest created_at_ms of its events}
- ("", "archive/<unique id>") -> an archive segment: the conversations evicted in one save
  (DESIGN.md § Conversation retention), {"archive": count, "z": base64 of zlib of the
  JSON list of their records}. Written once, never rewritten; their own keys get
  tombstones after it. A conversation in several segments (evicted, back, evicted
  again) is the one with the longest seen ledger (`record_version`).
- ("", "monitor " + brand) -> a brand monitor's head: {"monitor": brand, "active": {kind: alert},
  "evaluated_to": s}; written by older versions only: the heads are now in the meta
  ("heads": {brand: head}), so that open alerts always match the saved horizon
- ("", "monitor/<slot> " + brand), slot 0..15 -> minutes of one hour of a brand monitor:
  {"monitor": brand, "hour": hour, "minutes": [[minute_s, within, breached, customer, negative], ...]}
  ("" is no valid brand, so these keys never meet a conversation's.)
- the meta record (no key; the adapter has its own): {"clocks", "finals", "horizon_s", "offsets",
  "heads"}.

Records of the previous shape (conversations with "authors", monitors inside the meta)
are still read.
"""
from __future__ import annotations

import base64
import secrets
import sys
import zlib

import orjson

from cluetrain.domain import ledger
from cluetrain.domain.turns import Conversation, Post, Turn


def monitor_key(brand: str, part: str) -> tuple[str, str]:
    """Key of a monitor record: part "" = the head, "<slot>" = an hour slot."""
    return ("", f"monitor {brand}" if part == "" else f"monitor/{part} {brand}")


def archive_key() -> tuple[str, str]:
    """A fresh segment key: unique even when a save is redone after a crash, so a
    segment is never overwritten by one with other conversations."""
    return ("", f"archive/{secrets.token_hex(8)}")


def archive_segment(records: list[dict]) -> dict:
    blob = zlib.compress(orjson.dumps(records), 6)
    return {"archive": len(records), "z": base64.b64encode(blob).decode("ascii")}


def archive_records(segment: dict) -> list[dict]:
    return orjson.loads(zlib.decompress(base64.b64decode(segment["z"])))


def record_version(record: dict) -> int:
    """Orders two records of one conversation: an evicted conversation only changes
    again through a new event (an open turn with a timer is never evicted), and each
    new event lengthens its seen ledger; equal lengths are equal states."""
    return len(record.get("seen", ()))


def _facts(f):
    return None if f is None else list(f)


def conversation_to_dict(c: Conversation) -> dict:
    d = {"id": c.conversation_id, "brand": c.brand}
    if c.ledger:
        d["seen"] = ledger.entries(c.ledger)
    if c.turns_opened:
        d["turns"] = c.turns_opened
    t = c.open_turn
    if t is not None:
        facts, times = t.level_facts, t.level_ms or ()
        d["open"] = [t.index, t.started_ms, t.deadline_ms, t.customer_messages, t.breached, t.customer_id,
                     t.customer_followers, t.first_sentiment, t.last_sentiment, t.negative_messages, t.fired,
                     t.last_text, _facts(facts[0] if facts else None), _facts(t.ignored_facts), t.priority,
                     times[0] if times else None]
        if len(times) > 1:
            d["open"].append([list(times[1:]), [list(f) for f in facts[1:]]])
    if c.pending:
        d["pending"] = [[p.created_at_ms, p.event_id, p.kind, p.author_id, p.author_role, p.in_reply_to,
                         p.sentiment, p.author_followers, p.text] for p in c.pending]
    if c.contributions:
        d["contrib"] = [list(x) for x in c.contributions]
    if c.last_ms:
        d["last"] = c.last_ms
    return d


def _turn(o: list) -> Turn:
    if len(o) == 13:  # previous shape: alert_facts {kind: [messages, negative, text]}
        facts = o[12] or {}
        warning, ignored = facts.get("sla_warning"), facts.get("ignored_conversation")
    else:
        warning, ignored = o[12], o[13]
    level_facts = () if warning is None else (tuple(warning),)
    extra = {}
    if len(o) >= 16:  # saved before SLA policies (13 or 14 items): priority normal, levels on wall-clock time
        level_ms = () if o[15] is None else (o[15],)
        if len(o) > 16:
            later_ms, later_facts = o[16]
            level_ms += tuple(later_ms)
            level_facts += tuple(tuple(f) for f in later_facts)
        extra = {"priority": sys.intern(o[14]), "level_ms": level_ms or None}
    ignored = None if ignored is None else tuple(ignored)
    if ignored is not None and level_facts and ignored == level_facts[-1]:
        ignored = level_facts[-1]  # one object when nothing changed between the two firings
    return Turn(*o[:5], customer_id=o[5], customer_followers=o[6], first_sentiment=o[7], last_sentiment=o[8],
                negative_messages=o[9], fired=int(o[10]), last_text=o[11], level_facts=level_facts,
                ignored_facts=ignored, **extra)


def conversation_from_dict(d: dict) -> Conversation:
    if "authors" in d:  # previous shape: "seen" ids + "authors" {event_id: author_id}
        authors = dict(d["authors"])
        seen = [[e, authors.pop(e)] if e in authors else e for e in d.get("seen", ())]
        seen += [[e, a] for e, a in authors.items()]
    else:
        seen = d.get("seen")
    o = d.get("open")
    return Conversation(
        conversation_id=d["id"], brand=sys.intern(d["brand"]),
        pending=[Post(*p) for p in d["pending"]] if d.get("pending") else None,
        turns_opened=d.get("turns", 0),
        open_turn=None if o is None else _turn(o),
        contributions=[(int(m), sys.intern(k), v) for m, k, v in d["contrib"]] if d.get("contrib") else None,
        ledger=ledger.from_entries(seen),
        last_ms=d.get("last", 0),
    )
