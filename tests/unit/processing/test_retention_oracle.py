"""With a retention short enough that conversations leave memory and then receive more
events (duplicates of their old ones, new customer messages, peer replies, late brand
answers), the streamed tables still equal the independent batch reference, with a
crash in the middle or not (PipelineProcessor driven without a broker)."""
from __future__ import annotations

import random

import orjson
import pytest

from cluetrain.domain.events import parse_rfc3339_ms
from cluetrain.processing.processor import PipelineProcessor
from cluetrain.settings import Settings
from cluetrain.sources.generate import generate
from tests.support.pipeline_driver import consume, replay_to_memory
from tests.unit.processing.test_oracle import assert_equal_to_reference

RETENTION_S = 1800


def rfc3339(ms: int) -> str:
    from datetime import datetime, timezone
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def comeback_stream(seed: int) -> list[dict]:
    """A generated stream, then, hours of event time later, events for its old
    conversations: duplicates, a customer back in the thread (the next turn), another
    customer's reply to the first message (a peer reply), and some brand answers."""
    rng = random.Random(seed)
    first = generate(seed, 2500)
    end_ms = max(parse_rfc3339_ms(r["created_at"]) for r in first)
    by_conversation: dict[tuple[str, str], list[dict]] = {}
    for r in first:
        by_conversation.setdefault((r["brand"], r["conversation_id"]), []).append(r)
    later, t = [], end_ms + 3 * 3_600_000
    for (brand, conversation_id), posts in sorted(by_conversation.items())[::3]:
        opener = next((p for p in posts if p["event_id"] == conversation_id), posts[0])
        later += [dict(p) for p in rng.sample(posts, min(2, len(posts)))]  # duplicates
        t += rng.randint(1_000, 40_000)
        back = dict(opener, kind="reply", event_id=f"{conversation_id}-back", in_reply_to=posts[-1]["event_id"],
                    author_role="customer", text="still not working, any news?", created_at=rfc3339(t))
        back["author_id"] = opener["author_id"] if opener["author_role"] == "customer" else "someone"
        later.append(back)
        if rng.random() < 0.5:
            later.append(dict(back, event_id=f"{conversation_id}-peer", author_id="peer-" + conversation_id,
                              in_reply_to=opener["event_id"], text="same here", created_at=rfc3339(t + 500)))
        if rng.random() < 0.6:
            later.append(dict(back, event_id=f"{conversation_id}-answer", author_id=brand, author_role="brand",
                              in_reply_to=back["event_id"], text="Sorry, please DM us",
                              created_at=rfc3339(t + rng.randint(60_000, 5_400_000))))
    later.sort(key=lambda r: (r["created_at"] if r["event_id"].endswith(("-back", "-peer", "-answer")) else ""))
    return first + later + [dict(r) for r in rng.sample(later, 40)]  # and duplicates of the new ones


def settings(partitions: int) -> Settings:
    return Settings.from_env({}, partitions=partitions, conversation_retention_s=RETENTION_S)


def lines(records):
    return [orjson.dumps(r) for r in records]


def test_conversations_are_evicted_and_come_back():
    records = comeback_stream(5)
    s = settings(2)
    broker = replay_to_memory(s, lines(records), order="file")
    processor = PipelineProcessor(s)
    for p in range(s.partitions):
        logs = [broker.records(topic, p) for topic in s.input_topics]
        for i in range(0, max(map(len, logs)), 100):  # both topics, 100 records of each at a time
            processor.process([r for log in logs for r in log[i:i + 100]], now_ms=1_700_000_000_000)
    retention = [processor.partition(p).retention for p in range(s.partitions)]
    assert sum(r.evictions for r in retention) > 300
    assert sum(r.revivals for r in retention) > 200


@pytest.mark.parametrize("crash_after", [None, 3, 11, 25])
def test_evicted_conversations_receiving_more_events_equal_the_reference(crash_after):
    records = comeback_stream(crash_after or 1)
    s = settings(2)
    broker = replay_to_memory(s, lines(records), order="file")
    tables = consume(s, broker, seed=crash_after or 0, max_batch=150, crash_after=crash_after)
    assert sum(1 for _, _, index in tables.rows("turns") if index >= 1) > 100  # customers came back
    assert_equal_to_reference(tables, records, s)
