"""Memory of the worker's partition state per open conversation, and the cost of saving it.

Builds one PartitionState the way `PipelineProcessor.partition` does (Settings defaults)
and feeds it a seeded stream, in event-time order, in batches like the pipeline's: per
batch, clocks for both input topics (the replay clock = max created_at sent), the
events, `advance()`, `take_dirty()` (+ orjson of every record, as the adapter does).

Each conversation: a customer mention (short realistic text); sometimes a follow-up
and a peer reply; the brand answers most turns (some after the SLA), some customers
come back after the answer (a new open turn); the rest stay unanswered (breached).

Prints RSS before/after (psutil), bytes per conversation, the per-batch save cost, the
time and size of serialising every conversation at once, and (--breakdown) a deep
sizeof of a sample of conversations.

    .venv/bin/python bench/memory_bench.py --conversations 1000000
"""
from __future__ import annotations

import argparse
import dataclasses
import gc
import heapq
import random
import sys
import time

import orjson
import psutil

from cluetrain.settings import Settings
from cluetrain.domain.events import Event
from cluetrain.domain.partition import PartitionState

T0 = 1_767_600_000_000  # 2026-01-05 08:00 UTC, ms
CUSTOMER_TEXTS = [
    "@{b} my flight was delayed 3 hours and nobody at the gate knows anything",
    "@{b} still waiting for a refund, it's been 2 weeks now",
    "@{b} hi, my internet has been down since this morning, can you help?",
    "@{b} the app keeps crashing when I try to pay. please fix",
    "@{b} great, lost my bag again. thanks for nothing",
    "@{b} bonjour, mon train est annulé et je n'ai reçu aucune information",
    "@{b} how do I change the address on my account?",
    "@{b} love the new update, checkout is so much faster now!",
    "@{b} on hold for 45 minutes, is anyone there??",
    "@{b} order #48213 never arrived and tracking says delivered",
]
FOLLOW_UPS = ["hello??", "still waiting", "any news?", "@{b} anyone?", "this is ridiculous"]
BRAND_TEXTS = ["Hi! Sorry to hear that, please DM us your booking reference and we'll look into it ^AB",
               "We're sorry for the trouble. Could you send us a DM with your account number? /JS",
               "Thanks for reaching out, we're on it."]


def make_state(settings: Settings) -> PartitionState:
    s = settings  # the same construction as PipelineProcessor.partition
    return PartitionState(s.input_topics, lateness_ms=s.allowed_lateness_s * 1000,
                          policy_for=s.sla_policies().for_brand,
                          warn_fraction=s.sla_warning_fraction, brand_rules=s.brand_alert_rules)


def events(n: int, *, seed: int, brands: int, span_h: float):
    """(created_at_ms, Event) in event-time order: conversations start uniformly over
    `span_h` hours; their later posts wait in a heap."""
    rng = random.Random(seed)
    brand_names = [f"brand_{i:02d}_care" for i in range(brands)]
    step = span_h * 3_600_000 / n
    later: list = []
    seq = 0

    def ev(kind, eid, conv, brand, t, author, role, reply_to, followers, text):
        return Event(kind, eid, conv, reply_to, brand, author, role, followers, text, None, t)

    for i in range(n):
        t = T0 + int(i * step)
        while later and later[0][0] <= t:
            yield heapq.heappop(later)[::2]
        b = brand_names[rng.randrange(brands)]
        conv = f"g{seed}-{i}"
        cust = f"cust{rng.randrange(10**8)}"
        followers = None if rng.random() < 0.2 else int(rng.lognormvariate(5, 2))
        yield t, ev("mention", conv, conv, b, t, cust, "customer", None, followers,
                    rng.choice(CUSTOMER_TEXTS).format(b=b))
        k = 0

        def push(dt_ms, kind, author, role, reply_to, text, fol=None):
            nonlocal k, seq
            k += 1
            seq += 1
            heapq.heappush(later, (t + dt_ms, seq, ev(kind, f"{conv}.{k}", conv, b, t + dt_ms, author, role,
                                                      reply_to, fol, text)))
        if rng.random() < 0.25:
            push(rng.randrange(60_000, 1_800_000), "reply", cust, "customer", conv,
                 rng.choice(FOLLOW_UPS).format(b=b), followers)
        if rng.random() < 0.05:
            push(rng.randrange(60_000, 600_000), "reply", f"cust{rng.randrange(10**8)}", "customer", conv,
                 "same here, no answer for days")
        if rng.random() < 0.6:
            answer = int(rng.expovariate(1 / 1_800_000)) + 30_000  # mean 30 min: some after the SLA
            push(answer, "reply", b, "brand", conv, rng.choice(BRAND_TEXTS))
            if rng.random() < 0.15:
                push(answer + rng.randrange(60_000, 900_000), "reply", cust, "customer", f"{conv}.{k}",
                     "thanks but it still doesn't work", followers)
    while later:
        yield heapq.heappop(later)[::2]


def rss() -> int:
    gc.collect()
    return psutil.Process().memory_info().rss


def deep_size(obj, seen: set[int], shared: set[int]) -> int:
    """sizeof of obj and what it references, once each; `shared` ids (brands) excluded."""
    if id(obj) in seen or id(obj) in shared or obj is None or isinstance(obj, (bool,)):
        return 0
    seen.add(id(obj))
    size = sys.getsizeof(obj)
    if isinstance(obj, dict):
        size += sum(deep_size(k, seen, shared) + deep_size(v, seen, shared) for k, v in obj.items())
    elif isinstance(obj, (list, tuple, set, frozenset)):
        size += sum(deep_size(x, seen, shared) for x in obj)
    elif hasattr(obj, "__slots__"):
        for cls in type(obj).__mro__:
            for name in getattr(cls, "__slots__", ()):
                if hasattr(obj, name):
                    size += deep_size(getattr(obj, name), seen, shared)
    elif hasattr(obj, "__dict__"):
        size += deep_size(vars(obj), seen, shared)
    return size


