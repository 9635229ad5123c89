"""Conversation retention: idle conversations leave memory (segment + tombstone in the
save), come back whole on their next event (turn index, peer replies, duplicates), and
a restart from the saved records (crash cuts included) gives the same state."""
from __future__ import annotations

import orjson

from cluetrain.domain.state_codec import archive_records
from cluetrain.state.archive import ConversationArchive
from tests.unit.domain.test_partition import MIN, ev, state, tick

RETENTION_MIN = 60


def retained(**kw):
    return state(retention_ms=RETENTION_MIN * MIN, archive=ConversationArchive(), **kw)


def save_into(s, store: dict) -> dict:
    """take_dirty through JSON into a latest-per-key store (None: the key is deleted); the
    records of this save, in their order."""
    records, meta = s.take_dirty()
    for key, value in records.items():
        if value is None:
            store.pop(key, None)
        else:
            store[key] = orjson.loads(orjson.dumps(value))
    if meta is not None:
        store["meta"] = orjson.loads(orjson.dumps(meta))
    return records


def restore_from(store: dict):
    s = retained()
    s.restore(store.get("meta"), [v for k, v in store.items() if k != "meta"])
    return s


def answered_conversation(s, store):
    """Conversation m: a customer's mention answered by the brand (no open turn)."""
    clock = tick(s, 0)
    s.add_event(ev("m", 0), -0.5, clock)
    s.add_event(ev("r", 2, kind="reply", role="brand", conv="m", reply_to="m"), 0.0, clock)
    tick(s, 10)
    s.advance()
    save_into(s, store)


def test_an_idle_answered_conversation_leaves_memory_segment_first_then_tombstone():
    s, store = retained(), {}
    answered_conversation(s, store)
    tick(s, 2 + RETENTION_MIN + 5 + 2)  # watermark (clock - 5 min) past the last event + retention
    s.advance()
    assert s.conversation(("acme", "m")) is None and s.conversations == {}
    records = save_into(s, store)
    keys = list(records)
    segment = keys[0]
    assert segment[0] == "" and segment[1].startswith("archive/")
    assert keys[1] == ("acme", "m") and records[("acme", "m")] is None  # tombstone after the segment
    assert [r["id"] for r in archive_records(records[segment])] == ["m"]
    assert ("acme", "m") not in store and s.retention.evictions == 1


def test_an_evicted_conversation_comes_back_whole_on_its_next_event():
    s, store = retained(), {}
    answered_conversation(s, store)
    clock = tick(s, 200)
    s.advance()
    save_into(s, store)
    assert s.conversation(("acme", "m")) is None
    # a duplicate (late, long after) is still recognised
    assert not s.add_event(ev("m", 0), -0.5, clock)
    assert s.retention.revivals == 1
    # a peer's reply to the first customer message, then the customer again: turn 1
    assert s.add_event(ev("p", 199, kind="reply", conv="m", reply_to="m", author="bob"), 0.0, clock)
    clock = tick(s, 210)
    out = s.advance()
    turns = {t.turn_index: t for t in out.turns}
    assert list(turns) == [1] and turns[1].customer_messages == 1
    assert any(w.counts.get("peer_replies") for w in out.windows)


def test_an_open_turn_stays_until_breached_then_leaves():
    s, store = retained(), {}
    clock = tick(s, 0)
    s.add_event(ev("m", 0), -0.5, clock)
    tick(s, RETENTION_MIN - 1)  # the watermark is before the deadline (60 min): a timer to fire
    s.advance()
    tick(s, RETENTION_MIN + 7)  # breached now: its breach counts in a window not final yet
    s.advance()
    save_into(s, store)
    assert s.conversation(("acme", "m")).open_turn.breached and s.retention.evictions == 0
    tick(s, 200)
    s.advance()
    save_into(s, store)
    assert s.conversation(("acme", "m")) is None  # breached: nothing left to fire
    clock = tick(s, 201)
    s.add_event(ev("late-answer", 200, kind="reply", role="brand", conv="m", reply_to="m"), 0.0, clock)
    tick(s, 210)
    out = s.advance()
    assert [(t.turn_index, t.status) for t in out.turns] == [(0, "answered_late")]


def test_a_restart_restores_the_archive_and_the_live_record_wins_over_a_stale_copy():
    s, store = retained(), {}
    answered_conversation(s, store)
    clock = tick(s, 200)
    s.advance()
    save_into(s, store)
    again = restore_from(store)
    assert again.conversations == {} and len(again.retention.archive) == 1
    assert not again.add_event(ev("r", 2, kind="reply", role="brand", conv="m", reply_to="m"), 0.0, clock)
    # back in memory and saved live: the segment's copy is stale, the live record wins
    assert again.add_event(ev("c2", 199, kind="reply", conv="m", reply_to="r", author="u-m"), 0.0, clock)
    tick(again, 202)
    again.advance()
    save_into(again, store)
    third = restore_from(store)
    assert len(third.retention.archive) == 0
    assert third.conversation(("acme", "m")).has_seen("c2")


def test_a_crash_between_segment_and_tombstone_keeps_the_conversation():
    s, store = retained(), {}
    answered_conversation(s, store)
    tick(s, 200)
    s.advance()
    records, _ = s.take_dirty()
    segment_key = next(iter(records))
    cut = dict(store)
    cut[segment_key] = orjson.loads(orjson.dumps(records[segment_key]))  # the tombstone never made it
    again = restore_from(cut)
    assert again.conversation(("acme", "m")) is not None and len(again.retention.archive) == 0


def test_the_version_rule_keeps_the_latest_of_two_archived_copies():
    archive = ConversationArchive()
    newer = {"id": "m", "brand": "acme", "seen": ["m", "r", "c"], "turns": 2}
    older = {"id": "m", "brand": "acme", "seen": ["m", "r"], "turns": 1}
    archive.put_many([newer])
    archive.put_many([older])  # recovery may read the segments in any order
    assert archive.take("acme", "m") == newer and archive.take("acme", "m") is None


def test_retention_off_restores_archived_conversations_into_memory():
    s, store = retained(), {}
    answered_conversation(s, store)
    tick(s, 200)
    s.advance()
    save_into(s, store)
    plain = state()
    plain.restore(store.get("meta"), [v for k, v in store.items() if k != "meta"])
    assert plain.conversation(("acme", "m")).turns_opened == 1
