"""The Faust engine's state table: the changelog store's key layout, meta last, drops on revocation."""
from __future__ import annotations

import asyncio
import threading

from cluetrain.state.faust_table import StateTable


class FakeTable:
    """The two parts of a faust Table that StateTable uses: send_changelog and data."""

    def __init__(self):
        self.sent = []
        self.data = {}

    def send_changelog(self, partition, key, value):
        self.sent.append((partition, key))
        future = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future


def test_saves_conversations_then_meta_last_in_the_input_partition():
    table = FakeTable()
    state = StateTable(table)
    state.save(2, {("acme", "c1"): {"id": "c1"}, ("acme", "c2"): {"id": "c2"}}, {"clocks": {}})
    assert table.sent == []  # queued until flushed

    async def on_loop():
        await asyncio.gather(*state.write_pending())
    asyncio.run(on_loop())
    assert [key for _, key in table.sent] == [b"2|c|acme|c1", b"2|c|acme|c2", b"2|m"]
    assert {p for p, _ in table.sent} == {2}
    meta, convs = StateTable(table).load(2)
    assert meta == {"clocks": {}} and sorted(c["id"] for c in convs) == ["c1", "c2"]


def test_flush_from_another_thread_writes_on_the_loop_and_waits():
    table = FakeTable()
    loop = asyncio.new_event_loop()
    runner = threading.Thread(target=loop.run_forever, daemon=True)
    runner.start()
    try:
        state = StateTable(table, loop)
        state.save(0, {("acme", "c1"): {"id": "c1"}}, {"clocks": {"mentions": 1}})
        state.flush()
        assert [key for _, key in table.sent] == [b"0|c|acme|c1", b"0|m"] and not state.pending
    finally:
        loop.call_soon_threadsafe(loop.stop)
        runner.join(5)
        loop.close()


def test_revoked_partitions_leave_the_table():
    table = FakeTable()
    table.data = {b"1|m": b"{}", b"1|c|acme|c1": b"{}", b"11|m": b"{}", b"2|m": b"{}"}
    StateTable(table).drop({1})
    assert sorted(table.data) == [b"11|m", b"2|m"]
