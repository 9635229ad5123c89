"""What a live connector remembers across restarts: its stream cursor and the posts it sent.

One SQLite file per connector (`<CLUETRAIN_LIVE_STATE_DIR>/<name>.sqlite3`). The cursor
is saved only after the records it covers were delivered to the broker, in the same
transaction as the posts they carried (DESIGN.md § Live sources: cursor and resume):
a crash re-reads from the previous cursor (duplicates, which the connector skips by
event_id and the worker would process once anyway), never past an undelivered post.

The posts table is how a reply finds its conversation and brand, how a delete or an
edit is known to concern a post we sent, and how a replayed post is skipped. Posts
older than the retention leave it.
"""
from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

RETENTION_DAYS = 30  # a conversation silent this long starts over (as a new one) when it resumes


@dataclass(frozen=True, slots=True)
class SentPost:
    event_id: str
    brand: str
    conversation_id: str


class ConnectorStore:
    def __init__(self, path: str | Path, *, now_ms=None):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._now_ms = now_ms or (lambda: int(time.time() * 1000))
        # explicit transactions below; one thread at a time uses it (built in one, run in another)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a saved cursor survives a power cut
        self._db.executescript("""
            CREATE TABLE IF NOT EXISTS cursor (name TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS posts (event_id TEXT PRIMARY KEY, brand TEXT NOT NULL,
                conversation_id TEXT NOT NULL, seen_ms INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS posts_by_conversation ON posts (conversation_id);
            CREATE INDEX IF NOT EXISTS posts_by_age ON posts (seen_ms);
        """)
        self._prune()

    def close(self) -> None:
        self._db.close()

    def cursor(self, name: str = "stream") -> str | None:
        row = self._db.execute("SELECT value FROM cursor WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def post(self, event_id: str) -> SentPost | None:
        row = self._db.execute("SELECT event_id, brand, conversation_id FROM posts WHERE event_id = ?",
                               (event_id,)).fetchone()
        return SentPost(*row) if row else None

    def conversation_brand(self, conversation_id: str) -> str | None:
        """The brand of a conversation we sent a post of (its root, or any reply in it)."""
        row = self._db.execute("SELECT brand FROM posts WHERE conversation_id = ? LIMIT 1",
                               (conversation_id,)).fetchone()
        return row[0] if row else None

    def save(self, cursor: str | None, posts: list[SentPost], name: str = "stream") -> None:
        """Record delivered posts and the cursor that covers them, atomically."""
        now = self._now_ms()
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO posts (event_id, brand, conversation_id, seen_ms) VALUES (?, ?, ?, ?)",
                [(p.event_id, p.brand, p.conversation_id, now) for p in posts])
            if cursor is not None:
                self._db.execute("INSERT OR REPLACE INTO cursor (name, value) VALUES (?, ?)", (name, cursor))

    def _prune(self) -> None:
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM posts WHERE seen_ms < ?", (self._now_ms() - RETENTION_DAYS * 86_400_000,))
