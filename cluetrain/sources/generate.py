"""A seeded, realistic synthetic stream of events in the JSON Lines format.

DESIGN.md § Events (JSON Lines interchange format; Avro on the topics).

`generate(seed, events)` returns exactly `events` event dicts, all accepted by
`validate_record`, in *arrival order*. The same arguments always give the same list:
the only source of randomness is one `random.Random(seed)`.

What the stream contains
------------------------
Brands (fictional handles) with different answer habits; the first six are:

| handle            | habit                                                          | lang |
|-------------------|----------------------------------------------------------------|------|
| skyhop_air        | airline, fast (median ~4 min), answers ~95 %, agents sign "^AB"| en   |
| telconnect_care   | telecom, slow (median ~1.5 h), office hours 08-20 UTC only     | en   |
| northbank_help    | bank that often ignores (answers ~35 % of turns)               | en   |
| railvoyage_fr     | French railway, French texts, agents sign "-AB"                | fr   |
| pixelplay_support | games console, slow and rare answers, peers answer a lot       | en   |
| freshmart         | supermarket, medium (~15 min), agents sometimes sign "/AB"     | en   |

With `brands` > 6 the profiles repeat with a numeric suffix ("skyhop_air_2", ...) and
jittered habits; with fewer, the first `brands` profiles are used.

Conversations: a customer's mention opens a turn; the customer may add follow-ups
within the turn ("still waiting", "hello??"), another customer may answer it (a peer
reply, sometimes thanked), and the brand answers after a brand-specific latency — as
the official account (author_role "brand", author_id = handle) or as a named employee
signing the brand account's reply (author_role "employee", author_id
"<brand>/<initials>", text ending with the brand's signature style) — or never (an
unanswered turn). After an answer the customer may come back (thanks, "still not
working") which opens the next turn; brands sometimes send a second part ("2/2").
Customers have heavy-tailed follower counts (log-normal with a few big accounts,
some unknown: null); brand-side posts carry the brand's audience. Texts are English
or French with varied sentiment (complaints, sarcasm, questions, praise, thanks);
`lang` is set on about a third of the events and null otherwise.

Time: conversations start as a Poisson process with a daily cycle (quiet nights),
from `start`. By default the rate adapts to the size so that small streams still
span hours (60 to 1,200 conversations an hour, about 3 posts each: 1,000 events span
≈ 4 h, 20,000 ≈ 1.5 days, 500,000 ≈ 5.5 days); `conversations_per_hour` fixes it. The stream is the first `events` posts in event time (created_at, event_id):
conversations still running at the end are cut there (the end has open turns).
event_ids are "g<seed>-<rank>" with rank the position in event time, so they sort
like created_at.

Arrival order: an event arrives at created_at + delay, where delay is 0 for most
events and uniform in [1, max_disorder_s] seconds for a fraction `late_fraction`;
the list is sorted by arrival. So an event is never more than max_disorder_s behind
the largest created_at before it (a reply may arrive before its parent).

Where things are: brand profiles and the daily cycle in generate_profiles.py, the
texts in generate_texts.py, one conversation's posts in generate_conversations.py;
here the clock, the cut, the ids and the arrival order.
"""
from __future__ import annotations

import random
from datetime import datetime, timezone

from cluetrain.sources.generate_conversations import conversation_writer
from cluetrain.sources.generate_profiles import DIURNAL, DIURNAL_MEAN, brand_profiles
from cluetrain.domain.events import parse_rfc3339_ms

DEFAULT_START = "2026-01-05T08:00:00Z"