@dataclasses.dataclass
class Feed:
    """The seeded stream fed to one PartitionState in batches, and what saving cost."""
    events: int = 0
    batches: int = 0
    seconds: float = 0.0
    save_s: float = 0.0          # take_dirty + orjson, all batches
    save_bytes: int = 0
    meta_bytes: int = 0


def save_batch(state: PartitionState, topics, clock, batch: list, feed: Feed) -> None:
    """One pipeline batch: clocks for both topics, the events, advance(), then save."""
    for topic in topics:
        state.observe_clock(topic, clock)
    for record_clock, e in batch:  # each record carries the source clock at its sending
        state.add_event(e, 0.1 if e.author_role != "customer" else -0.3, record_clock)
    state.advance()
    t = time.perf_counter()
    convs, meta = state.take_dirty()
    blobs = [orjson.dumps(v) for v in convs.values()]
    m = orjson.dumps(meta) if meta is not None else b""
    feed.save_s += time.perf_counter() - t
    feed.save_bytes += sum(map(len, blobs)) + len(m)
    feed.meta_bytes += len(m)
    feed.batches += 1


def feed_stream(state: PartitionState, topics, a) -> Feed:
    feed = Feed()
    clock = None
    batch: list = []
    started = time.perf_counter()
    for t, e in events(a.conversations, seed=a.seed, brands=a.brands, span_h=a.span_h):
        clock = t if clock is None or t > clock else clock
        batch.append((clock, e))
        feed.events += 1
        if len(batch) >= a.batch:
            save_batch(state, topics, clock, batch, feed)
            batch.clear()
    if batch:
        save_batch(state, topics, clock, batch, feed)
    feed.seconds = time.perf_counter() - started
    return feed


def every_conversation(state: PartitionState) -> dict:
    """{key: conversation}; keys (brand, id) when the state nests them by brand."""
    if isinstance(next(iter(state.conversations)), str):  # nested since the diet
        return {(b, i): c for b, by_id in state.conversations.items() for i, c in by_id.items()}
    return state.conversations


def snapshot_cost(state: PartitionState, every: dict) -> tuple[float, float, int]:
    """Serialise everything at once (a full snapshot), as the adapter would:
    (take_dirty s, + orjson s, bytes)."""
    state.dirty.update(every)
    state.meta_dirty = True
    t = time.perf_counter()
    convs, _meta = state.take_dirty()
    t_take = time.perf_counter() - t
    blobs = [orjson.dumps(v) for v in convs.values()]
    return t_take, time.perf_counter() - t, sum(map(len, blobs))


def meta_only_cost(state: PartitionState, topic: str) -> float:
    """Seconds of a batch with no conversation change: meta (+ changed monitors) only."""
    state.mark_processed(topic, 10**9)
    t = time.perf_counter()
    for _ in range(100):
        state.mark_processed(topic, 10**9)
        convs, meta = state.take_dirty()
        orjson.dumps(meta)
        for v in convs.values():
            orjson.dumps(v)
    return (time.perf_counter() - t) / 100


def print_breakdown(state: PartitionState, every: dict) -> None:
    n = len(every)
    sample = random.Random(1).sample(sorted(every), min(2000, n))
    shared = {id(b) for b, _ in every}
    nested = every is not state.conversations
    sizes = [deep_size(every[k] if nested else (k, every[k]), set(), shared) for k in sample]
    print(f"deep sizeof (conversation + its key tuple if any, brand excluded): mean {sum(sizes) / len(sizes):,.0f} bytes,"
          f" max {max(sizes):,}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--conversations", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--brands", type=int, default=20)
    ap.add_argument("--span-h", type=float, default=48.0, help="event time the conversations start over")
    ap.add_argument("--batch", type=int, default=5000, help="events per batch (Settings.sink_batch_size)")
    ap.add_argument("--breakdown", action="store_true", help="deep sizeof of 2,000 sampled conversations")
    a = ap.parse_args(argv)

    settings = Settings.from_env({})
    state = make_state(settings)
    topics = settings.input_topics
    before = rss()
    feed = feed_stream(state, topics, a)
    after = rss()  # (the key list below is built after this measure)
    every = every_conversation(state)
    n = len(every)
    open_turns = sum(1 for c in every.values() if c.open_turn is not None)
    t_take, t_all, total = snapshot_cost(state, every)
    t_meta = meta_only_cost(state, topics[0])

    mib = 1 << 20
    batches = feed.batches
    print(f"conversations {n:,} ({open_turns:,} with an open turn), events {feed.events:,}, batches {batches:,}, "
          f"fed in {feed.seconds:.1f} s")
    print(f"RSS before {before / mib:,.0f} MiB, after {after / mib:,.0f} MiB, "
          f"delta {(after - before) / mib:,.0f} MiB = {(after - before) / n:,.0f} bytes/conversation")
    print(f"per-batch save (take_dirty + orjson) total {feed.save_s:.2f} s = {feed.save_s / batches * 1000:.2f} "
          f"ms/batch, {feed.save_bytes / batches / 1024:,.1f} KiB/batch (meta {feed.meta_bytes / batches / 1024:,.1f} "
          f"KiB/batch)")
    print(f"full snapshot: take_dirty {t_take:.2f} s, + orjson {t_all:.2f} s, {total / mib:,.0f} MiB "
          f"= {total / n:,.0f} bytes/conversation record")
    print(f"meta-only batch: {t_meta * 1000:.3f} ms")
    if a.breakdown:
        print_breakdown(state, every)


if __name__ == "__main__":
    main()
