"""The job of part (g), bench/peers/quix_job.py, is cluetrain's job: driven record by
record over a store that serialises its values as Quix's does (JSON), its tables equal
the independent reference, as the worker's do (tests/unit/processing/test_oracle.py).
Quix itself is not needed: the job only sees a per-brand get/set store."""
from __future__ import annotations

import orjson
import pytest

from bench.peers.quix_job import PartitionJob
from cluetrain.codec import wire as codec
from cluetrain.codec.headers import header_values
from cluetrain.domain.events import BadEvent
from cluetrain.settings import Settings
from cluetrain.sinks.tables import rows_of
from cluetrain.sources.generate import generate
from tests.support.pipeline_driver import FinalTables, replay_to_memory
from tests.unit.processing.test_oracle import assert_equal_to_reference, lines_of


class JsonStore:
    """Values kept as JSON bytes per (brand, key), as Quix's state store keeps them."""

    def __init__(self):
        self.values: dict[tuple[str, str], bytes] = {}

    def of(self, brand: str):
        store = self

        class State:
            def get(self, key, default=None):
                raw = store.values.get((brand, key))
                return default if raw is None else orjson.loads(raw)

            def set(self, key, value):
                store.values[(brand, key)] = orjson.dumps(value)
        return State()


def run_job(settings: Settings, broker, release_s: float) -> FinalTables:
    tables, store = FinalTables(), JsonStore()
    for p in range(settings.partitions):
        job = PartitionJob(settings, p)
        job.release_s = release_s
        merged = [r for t in settings.input_topics for r in broker.records(t, p)]
        merged.sort(key=lambda r: (header_values(r.headers)[0] or 0, r.topic, r.offset))  # consumption order
        for i, record in enumerate(merged):
            kind = "mention" if record.topic == settings.topic_mentions else "reply"
            clock, tick, final, content_type = header_values(record.headers)
            if tick:
                job.tick(record.topic, clock, final, store.of)
                continue
            try:
                event = codec.decode_event(record.value or b"", topic_kind=kind, content_type=content_type,
                                           clock_ms=clock, max_future_s=settings.max_future_s,
                                           max_past_s=settings.max_past_s, max_text_bytes=settings.max_text_bytes)
            except BadEvent as exc:
                job.dead_letter(record.topic, record.offset, str(exc), record.value or b"", 0)
                continue
            job.event(record.topic, record.offset, event, clock, store.of, 0)
            if i % 97 == 0:  # a checkpoint now and then
                tables.write(rows_of(job.take()))
        tables.write(rows_of(job.take()))
    return tables


@pytest.mark.parametrize("partitions", [1, 2])
def test_the_quix_peers_job_equals_the_reference(partitions):
    records = generate(11, 2000)
    settings = Settings.from_env({}, partitions=partitions)
    broker = replay_to_memory(settings, lines_of(records), order="file")
    assert_equal_to_reference(run_job(settings, broker, release_s=0.0), records, settings)
