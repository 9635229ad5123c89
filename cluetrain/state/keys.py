"""The state changelog's key layout: the one definition that the changelog store, the
Faust table store and `cluetrain run`'s progress read.

One changelog partition per input partition p, same number; every key starts `p|`:
- `p|c|<a>|<b>`: one state record of partition p (a conversation, keyed by
  (brand, conversation_id), or any other (str, str) key the partition state uses);
- `p|m`: the partition's meta record (clocks, horizon, next input offsets), written
  LAST in every save, so a recovered meta implies every record before it was saved;
- `p|x`: the recovery marker (see changelog.ChangelogStore.recover).
"""
from __future__ import annotations

SEPARATOR = b"|"
RECORD = b"c"
META = b"m"
MARKER = b"x"


def partition_prefix(partition: int) -> bytes:
    return b"%d|" % partition


def record_prefix(partition: int) -> bytes:
    return partition_prefix(partition) + RECORD + SEPARATOR


def record_key(partition: int, a: str, b: str) -> bytes:
    return record_prefix(partition) + a.encode() + SEPARATOR + b.encode()


def meta_key(partition: int) -> bytes:
    return partition_prefix(partition) + META


def marker_key(partition: int) -> bytes:
    return partition_prefix(partition) + MARKER


def meta_partition(key: bytes | None) -> int | None:
    """The partition whose meta record `key` is, or None for any other key."""
    partition, _, kind = (key or b"").partition(SEPARATOR)
    return int(partition) if kind == META else None
