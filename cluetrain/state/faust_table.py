"""Partition state in a Faust table: the same records and key layout as the changelog
store (state/changelog.py), written through the table's changelog topic and recovered
by Faust itself.

The commit protocol runs off the event loop (engines/faust_agent.py): `save` only
queues, `flush` writes the queued records on the loop and waits for their delivery.
"""
from __future__ import annotations

import asyncio

from cluetrain.state.changelog import PartitionImage, encode_save


class StateTable:
    def __init__(self, table, loop: asyncio.AbstractEventLoop | None = None):
        self.table = table  # a faust Table with key_type=value_type=bytes (raw)
        self.loop = loop
        self.pending: list[tuple[int, bytes, bytes]] = []

    def load(self, partition: int) -> tuple[dict | None, list[dict]]:
        image = PartitionImage(partition)
        for key, value in list(self.table.data.items()):
            if isinstance(key, bytes):
                image.apply(key, value)
        return image.state()

    def save(self, partition: int, records: dict[tuple[str, str], dict | None], meta: dict | None) -> None:
        # encode_save puts the meta record last
        self.pending += [(partition, key, value) for key, value in encode_save(partition, records, meta)]

    def write_pending(self) -> list:
        """On the event loop: send the queued records (partition p of the state lives in
        changelog partition p), keep them in the table; returns their delivery futures."""
        pending, self.pending = self.pending, []
        futures = []
        for partition, key, value in pending:
            futures.append(self.table.send_changelog(partition, key, value))
            if value is None:  # a tombstone
                self.table.data.pop(key, None)
            else:
                self.table.data[key] = value
        return futures

    def flush(self) -> None:
        """From a worker thread: write the queued records and wait until they are delivered."""
        async def write_and_wait() -> None:
            futures = self.write_pending()
            await asyncio.gather(*futures)

        if self.pending:
            asyncio.run_coroutine_threadsafe(write_and_wait(), self.loop).result()

    def drop(self, partitions) -> None:
        """On revocation: forget the partitions' keys (Faust recovers them if they come back)."""
        prefixes = tuple(b"%d|" % p for p in partitions)
        for key in [k for k in self.table.data if isinstance(k, bytes) and k.startswith(prefixes)]:
            del self.table.data[key]
