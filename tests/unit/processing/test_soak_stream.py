"""The soak's stream (bench/soak_stream.py), small: days of event time with a retention
of one day, customers back in threads evicted days before, duplicates of old mentions;
the streamed tables equal the independent batch reference, with a crash or not."""
from __future__ import annotations

import orjson
import pytest

from bench.soak_stream import soak_lines
from cluetrain.settings import Settings
from tests.support.pipeline_driver import consume, replay_to_memory
from tests.unit.processing.test_oracle import assert_equal_to_reference


@pytest.mark.parametrize("crash_after", [None, 9])
def test_the_soak_stream_with_evictions_equals_the_reference(crash_after):
    lines = [line for _, day in soak_lines(5, 1500, comeback_days=2, comebacks_per_day=60) for line in day]
    settings = Settings.from_env({}, partitions=2, conversation_retention_s=86_400)
    tables = consume(settings, replay_to_memory(settings, lines, order="file"), seed=3, max_batch=400,
                     crash_after=crash_after)
    records = [orjson.loads(line) for line in lines]
    assert sum(1 for r in records if r["event_id"].endswith("-back")) == 3 * 60
    assert_equal_to_reference(tables, records, settings)
