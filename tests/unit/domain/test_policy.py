"""Priorities and targets (DESIGN.md § Priorities and targets): the first matching rule
in file order, all of a rule's conditions, first vs next reply targets, and what a
table leaves out."""
from __future__ import annotations

from cluetrain.domain.calendar import ALWAYS_OPEN
from cluetrain.domain.policy import NORMAL, Policies, Policy, PolicyTable, PriorityRule

S = 1000


def rule(name="vip", first=600 * S, nxt=1200 * S, **conditions) -> PriorityRule:
    return PriorityRule(name, first, nxt, **conditions)


def test_min_followers_is_inclusive_and_unknown_followers_never_match():
    vip = rule(min_followers=10_000)
    assert vip.matches(10_000, "", 0.0) and not vip.matches(9_999, "", 0.0) and not vip.matches(None, "", 0.0)


def test_keywords_are_whole_words_or_phrases_case_insensitive():
    r = rule(keywords=("refund", "never arrived", "#outage"))
    assert r.matches(None, "I want a REFUND!", 0.0)
    assert r.matches(None, "my parcel never   arrived", 0.0) is False  # a phrase is matched as written
    assert r.matches(None, "it Never Arrived.", 0.0) and r.matches(None, "big #OUTAGE today", 0.0)
    assert not r.matches(None, "refunded already", 0.0) and not r.matches(None, "norefund", 0.0)
    assert not r.matches(None, "#outages", 0.0) and not r.matches(None, "refund_policy", 0.0)
    assert PriorityRule("x", 1, 1, keywords=("straße",)).matches(None, "STRASSE gesperrt", 0.0)  # casefold


def test_sentiment_bound_is_inclusive():
    angry = rule(max_sentiment=-0.5)
    assert angry.matches(None, "", -0.5) and angry.matches(None, "", -0.9) and not angry.matches(None, "", -0.49)


def test_every_condition_of_a_rule_must_hold():
    r = rule(min_followers=1000, keywords=("refund",), max_sentiment=0.0)
    assert r.matches(5000, "refund please", -0.2)
    assert not r.matches(500, "refund please", -0.2)
    assert not r.matches(5000, "hello", -0.2)
    assert not r.matches(5000, "refund please", 0.3)


def test_first_match_wins_in_file_order_and_targets_depend_on_the_turn_index():
    policy = Policy(ALWAYS_OPEN, 3600 * S, 7200 * S, (
        rule("vip", 600 * S, 1200 * S, min_followers=10_000),
        rule("urgent", 300 * S, 900 * S, keywords=("outage",)),
    ))
    assert policy.target(0, 50_000, "outage!", 0.0) == ("vip", 600 * S)
    assert policy.target(1, 50_000, "outage!", 0.0) == ("vip", 1200 * S)
    assert policy.target(0, 10, "outage!", 0.0) == ("urgent", 300 * S)
    assert policy.target(0, 10, "hello", 0.0) == (NORMAL, 3600 * S)
    assert policy.target(3, None, "hello", 0.0) == (NORMAL, 7200 * S)


def test_left_out_targets_fall_back_to_the_brand_sla_and_rules_to_their_policy():
    sla = {"acme": 900 * S}
    table = PolicyTable(ALWAYS_OPEN, None, 7200 * S, (("vip", 1000, (), None, 60 * S, None),))
    policies = Policies(PolicyTable(), {"acme": table}, lambda brand: sla.get(brand, 3600 * S))
    acme = policies.for_brand("acme")
    assert (acme.first_reply_ms, acme.next_reply_ms) == (900 * S, 7200 * S)
    assert acme.target(1, 5000, "", 0.0) == ("vip", 7200 * S) and acme.target(0, 5000, "", 0.0) == ("vip", 60 * S)
    other = policies.for_brand("other")  # no table: the default table, 24/7 here
    assert (other.first_reply_ms, other.next_reply_ms, other.rules) == (3600 * S, 3600 * S, ())
    assert policies.for_brand("acme") is acme  # resolved once