class _Clock:
    """Fast RFC 3339 formatting of whole seconds (the date-hour-minute part is cached)."""

    __slots__ = ("cache",)

    def __init__(self) -> None:
        self.cache: dict[int, str] = {}

    def fmt(self, t: int) -> str:
        minute, sec = divmod(t, 60)
        prefix = self.cache.get(minute)
        if prefix is None:
            prefix = datetime.fromtimestamp(minute * 60, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:")
            self.cache[minute] = prefix
        return f"{prefix}{sec:02d}Z"


def generate(
    seed: int,
    events: int,
    *,
    start: str = DEFAULT_START,
    brands: int = 6,
    max_disorder_s: int = 120,
    late_fraction: float = 0.05,
    conversations_per_hour: float | None = None,
) -> list[dict]:
    """Exactly `events` synthetic events in arrival order (see the module docstring)."""
    if isinstance(events, bool) or not isinstance(events, int) or events < 0:
        raise ValueError(f"events must be a non-negative integer, got {events!r}")
    if isinstance(brands, bool) or not isinstance(brands, int) or brands < 1:
        raise ValueError(f"brands must be a positive integer, got {brands!r}")
    if max_disorder_s < 0:
        raise ValueError("max_disorder_s must be >= 0")
    if not 0.0 <= late_fraction <= 1.0:
        raise ValueError("late_fraction must be within [0, 1]")
    if conversations_per_hour is not None and not conversations_per_hour > 0:
        raise ValueError("conversations_per_hour must be > 0")
    try:
        t_start = parse_rfc3339_ms(start) // 1000
    except ValueError as exc:
        raise ValueError(f"start: {exc}") from None
    if events == 0:
        return []

    # The one source of randomness; the order of the draws is part of the output.
    rng = random.Random(seed)
    profiles = brand_profiles(brands, rng)
    if conversations_per_hour is None:
        # about 3 posts per conversation: small streams span a few hours, big ones days
        conversations_per_hour = max(60.0, min(1200.0, events / 120))
    rate_per_s = conversations_per_hour / 3600.0 / DIURNAL_MEAN
    posts: list[tuple] = []  # see generate_conversations for the tuple
    conversation = conversation_writer(rng, profiles, max(50, events // 6), posts)

    # Conversations in start order until the first `events` posts in event time are
    # settled: `cut` is the time of the events-th earliest post so far. It can only
    # move earlier as conversations are added, and a conversation starting after it
    # cannot contribute, so we stop there (re-estimating it now and then keeps the
    # overshoot small: answers scheduled far ahead make the first estimate late).
    expo = rng.expovariate
    t0 = float(t_start)
    cut: int | None = None
    check_at = events
    while True:
        hour = int(t0 % 86_400) // 3600
        t0 += expo(rate_per_s * DIURNAL[hour])
        ti = int(t0)
        if cut is not None and ti > cut:
            break
        conversation(ti)
        if len(posts) >= check_at:
            cut = sorted([e[0] for e in posts])[events - 1]
            check_at = len(posts) + max(1000, events // 10)

    n = len(posts)
    times = [e[0] for e in posts]
    order = sorted(range(n), key=times.__getitem__)  # stable: ties stay in index order
    del order[events:]
    rank = [0] * n
    for r_, i in enumerate(order):
        rank[i] = r_
    prefix = f"g{seed}-"
    width = max(6, len(str(events - 1)))
    ids = [f"{prefix}{r_:0{width}d}" for r_ in range(events)]
    arrival_order = _arrival_order(order, times, rng, max_disorder_s, late_fraction)
    return _event_dicts(posts, arrival_order, rank, ids)


def _arrival_order(
    order: list[int], times: list[int], rng: random.Random, max_disorder_s: int, late_fraction: float
) -> list[int]:
    """`order` (post indexes in event time) re-sorted by arrival: most events on time,
    some late by up to max_disorder_s."""
    if not (max_disorder_s > 0 and late_fraction > 0):
        return order
    rand = rng.random
    arrival = []
    for i in order:
        t = times[i]
        if rand() < late_fraction:
            t += 1 + int(rand() * max_disorder_s)
        arrival.append(t)
    # stable sort: equal arrival times keep event-time order
    return [order[r_] for r_ in sorted(range(len(order)), key=arrival.__getitem__)]


def _event_dicts(posts: list[tuple], arrival_order: list[int], rank: list[int], ids: list[str]) -> list[dict]:
    """The event dicts of the posts, in arrival order (ids by event-time rank)."""
    fmt = _Clock().fmt
    out = []
    append = out.append
    for i in arrival_order:
        t, parent, root, brand, author, role, followers, text, lang = posts[i]
        is_reply = parent >= 0  # a mention is its own root: its conversation_id is its id
        append({"kind": "reply" if is_reply else "mention", "event_id": ids[rank[i]],
                "conversation_id": ids[rank[root]], "in_reply_to": ids[rank[parent]] if is_reply else None,
                "brand": brand, "author_id": author, "author_role": role,
                "author_followers": followers, "text": text, "lang": lang, "created_at": fmt(t)})
    return out


def main(argv: list[str] | None = None) -> int:
    """`python -m cluetrain.sources.generate SEED EVENTS [OUT.jsonl]`."""
    import sys
    import time

    from cluetrain.sources.jsonl import write_jsonl

    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 3):
        print("usage: python -m cluetrain.sources.generate SEED EVENTS [OUT.jsonl]", file=sys.stderr)
        return 2
    try:
        seed, n = int(args[0]), int(args[1])
        began = time.perf_counter()
        evs = generate(seed, n)
        took = time.perf_counter() - began
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if len(args) == 3:
        write_jsonl(evs, args[2])
    else:
        write_jsonl(evs, sys.stdout)
    print(f"generated {len(evs)} events in {took:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
