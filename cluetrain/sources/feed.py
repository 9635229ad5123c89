"""Hands a connector's mapped posts to the LiveSource, then saves its cursor.

The order is what makes a restart lose nothing: a post is delivered to the broker
(LiveSource.send_live returns once it is) before the store records it and the cursor
that covers it (DESIGN.md § Live sources: cursor and resume). Frames that carried no
brand post only move the cursor, saved at most once per `save_every_s`.
"""
from __future__ import annotations

import time

from cluetrain.sources.conversations import ConversationMapper, Mapped
from cluetrain.sources.cursor import ConnectorStore
from cluetrain.sources.live import LiveSource
from cluetrain.sources.replay import parse_line


class LiveFeed:
    def __init__(self, source: LiveSource, store: ConnectorStore, mapper: ConversationMapper, *,
                 save_every_s: float = 1.0):
        self.source = source
        self.store = store
        self.mapper = mapper
        self.save_every_s = save_every_s
        self.sent = 0  # lines handed to the source (events, tombstones, malformed frames)
        self._cursor: str | None = None
        self._saved_at = time.monotonic()

    def send(self, mapped: Mapped | None, cursor: str | None) -> None:
        """One frame handled: its line (if any) delivered, the cursor moved past it."""
        if mapped is not None:
            self.source.send_live(parse_line(self.sent, mapped.line))
            self.sent += 1
        if cursor is not None:
            self._cursor = cursor
        if mapped is not None or time.monotonic() - self._saved_at >= self.save_every_s:
            self.save()

    def save(self) -> None:
        self.store.save(self._cursor, self.mapper.saved())
        self._saved_at = time.monotonic()
