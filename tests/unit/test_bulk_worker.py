"""Pieces of the bulk engine that need no broker: its garbage-collection schedule."""
from __future__ import annotations

import gc

import pytest

from cluetrain.streams.agents.bulk_worker import CycleCollector


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
