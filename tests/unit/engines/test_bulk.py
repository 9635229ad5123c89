"""Pieces of the bulk engine that need no broker: record adaptation, the GC schedule."""
from __future__ import annotations

import gc

import pytest

from cluetrain.settings import Settings
from cluetrain.codec import headers as records
from cluetrain.engines.bulk import CycleCollector, to_raw
from cluetrain.processing.processor import PipelineProcessor


@pytest.fixture
def restore_gc():
    enabled = gc.isenabled()
    yield
    (gc.enable if enabled else gc.disable)()


def test_the_collector_is_off_while_the_worker_runs_and_collects_on_schedule(restore_gc):
    collector = CycleCollector(interval_s=600)
    collector.start(now=1000.0)
    assert not gc.isenabled()

    class Cycle:
        pass

    a, b = Cycle(), Cycle()
    a.other, b.other = b, a  # garbage that only the cyclic collector can free
    del a, b
    assert collector.tick(now=1599.0) is False
    assert collector.found == 0
    assert collector.tick(now=1600.0) is True
    assert collector.found >= 2
    assert collector.tick(now=1700.0) is False  # the next one is 600 s later
    assert not gc.isenabled()


def test_no_collection_before_start():
    assert CycleCollector(interval_s=0).tick(now=5.0) is False


class FakeMessage:
    """What confluent-kafka's Message answers (headers may carry None values)."""

    def __init__(self, value, headers):
        self._value, self._headers = value, headers

    def topic(self):
        return "mentions"

    def partition(self):
        return 0

    def offset(self):
        return 7

    def key(self):
        return b"acme"

    def value(self):
        return self._value

    def headers(self):
        return self._headers


def test_a_header_with_no_value_is_bad_input_not_a_crash():
    """Regression: to_raw passed confluent's headers through as they came; a clock or
    content-type header with a None value then crashed the worker (int(None))."""
    message = FakeMessage(b"not avro", [(records.CLOCK, None), (records.CONTENT_TYPE, None)])
    record = to_raw(message)
    assert record.headers == ((records.CLOCK, b""), (records.CONTENT_TYPE, b""))
    out = PipelineProcessor(Settings.from_env({})).process([record], now_ms=1_700_000_000_000)
    assert [dl.source_offset for dl in out.dead_letters] == [7]
