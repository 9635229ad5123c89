"""The synthetic stream generator."""
from __future__ import annotations

import random
import time
from collections import Counter

import pytest

from cluetrain.sources.generate import generate
from cluetrain.domain.events import parse_rfc3339_ms, validate_record

N = 20_000


@pytest.fixture(scope="module")
def stream() -> list[dict]:
    return generate(42, N)


@pytest.fixture(scope="module")
def events(stream):
    return [validate_record(e) for e in stream]


def test_exact_count_and_all_validate(stream, events):
    assert len(stream) == N
    assert len({e.event_id for e in events}) == N
    for n in (0, 1, 2, 7, 999):
        out = generate(1, n)
        assert len(out) == n
        for e in out:
            validate_record(e)


def test_deterministic_for_a_seed(stream):
    assert generate(42, N) == stream
    assert generate(43, 2000) != generate(42, 2000)


def test_no_global_random():
    random.seed(0)
    a = generate(5, 3000)
    random.seed(12345)
    random.random()
    b = generate(5, 3000)
    assert a == b


def test_start_is_honoured():
    out = generate(9, 500, start="2025-03-01T00:00:00Z")
    first = min(parse_rfc3339_ms(e["created_at"]) for e in out)
    assert first >= parse_rfc3339_ms("2025-03-01T00:00:00Z")


def test_references_are_consistent(events):
    by_id = {e.event_id: e for e in events}
    for e in events:
        root = by_id[e.conversation_id]
        assert root.kind == "mention" and root.brand == e.brand
        if e.kind == "reply":
            parent = by_id[e.in_reply_to]
            assert parent.conversation_id == e.conversation_id
            assert parent.sort_key < e.sort_key  # a reply comes after what it answers


def test_several_brands_with_different_habits(events):
    brands = Counter(e.brand for e in events)
    assert len(brands) == 6
    assert min(brands.values()) > N * 0.05
    assert len({e["brand"] for e in generate(1, 5000, brands=9)}) == 9
    assert {e["brand"] for e in generate(1, 2000, brands=2)} == {"skyhop_air", "telconnect_care"}

    # answered share of conversations differs: the fast airline answers most, the bank often ignores
    answered: dict[str, set] = {}
    started: Counter = Counter()
    for e in events:
        if e.kind == "mention":
            started[e.brand] += 1
        elif e.is_brand_side:
            answered.setdefault(e.brand, set()).add(e.conversation_id)
    rate = {b: len(answered.get(b, ())) / started[b] for b in started}
    assert rate["skyhop_air"] > 0.85 and rate["northbank_help"] < 0.5


def test_roles_employees_peers(events):
    roles = Counter((e.kind, e.author_role) for e in events)
    assert roles[("mention", "customer")] > 0
    assert roles[("reply", "customer")] > 0
    assert roles[("reply", "brand")] > 0
    assert roles[("reply", "employee")] > 0
    for e in events:
        if e.author_role == "employee":
            brand, _, initials = e.author_id.partition("/")
            assert brand == e.brand and initials.isupper() and 2 <= len(initials) <= 3
            assert e.text.rstrip().endswith(initials)
        if e.author_role == "brand":
            assert e.author_id == e.brand
    by_id = {e.event_id: e for e in events}
    peers = [
        e for e in events
        if e.kind == "reply" and e.author_role == "customer"
        and by_id[e.in_reply_to].author_role == "customer"
        and by_id[e.in_reply_to].author_id != e.author_id
    ]
    assert len(peers) > N * 0.02
    assert Counter(e.brand for e in peers).most_common(1)[0][0] == "pixelplay_support"


def test_unanswered_turns_and_followups(events):
    by_conv: dict[str, list] = {}
    for e in events:
        by_conv.setdefault(e.conversation_id, []).append(e)
    unanswered = sum(1 for posts in by_conv.values() if not any(p.is_brand_side for p in posts))
    assert unanswered > len(by_conv) * 0.1
    # follow-ups: a customer answering their own message
    by_id = {e.event_id: e for e in events}
    followups = [
        e for e in events
        if e.kind == "reply" and e.author_role == "customer" and by_id[e.in_reply_to].author_id == e.author_id
    ]
    assert followups


def test_followers_heavy_tailed_and_lang(events):
    followers = sorted(e.author_followers for e in events if e.author_role == "customer" and e.author_followers is not None)
    median = followers[len(followers) // 2]
    assert 20 <= median <= 1000
    assert followers[-1] > 100 * median
    assert any(e.author_followers is None for e in events)
    langs = Counter(e.lang for e in events)
    assert langs[None] > N / 2 and langs["en"] > 0 and langs["fr"] > 0


def test_french_and_english_texts_with_sentiment(events):
    texts = [e.text.lower() for e in events]
    fr = [t for t, e in zip(texts, events) if e.brand == "railvoyage_fr"]
    assert any("retard" in t for t in fr) and any("merci" in t for t in fr)
    assert any(("still waiting" in t or "still nothing" in t) for t in texts)
    assert any("delayed again" in t for t in texts)
    assert any("thank" in t for t in texts)
    assert any("🙃" in t or "🙄" in t for t in texts)  # sarcasm


def test_disorder_within_bound(stream):
    for max_disorder in (120, 30):
        out = stream if max_disorder == 120 else generate(42, N, max_disorder_s=max_disorder)
        clock = None
        late = 0
        for e in out:
            t = parse_rfc3339_ms(e["created_at"])
            if clock is not None and t < clock:
                late += 1
                assert clock - t <= max_disorder * 1000
            clock = t if clock is None else max(clock, t)
        assert late > 0
    ordered = generate(42, 3000, max_disorder_s=0)
    times = [parse_rfc3339_ms(e["created_at"]) for e in ordered]
    assert times == sorted(times)


def test_event_time_order_is_the_same_stream(stream):
    # arrival order differs from event time order only by the displaced events
    keys = [(parse_rfc3339_ms(e["created_at"]), e["event_id"]) for e in stream]
    assert keys != sorted(keys)
    assert sum(a > b for a, b in zip(keys, keys[1:])) < N * 0.1


def test_bad_arguments():
    with pytest.raises(ValueError):
        generate(1, -1)
    with pytest.raises(ValueError):
        generate(1, 10, brands=0)
    with pytest.raises(ValueError):
        generate(1, 10, start="yesterday")


def test_fast_enough():
    began = time.perf_counter()
    out = generate(3, 100_000)
    took = time.perf_counter() - began
    assert len(out) == 100_000
    assert took < 10  # ~0.6 s on a laptop core; generous for loaded CI machines
