"""Escalation levels (DESIGN.md § Escalation levels) on the pure fold: each level fires
once the watermark passes its instant (a fraction of the target in business time),
levels past the deadline keep the turn's timer alive after the breach, the answer
resolves every fired level, each says what was known when it fired, and the state
keeps it all across a save."""
from __future__ import annotations

import json

import orjson

from cluetrain.domain.calendar import ALWAYS_OPEN, BusinessCalendar
from cluetrain.domain.events import parse_rfc3339_ms
from cluetrain.domain.policy import Escalation, Policy
from cluetrain.domain.state_codec import conversation_from_dict, conversation_to_dict
from cluetrain.domain.turns import Conversation, Post, release

MIN = 60_000
T0 = parse_rfc3339_ms("2026-01-05T10:00:00Z")  # a Monday
LEVELS = (Escalation("sla_escalation", 2.0, "high"), Escalation("sla_warning", 0.5))  # any order in the file
POLICY = Policy(ALWAYS_OPEN, 60 * MIN, 60 * MIN, escalations=LEVELS)


def post(event_id, minutes, role="customer", text="where is my bag", followers=None):
    return Post(T0 + int(minutes * MIN), event_id, "mention" if event_id == "m" else "reply",
                "alice" if role == "customer" else "acme", role, None, 0.0, followers, text)


def run(conv, minutes, policy=POLICY, *posts):
    conv.pending = (conv.pending or []) + list(posts) or None
    fold = release(conv, T0 + int(minutes * MIN), final=False, policy=policy, warn_fraction=0.75)
    return {a.alert_id: a for a in fold.alerts(0)}


def test_levels_fire_in_order_past_the_deadline_and_the_answer_resolves_them():
    conv = Conversation("c1", "acme")
    assert run(conv, 1, POLICY, post("m", 0)) == {}
    assert conv.timer_ms(POLICY.levels(0.75)) == T0 + 30 * MIN  # the warning first
    alerts = run(conv, 31)
    assert list(alerts) == ["c1:0:warning"] and alerts["c1:0:warning"].fired_ms == T0 + 30 * MIN
    assert conv.timer_ms() == T0 + 60 * MIN  # then the deadline
    run(conv, 50, POLICY, post("c2", 45, text="hello??"))
    alerts = run(conv, 61)
    assert list(alerts) == ["c1:0"] and alerts["c1:0"].kind == "ignored_conversation"
    assert conv.timer_ms() == T0 + 120 * MIN and not conv.quiescent  # breached, one level to come
    alerts = run(conv, 121)
    escalation = alerts["c1:0:escalation"]
    assert escalation.kind == "sla_escalation" and escalation.fired_ms == T0 + 120 * MIN
    assert escalation.severity == "high"  # its least severity; the warning's is computed: low
    assert json.loads(escalation.details)["last_customer_text"] == "hello??"
    assert conv.timer_ms() is None and conv.open_turn.last_text == ""  # every alert has its facts
    alerts = run(conv, 200, POLICY, post("b", 150, role="brand"))
    assert sorted(alerts) == ["c1:0", "c1:0:escalation", "c1:0:warning"]
    assert {a.resolved_ms for a in alerts.values()} == {T0 + 150 * MIN}
    facts = {k: json.loads(a.details)["unanswered_messages"] for k, a in alerts.items()}
    assert facts == {"c1:0:warning": 1, "c1:0": 2, "c1:0:escalation": 2}
    assert alerts["c1:0:warning"].severity == "low"


def test_a_level_at_the_answer_does_not_fire_and_one_passed_in_the_same_batch_does():
    conv = Conversation("c1", "acme")
    alerts = run(conv, 300, POLICY, post("m", 0), post("b", 120, role="brand"))  # answered exactly at 2x
    assert sorted(alerts) == ["c1:0", "c1:0:warning"]
    conv = Conversation("c1", "acme")
    alerts = run(conv, 300, POLICY, post("m", 0), post("b", 120.001, role="brand"))
    assert sorted(alerts) == ["c1:0", "c1:0:escalation", "c1:0:warning"]


def test_levels_follow_business_time():
    nine_to_five = BusinessCalendar("UTC", {d: ((9 * 60, 17 * 60),) for d in range(5)})
    policy = Policy(nine_to_five, 60 * MIN, 60 * MIN, escalations=LEVELS)
    conv = Conversation("c1", "acme")
    run(conv, 6 * 60 + 1, policy, post("m", 6 * 60))  # Monday 16:00: 1 h left today
    turn = conv.open_turn
    # warning after 30 open minutes (16:30), deadline at 17:00, escalation after 2 h: Tuesday 10:00
    assert turn.level_ms == (T0 + 390 * MIN, T0 + (24 * 60) * MIN)
    assert turn.deadline_ms == T0 + 420 * MIN


def test_without_escalations_the_one_level_is_the_warning_setting():
    plain = Policy(ALWAYS_OPEN, 60 * MIN, 60 * MIN)
    conv = Conversation("c1", "acme")
    alerts = run(conv, 100, plain, post("m", 0))
    assert sorted(alerts) == ["c1:0", "c1:0:warning"] and alerts["c1:0:warning"].fired_ms == T0 + 45 * MIN
    none = Policy(ALWAYS_OPEN, 60 * MIN, 60 * MIN, escalations=())
    conv = Conversation("c1", "acme")
    assert sorted(run(conv, 100, none, post("m", 0))) == ["c1:0"]


def test_the_state_keeps_every_level_across_a_save():
    conv = Conversation("c1", "acme")
    run(conv, 31, POLICY, post("m", 0))
    d = orjson.loads(orjson.dumps(conversation_to_dict(conv)))
    back = conversation_from_dict(d)
    assert back.open_turn == conv.open_turn and conversation_to_dict(back) == d
    assert len(d["open"]) == 17  # the level past the first has its own item
    alerts = run(back, 121)
    assert sorted(alerts) == ["c1:0", "c1:0:escalation"]
    one_level = Conversation("c1", "acme")
    run(one_level, 1, Policy(ALWAYS_OPEN, 60 * MIN, 60 * MIN), post("m", 0))
    assert len(conversation_to_dict(one_level)["open"]) == 16  # the shape before levels
