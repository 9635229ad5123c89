"""The soak's input: a live-like stream of many days of event time, generated one day
at a time (so that the input never sits in memory), with customers coming back to
conversations `comeback_days` old (after their eviction): a duplicate of the old
mention, a new customer message in the thread (its next turn), sometimes the brand's
answer. Used by bench/soak.py and, smaller, by tests/unit/processing/test_soak_stream.py.
"""
from __future__ import annotations

import random
from collections import deque
from datetime import datetime, timezone
from typing import Iterator

import orjson

from cluetrain.domain.events import parse_rfc3339_ms
from cluetrain.sources.generate import generate

DAY_MS = 86_400_000
START_MS = parse_rfc3339_ms("2026-01-05T00:00:00Z")


def rfc3339(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def soak_lines(days: int, events_per_day: int, *, seed: int = 1, comeback_days: int = 9,
               comebacks_per_day: int = 150) -> Iterator[tuple[int, list[bytes]]]:
    """(day, JSONL lines of that day in arrival order) for each day."""
    rng = random.Random(seed)
    openers: deque[list[dict]] = deque(maxlen=comeback_days)  # sampled mentions of the last days
    for day in range(days):
        day_ms = START_MS + day * DAY_MS
        records = generate(seed * 1000 + day, events_per_day, start=rfc3339(day_ms),
                           conversations_per_hour=events_per_day / 3 / 24)
        end = rfc3339(day_ms + DAY_MS - 600_000)  # days never overlap: nothing arrives late
        records = [r for r in records if r["created_at"] < end]
        duplicates, new = [], []
        if len(openers) == comeback_days:
            for old in openers[0]:
                duplicates.append(old)  # the old mention again
                new += _comeback(rng, old, day_ms + rng.randrange(DAY_MS - 3_600_000))
        new.sort(key=lambda r: r["created_at"])
        mentions = [r for r in records if r["kind"] == "mention"]
        openers.append(rng.sample(mentions, min(comebacks_per_day, len(mentions))))
        yield day, _merged(records, new, duplicates)


def _comeback(rng: random.Random, opener: dict, at_ms: int) -> list[dict]:
    """The customer back in an old thread (its next turn), sometimes answered."""
    conversation = opener["conversation_id"]
    back = dict(opener, kind="reply", event_id=f"{conversation}-back", in_reply_to=conversation,
                text="hello again, this is still not fixed", created_at=rfc3339(at_ms))
    if rng.random() < 0.4:
        return [back]
    return [back, dict(back, event_id=f"{conversation}-answer", author_id=opener["brand"], author_role="brand",
                       author_followers=None, in_reply_to=back["event_id"], text="Sorry about that, DM us please",
                       created_at=rfc3339(at_ms + rng.randrange(60_000, 5_400_000)))]


def _merged(records: list[dict], new: list[dict], duplicates: list[dict]) -> list[bytes]:
    """The day's records with the new comeback events at their created_at, and the
    duplicates of old mentions half at the start of the day, half at its end."""
    half = len(duplicates) // 2
    out, i = [orjson.dumps(r) for r in duplicates[:half]], 0
    for r in records:
        while i < len(new) and new[i]["created_at"] <= r["created_at"]:
            out.append(orjson.dumps(new[i]))
            i += 1
        out.append(orjson.dumps(r))
    out += [orjson.dumps(r) for r in new[i:]]
    out += [orjson.dumps(r) for r in duplicates[half:]]
    return out
