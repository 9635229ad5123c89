"""Evicted conversations, kept out of memory: a private on-disk SQLite database.

A conversation idle past CLUETRAIN_CONVERSATION_RETENTION_S leaves the partition's
memory (domain/partition.py); its whole record moves here, keyed by (brand,
conversation_id), and comes back the moment one of its events arrives, so turn indexes,
peer replies and the seen ledger stay exact (DESIGN.md § Conversation retention).

This is a cache, not the durable copy: the changelog keeps every evicted record (in
archive segments, state_codec.py) and recovery refills a fresh archive from them. So
the database is SQLite's private temporary one (connect("")): removed when closed,
pages in a bounded cache (CACHE_KIB) and the rest on disk, no journal, no fsync.
"""
from __future__ import annotations

import sqlite3

import orjson

from cluetrain.domain.state_codec import record_version

CACHE_KIB = 8192  # SQLite's page cache: the archive's whole share of memory


class ConversationArchive:
    def __init__(self) -> None:
        self._db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self._db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE conversations (brand TEXT, id TEXT, version INTEGER, record BLOB,"
                         " PRIMARY KEY (brand, id)) WITHOUT ROWID")

    def put_many(self, records: list[dict]) -> None:
        """Store conversation records (state_codec's dicts); a record older than the one
        already stored (recovery reads segments in any order) is left out."""
        self._db.executemany(
            "INSERT INTO conversations VALUES (?, ?, ?, ?) ON CONFLICT (brand, id) DO UPDATE"
            " SET version = excluded.version, record = excluded.record WHERE excluded.version >= version",
            [(r["brand"], r["id"], record_version(r), orjson.dumps(r)) for r in records])

    def take(self, brand: str, conversation_id: str) -> dict | None:
        """The record of an evicted conversation, removed from the archive; None if absent."""
        row = self._db.execute("DELETE FROM conversations WHERE brand = ? AND id = ? RETURNING record",
                               (brand, conversation_id)).fetchone()
        return None if row is None else orjson.loads(row[0])

    def discard(self, keys) -> None:
        """Forget these (brand, conversation_id): their live record is newer."""
        self._db.executemany("DELETE FROM conversations WHERE brand = ? AND id = ?", keys)

    def __len__(self) -> int:
        return self._db.execute("SELECT count(*) FROM conversations").fetchone()[0]

    def close(self) -> None:
        self._db.close()
