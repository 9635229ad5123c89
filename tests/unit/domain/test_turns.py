"""Every metric definition of DESIGN.md, one case at a time, on the pure domain code."""
from __future__ import annotations

from collections import Counter

from cluetrain.domain.events import parse_rfc3339_ms, validate_record
from cluetrain.domain.calendar import ALWAYS_OPEN
from cluetrain.domain.partition import PartitionState
from cluetrain.domain.policy import Policy
from cluetrain.domain.turns import Conversation, Post, release

SLA_MS = 3600_000
POLICY = Policy(ALWAYS_OPEN, SLA_MS, SLA_MS)  # no policy file: 24/7
T0 = parse_rfc3339_ms("2026-01-05T10:00:00Z")


def post(event_id, minutes, role="customer", kind="reply", author=None, reply_to=None, score=0.0, seconds=0):
    return Post(T0 + int(minutes * 60_000) + seconds * 1000, event_id, kind, author or f"u-{role}", role,
                reply_to, score)


def fold(*posts, watermark_minutes=10_000):
    conv = Conversation("c1", "acme", pending=list(posts))
    result = release(conv, T0 + watermark_minutes * 60_000, final=False, policy=POLICY)
    counts = Counter()
    for minute, counter, amount in conv.contributions:
        counts[counter] += amount
    rows = {t.index: t.snapshot("acme", "c1", as_of_ms=0) for t in result.changed_turns}
    return conv, rows, counts


def test_a_mention_opens_a_turn_and_the_brand_answers_it():
    _, rows, counts = fold(post("m", 0, kind="mention", author="alice"), post("b", 12, role="brand", author="acme"))
    assert rows[0].status == "answered" and rows[0].latency_s == 720
    assert rows[0].responder_id == "acme" and rows[0].customer_id == "alice"
    assert counts["turns_opened"] == counts["answered"] == counts["answered_within_sla"] == 1
    assert counts["latency_sum_s"] == 720 and counts["brand_replies"] == 1 and counts["employee_replies"] == 0


def test_later_customer_messages_join_the_open_turn():
    _, rows, counts = fold(post("m", 0, kind="mention"), post("c2", 5), post("c3", 9),
                           post("e", 20, role="employee", author="acme/JK"))
    assert len(rows) == 1 and rows[0].customer_messages == 3 and rows[0].latency_s == 1200
    assert rows[0].responder_role == "employee"
    assert counts["customer_messages"] == 3 and counts["employee_replies"] == 1 and counts["turns_opened"] == 1


def test_a_brand_message_with_no_open_turn_answers_nothing():
    _, rows, counts = fold(post("m", 0, kind="mention"), post("b1", 5, role="brand"), post("b2", 6, role="brand"))
    assert counts["brand_replies"] == 2 and counts["answered"] == 1
    assert rows[0].answered_ms == T0 + 5 * 60_000


def test_a_new_turn_starts_after_the_answer():
    _, rows, counts = fold(post("m", 0, kind="mention"), post("b1", 5, role="brand"), post("c2", 30),
                           post("b2", 31, role="brand"))
    assert sorted(rows) == [0, 1] and rows[1].started_ms == T0 + 30 * 60_000
    assert counts["turns_opened"] == 2 and counts["answered"] == 2


def test_ties_on_created_at_are_ordered_by_event_id():
    # same second: "a-brand" sorts before "b-customer": the brand message finds no open turn
    _, rows, counts = fold(post("b-customer", 0, kind="mention"), post("a-brand", 0, role="brand"),
                           watermark_minutes=30)
    assert rows[0].status == "open" and counts["answered"] == 0 and counts["brand_replies"] == 1
    # the other way round, the answer comes after the mention
    _, rows, _ = fold(post("a-customer", 0, kind="mention"), post("b-brand", 0, role="brand"))
    assert rows[0].status == "answered" and rows[0].latency_s == 0


def test_an_answer_exactly_at_the_deadline_is_within_sla():
    _, rows, counts = fold(post("m", 0, kind="mention"), post("b", 60, role="brand"))
    assert rows[0].status == "answered" and counts["breached"] == 0 and counts["answered_within_sla"] == 1


