"""Conversation retention: which conversations leave a partition's memory, and when.

DESIGN.md § Conversation retention. A conversation is evicted once the watermark is
more than the retention past its latest event and it is *quiescent*: nothing buffered,
no timer to fire (no open turn, or one already breached), no contribution to a window
that is not final. Its record is then its whole state: it moves, unchanged, to the
archive (state/archive.py: on disk, not in memory), to an archive segment of the
changelog and a tombstone under its own key. Its next event takes it back from the
archive, so turn indexes, peer replies and duplicate detection are those of a
conversation that never left: eviction changes what is in memory, never a result.

Each live conversation has exactly one entry in the schedule (minute buckets of event
time): made when it enters memory, and at its minute either evicted or moved on to
when it may be.
"""
from __future__ import annotations

import heapq

from cluetrain.domain.state_codec import (archive_key, archive_records, archive_segment, conversation_from_dict,
                                          conversation_to_dict, record_version)
from cluetrain.domain.turns import Conversation

Key = tuple[str, str]
MINUTE_MS = 60_000


class Retention:
    def __init__(self, retention_ms: int, archive):
        self.retention_ms = retention_ms
        self.archive = archive  # put_many(records), take(brand, id), discard(keys): state/archive.py
        self._buckets: dict[int, list[Key]] = {}  # minute -> keys to look at once it has passed
        self._minutes: list[int] = []  # heap of the buckets' minutes
        self._evicted: list[dict] = []  # records evicted since the last save
        self.evictions = 0
        self.revivals = 0

    def watch(self, key: Key, conversation: Conversation) -> None:
        self._schedule(key, conversation.last_ms + self.retention_ms)

    def _schedule(self, key: Key, at_ms: int) -> None:
        minute = at_ms // MINUTE_MS
        bucket = self._buckets.get(minute)
        if bucket is None:
            bucket = self._buckets[minute] = []
            heapq.heappush(self._minutes, minute)
        bucket.append(key)

    def revive(self, brand: str, conversation_id: str) -> Conversation | None:
        """The conversation back from the archive, or None if it was never evicted."""
        record = self.archive.take(brand, conversation_id)
        if record is None:
            return None
        self.revivals += 1
        return conversation_from_dict(record)

    def evict(self, conversation_of, forget, watermark_ms: int) -> None:
        """Evict what is due at this watermark: `conversation_of(key)` finds a live
        conversation, `forget(key)` removes it from memory."""
        evicted = []
        while self._minutes and (self._minutes[0] + 1) * MINUTE_MS <= watermark_ms:
            for key in self._buckets.pop(heapq.heappop(self._minutes)):
                conv = conversation_of(key)
                if conv is None:
                    continue  # evicted and back since: it has a later entry
                if conv.last_ms + self.retention_ms >= watermark_ms:
                    self.watch(key, conv)  # an event since
                elif not conv.quiescent:
                    self._schedule(key, watermark_ms + MINUTE_MS)
                else:
                    forget(key)
                    evicted.append(conversation_to_dict(conv))
        if evicted:
            self.archive.put_many(evicted)
            self._evicted += evicted
            self.evictions += len(evicted)

    def take_records(self, is_live) -> dict:
        """The changelog records of the evictions since the last save, in the order they
        must be written: the segment holding them first, then a tombstone per
        conversation (unless it came back meanwhile). A crash between the two leaves a
        conversation in both places; recovery keeps the live one."""
        if not self._evicted:
            return {}
        records: dict = {archive_key(): archive_segment(self._evicted)}
        for record in self._evicted:
            key = (record["brand"], record["id"])
            if not is_live(key):
                records[key] = None
        self._evicted = []
        return records

    def restore(self, segments: list[dict], live: list[Key]) -> None:
        """Recovery: the archive from the changelog's segments; a live record is newer
        than any archived copy (see take_records)."""
        for segment in segments:
            self.archive.put_many(archive_records(segment))
        self.archive.discard(live)


def latest_archived(segments: list[dict], *, exclude: set[Key]) -> dict[Key, dict]:
    """The latest archived record of each conversation not in `exclude`."""
    latest: dict[Key, dict] = {}
    for segment in segments:
        for record in archive_records(segment):
            key = (record["brand"], record["id"])
            if key not in exclude and (key not in latest or record_version(record) >= record_version(latest[key])):
                latest[key] = record
    return latest
