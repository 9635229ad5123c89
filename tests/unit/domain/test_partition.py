"""The compact partition state: exact dedup, contributions leaving memory, monitor
records saved only when changed, and records that restore to the same state."""
from __future__ import annotations

import orjson
import pytest

from cluetrain.domain import ledger
from cluetrain.domain.events import parse_rfc3339_ms, validate_record
from cluetrain.domain.calendar import ALWAYS_OPEN
from cluetrain.domain.partition import PartitionState
from cluetrain.domain.policy import Policy
from cluetrain.domain.state_codec import conversation_from_dict, conversation_to_dict
from cluetrain.settings import Settings

TOPICS = ("mentions", "replies")
T0 = parse_rfc3339_ms("2026-01-05T10:00:00Z")
MIN = 60_000


def state(**kw) -> PartitionState:
    policy = Policy(ALWAYS_OPEN, 3_600_000, 3_600_000)
    return PartitionState(TOPICS, lateness_ms=300_000, policy_for=lambda b: policy, warn_fraction=0.75, **kw)


def ev(event_id, minutes, kind="mention", role="customer", conv=None, reply_to=None, author=None, text="help"):
    return validate_record({
        "kind": kind, "event_id": event_id, "conversation_id": conv or event_id, "in_reply_to": reply_to,
        "brand": "acme", "author_id": author or ("acme" if role != "customer" else "u-" + event_id),
        "author_role": role, "author_followers": 5, "text": text, "lang": "en",
        "created_at": T0 + minutes * MIN}, clock_ms=None)


def tick(s: PartitionState, minutes: float) -> int:
    clock = T0 + int(minutes * MIN)
    for t in TOPICS:
        s.observe_clock(t, clock)
    return clock


def saved(s: PartitionState, store: dict) -> None:
    """take_dirty, through JSON, into a store keyed like the adapter's (latest per key)."""
    records, meta = s.take_dirty()
    for key, value in records.items():
        assert isinstance(key, tuple) and len(key) == 2 and all(isinstance(k, str) for k in key)
        store[key] = orjson.loads(orjson.dumps(value))
    if meta is not None:
        store["meta"] = orjson.loads(orjson.dumps(meta))


def restored(store: dict, **kw) -> PartitionState:
    s = state(**kw)
    s.restore(store.get("meta"), [v for k, v in store.items() if k != "meta"])
    return s


@pytest.mark.parametrize("ids", [
    ["m1", "m10", "m1x", "1m"],
    ["a\x00b", "a", "b", "a\x01b", "a\x02", "\x02\x03", "é-ü", "日本", "emoji 🙂"],
])
def test_the_ledger_is_an_exact_set_of_ids_with_authors(ids):
    led = None
    for i, e in enumerate(ids):
        assert not ledger.has(led, e)
        led = ledger.add(led, e)
        assert all(ledger.has(led, x) for x in ids[:i + 1])
    for x in ("", "m", "x", "a\x00", "\x00"):
        assert ledger.has(led, x) == (x in ids)
    for i, e in enumerate(ids[::2]):
        led = ledger.set_author(led, e, f"au\x00{i}\x01")
    for i, e in enumerate(ids):
        assert ledger.author(led, e) == (f"au\x00{i // 2}\x01" if i % 2 == 0 else None)
        assert ledger.has(led, e)
    assert ledger.from_entries(ledger.entries(led)) == led
    assert ledger.set_author(led, ids[0], "other") != led and ledger.author(
        ledger.set_author(led, ids[0], "other"), ids[0]) == "other"


def test_a_duplicate_is_processed_once_even_long_after_the_lateness_and_a_restart():
    s, store = state(), {}
    clock = tick(s, 0)
    assert s.add_event(ev("m", 0), -0.5, clock)
    clock = tick(s, 1)
    assert s.add_event(ev("r", 1, kind="reply", role="brand", conv="m", reply_to="m"), 0.0, clock)
    s.advance()
    saved(s, store)
    clock = tick(s, 600)  # hours later: the watermark is far past both
    s.advance()
    saved(s, store)
    for current in (s, restored(store)):
        assert not current.add_event(ev("m", 0), -0.5, clock)
        assert not current.add_event(ev("r", 1, kind="reply", role="brand", conv="m", reply_to="m"), 0.0, clock)
        assert current.add_event(ev("r2", 599, kind="reply", role="brand", conv="m", reply_to="m"), 0.0, clock)


def test_contributions_leave_memory_once_the_saved_horizon_passes_them():
    s, store = state(), {}
    clock = tick(s, 0)
    s.add_event(ev("m", 0), -0.5, clock)
    clock = tick(s, 6)
    s.add_event(ev("r", 2, kind="reply", role="brand", conv="m", reply_to="m"), 0.0, clock)
    tick(s, 7.5)
    s.advance()  # watermark 2.5 min: both released, minute 2 still open
    saved(s, store)
    conv = s.conversation(("acme", "m"))
    assert conv.contributions and (T0 + 2 * MIN) // 1000 in {c[0] for c in conv.contributions}
    tick(s, 30)
    s.advance()
    saved(s, store)  # this meta's horizon is past them, and the conversation did not change
    assert conv.contributions is None and conv.pending is None and conv.open_turn is None
    assert store[("acme", "m")]["contrib"]  # the saved record keeps them: restore filters them
    again = restored(store)
    assert again.conversation(("acme", "m")).contributions is None and not again.windows.windows


