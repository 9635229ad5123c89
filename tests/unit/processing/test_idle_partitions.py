"""Idle partitions and quiet brands still get their breaches, before the end of a replay:
the replayer's clock ticks advance every partition's watermark."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import orjson
from kafka.partitioner.default import murmur2

from cluetrain.settings import Settings
from cluetrain.processing.processor import PipelineProcessor
from cluetrain.sinks.tables import rows_of
from cluetrain.codec.headers import header_values
from tests.support.pipeline_driver import FinalTables, replay_to_memory

START = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)


def partition_of(brand: str, partitions: int) -> int:
    return (murmur2(brand.encode()) & 0x7FFFFFFF) % partitions


def event(i, brand, minutes, kind="mention"):
    return {"kind": kind, "event_id": f"{brand}-{i}", "conversation_id": f"{brand}-{i}", "in_reply_to": None,
            "brand": brand, "author_id": f"u{i}", "author_role": "customer", "author_followers": 10,
            "text": "hello?", "lang": "en",
            "created_at": (START + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")}


def test_a_quiet_brand_in_an_idle_partition_is_breached_by_ticks():
    settings = Settings.from_env({}, partitions=4, tick_interval_s=60, tick_min_events=10)
    busy = "busybrand"
    quiet = next(b for b in (f"quiet{i}" for i in range(100))
                 if partition_of(b, 4) != partition_of(busy, 4))
    events = [event(0, quiet, 0)] + [event(i, busy, i) for i in range(1, 240)]  # 4 hours, one brand only
    broker = replay_to_memory(settings, [orjson.dumps(e) for e in events])
    processor = PipelineProcessor(settings)
    tables = FinalTables()
    p = partition_of(quiet, 4)
    for topic in settings.input_topics:  # the quiet partition, without the end-of-replay tick
        records = [r for r in broker.records(topic, p) if not header_values(r.headers)[2]]  # [2]: final
        assert any(header_values(r.headers)[1] for r in records)  # [1]: tick
        tables.write(rows_of(processor.process(records, now_ms=0)))
    turns = tables.rows("turns")
    assert turns[(quiet, f"{quiet}-0", 0)]["status"] == "breached"