def test_an_answer_after_the_deadline_is_breached_at_the_deadline_then_answered_late():
    conv, rows, counts = fold(post("m", 0, kind="mention"), post("b", 60, role="brand", seconds=1))
    assert rows[0].status == "answered_late" and rows[0].latency_s == 3601
    assert counts["breached"] == 1 and counts["answered_late"] == 1 and counts["answered_within_sla"] == 0
    minutes = {counter: minute for minute, counter, _ in conv.contributions}
    assert minutes["breached"] == (T0 + SLA_MS) // 1000  # at the deadline
    assert minutes["answered_late"] == (T0 + SLA_MS) // 1000  # 10:00:01 floors to the minute 11:00


def test_a_breach_waits_for_the_watermark_to_pass_the_deadline():
    conv = Conversation("c1", "acme", pending=[post("m", 0, kind="mention")])
    fold_at = release(conv, T0 + SLA_MS, final=False, policy=POLICY)  # watermark == deadline
    assert [t.status for t in fold_at.changed_turns] == ["open"]
    fold_after = release(conv, T0 + SLA_MS + 1, final=False, policy=POLICY)
    assert [t.status for t in fold_after.changed_turns] == ["breached"]


def test_peer_replies_are_customer_replies_to_another_customer():
    _, rows, counts = fold(post("m", 0, kind="mention", author="alice"),
                           post("p", 3, author="bob", reply_to="m"),       # peer
                           post("s", 4, author="alice", reply_to="p"),     # peer (bob's post)
                           post("self", 5, author="alice", reply_to="s"))  # her own post: not a peer reply
    assert counts["peer_replies"] == 2 and counts["customer_messages"] == 4
    assert rows[0].customer_messages == 4  # peer replies are customer messages: they join the turn


def test_tone_of_the_turn_is_kept_for_recovery_and_severity():
    _, rows, _ = fold(post("m", 0, kind="mention", score=-0.6), post("c", 2, score=-0.1), post("c2", 3, score=0.3))
    assert rows[0].first_sentiment == -0.6 and rows[0].last_sentiment == 0.3
    assert rows[0].negative_messages == 2


def record(event_id, t, kind="mention", role="customer", conv=None, reply_to=None):
    return validate_record({"kind": kind, "event_id": event_id, "conversation_id": conv or event_id,
                            "in_reply_to": reply_to, "brand": "acme", "author_id": "u", "author_role": role,
                            "author_followers": None, "text": "x", "lang": "en", "created_at": t})


def test_events_later_than_the_lateness_are_counted_and_never_change_a_breach():
    state = PartitionState(("mentions", "replies"), lateness_ms=300_000, policy_for=lambda b: POLICY)
    m = record("m", "2026-01-05T10:00:00Z")
    clock = parse_rfc3339_ms("2026-01-05T12:00:00Z")
    state.observe_clock("mentions", parse_rfc3339_ms("2026-01-05T10:00:00Z"))
    state.observe_clock("replies", parse_rfc3339_ms("2026-01-05T10:00:00Z"))
    assert state.add_event(m, 0.0, parse_rfc3339_ms("2026-01-05T10:00:00Z"))
    state.observe_clock("mentions", clock)
    state.observe_clock("replies", clock)
    adv = state.advance()
    assert [t.status for t in adv.turns] == ["open", "breached"][-len(adv.turns):]
    # an answer dated in time, but arriving 2 h late by its record's clock
    answer = record("b", "2026-01-05T10:30:00Z", kind="reply", role="brand", conv="m", reply_to="m")
    assert state.is_late(answer.created_at_ms, clock)
    assert state.add_event(answer, 0.0, clock)
    assert not state.add_event(answer, 0.0, clock)  # a duplicate event_id is processed once
    adv = state.advance()
    assert adv.turns == []  # the breach stands
    late = [w.counts.get("late_events") for w in adv.windows]
    assert late == [1] and not adv.windows[0].final
    assert adv.windows[0].window_start_ms == (clock - 300_000) // 60_000 * 60_000


def test_the_watermark_is_the_slowest_topic_minus_the_lateness_and_the_final_tick_lifts_it():
    state = PartitionState(("mentions", "replies"), lateness_ms=300_000, policy_for=lambda b: POLICY)
    assert state.watermark_ms() is None  # no clock from replies yet
    state.observe_clock("mentions", T0 + 600_000)
    state.observe_clock("replies", T0 + 400_000)
    assert state.watermark_ms() == T0 + 100_000
    state.observe_clock("mentions", T0 + 700_000, final=True)
    state.observe_clock("replies", T0 + 700_000, final=True)
    assert state.watermark_ms() == T0 + 700_000  # end of a replay: the last created_at