def test_conversation_records_round_trip_with_open_turn_facts_and_pending():
    s = state()
    clock = tick(s, 0)
    s.add_event(ev("m", 0, text="still waiting"), -0.5, clock)
    s.add_event(ev("p", 1, kind="reply", conv="m", reply_to="m", author="bob"), 0.0, clock)
    tick(s, 51)
    s.advance()  # warned at 45 min
    s.add_event(ev("c", 49, kind="reply", conv="m", reply_to="p", author="u-m", text="hello??"), -0.6, clock)
    conv = s.conversation(("acme", "m"))
    d = orjson.loads(orjson.dumps(conversation_to_dict(conv)))
    back = conversation_from_dict(d)
    assert conversation_to_dict(back) == d
    assert back.open_turn == conv.open_turn and back.pending == conv.pending
    assert back.ledger == conv.ledger and back.customer_author("p") == "bob"
    assert conv.open_turn.level_facts == ((2, 1, "help"),) and conv.open_turn.fired == 1
    assert set(d) == {"id", "brand", "seen", "turns", "open", "pending", "contrib", "last"}


def test_records_of_the_previous_shape_are_still_read():
    old = {"id": "m", "brand": "acme", "seen": ["m", "p", "r"], "pending": [],
           "authors": {"m": "alice", "p": "bob"}, "turns": 1,
           "open": [0, T0, T0 + 3_600_000, 2, True, "alice", 5, -0.5, -0.5, 2, True, "later",
                    {"sla_warning": [1, 1, "help"], "ignored_conversation": [2, 2, "later"]}],
           "contrib": [[(T0 // 1000), "breached", 1]]}
    conv = conversation_from_dict(old)
    assert conv.has_seen("r") and conv.customer_author("p") == "bob" and conv.customer_author("r") is None
    assert conv.open_turn.level_facts == ((1, 1, "help"),) and conv.open_turn.fired == 1
    assert conv.open_turn.ignored_facts == (2, 2, "later")
    s = state(brand_rules=lambda b: Settings().brand_alert_rules())
    s.restore({"clocks": {"mentions": 1, "replies": 1}, "finals": [], "horizon_s": 660, "offsets": {"mentions": 3},
               "monitors": {"acme": {"minutes": [[600, 1, 2, 3, 4]], "active": {}, "evaluated_to": 660}}}, [old])
    assert s.monitors["acme"].minutes == {600: [1, 2, 3, 4]} and s.next_offsets == {"mentions": 3}
    records, meta = s.take_dirty()  # rewritten in the new shape: the head in the meta
    assert ("", f"monitor/{600 // 3600 % 16} acme") in records and ("", "monitor acme") not in records
    assert meta["heads"] == {"acme": {"monitor": "acme", "active": {}, "evaluated_to": 660}}


def brand_stream(s: PartitionState, store: dict, minutes: int, start: int = 0) -> list[dict]:
    """A brand that stops answering: a reply_rate_drop fires; one save per minute."""
    alerts = []
    for i in range(start, start + minutes):
        clock = tick(s, i + 4)
        s.add_event(ev(f"m{i}", i), -0.5, clock)
        if i % 5 == 0 and i < 150:
            s.add_event(ev(f"r{i}", i + 1, kind="reply", role="brand", conv=f"m{i}", reply_to=f"m{i}"), 0.1, clock)
        adv = s.advance()
        alerts += [a for a in adv.alerts if not a.conversation_id]
        saved(s, store)
    return alerts


def test_monitors_are_saved_apart_from_the_meta_and_only_when_they_changed():
    rules = lambda b: Settings(alert_min_volume=3).brand_alert_rules()  # noqa: E731
    s, store = state(brand_rules=rules), {}
    brand_stream(s, store, 30)
    # the minutes apart, the head (open alerts, a few per brand) in the meta, with its horizon
    assert set(store["meta"]) == {"clocks", "finals", "horizon_s", "offsets", "heads"}
    assert set(store["meta"]["heads"]) == {"acme"} and ("", "monitor acme") not in store
    assert any(k[1].startswith("monitor/") for k in store if k != "meta")
    s.observe_clock("mentions", s.clocks["mentions"])  # nothing new
    s.mark_processed("mentions", 1)
    records, meta = s.take_dirty()
    assert records == {} and meta is not None
    # each save carries the hours that changed, not the whole 13 h a monitor keeps
    s2, store2 = state(brand_rules=rules), {}
    brand_stream(s2, store2, 600)
    assert len(s2.monitors["acme"].minutes) > 120
    records, _ = s2.take_dirty()
    assert records == {}
    brand_stream(s2, store2, 1, start=600)
    records, _ = s2.take_dirty()
    monitor_minutes = [len(r.get("minutes", ())) for k, r in store2.items() if k != "meta" and "monitor" in r]
    assert sum(monitor_minutes) >= len(s2.monitors["acme"].minutes)  # everything is saved somewhere


def test_a_restart_from_the_monitor_records_gives_the_same_brand_alerts():
    rules = lambda b: Settings(alert_min_volume=3).brand_alert_rules()  # noqa: E731
    whole, store = state(brand_rules=rules), {}
    expected = brand_stream(whole, {}, 400)
    assert any(a.kind == "reply_rate_drop" for a in expected)
    first = state(brand_rules=rules)
    got = brand_stream(first, store, 230)
    again = restored(store, brand_rules=rules)
    assert {b: (m.minutes, m.active, m.evaluated_to) for b, m in again.monitors.items()} == \
        {b: (m.minutes, m.active, m.evaluated_to) for b, m in first.monitors.items()}
    got += brand_stream(again, store, 170, start=230)
    assert got == expected
