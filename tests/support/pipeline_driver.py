"""Drive PipelineProcessor from an in-memory broker, as a worker would, for agent tests.

Consumption interleaves the two input topics and cuts batches at random (seeded), to
show the result does not depend on arrival interleaving; `crash_after` simulates a
SIGKILL: state persisted so far is kept, rows written so far are kept, and a new
processor resumes from the last committed offsets.
"""
from __future__ import annotations

import random
from datetime import datetime

from cluetrain.settings import Settings
from cluetrain.sinks.tables import TABLE_COLUMNS
from cluetrain.processing.processor import PipelineProcessor
from cluetrain.kafka.memory import MemoryBroker
from cluetrain.sources.replay import replay_to_memory  # noqa: F401 (the tests import it from here)

KEYS = {
    "turns": ("brand", "conversation_id", "turn_index"),
    "reciprocity_windows": ("brand", "window_start"),
    "sentiment_windows": ("brand", "window_start", "side"),
    "mentions": ("brand", "event_id"),
    "replies": ("brand", "event_id"),
    "dead_letters": ("dead_letter_id",),
    "alerts": ("alert_id",),
}


class FinalTables:
    """ReplacingMergeTree(version) read with FINAL: the latest version of each key."""

    def __init__(self):
        self.tables: dict[str, dict[tuple, tuple[int, dict]]] = {t: {} for t in KEYS}

    def write(self, rows: dict[str, list[tuple]]) -> None:
        for table, table_rows in rows.items():
            columns = TABLE_COLUMNS[table]
            for row in table_rows:
                d = dict(zip(columns, row))
                key = tuple(d[k] for k in KEYS[table])
                version = d.get("version", 0)
                current = self.tables[table].get(key)
                if current is None or version >= current[0]:
                    self.tables[table][key] = (version, d)

    def rows(self, table: str) -> dict[tuple, dict]:
        return {k: v[1] for k, v in self.tables[table].items()}


def consume(settings: Settings, broker: MemoryBroker, *, seed: int = 0, max_batch: int = 200,
            crash_after: int | None = None, skip_rate: float = 0.0,
            tables: FinalTables | None = None) -> FinalTables:
    """Process every partition; optionally crash once after `crash_after` batches, and
    let the consumer skip records now and then (`skip_rate`), as Faust does around
    rebalances: the processor must ask to seek back."""
    rng = random.Random(seed)
    tables = tables or FinalTables()
    persisted: dict[int, dict] = {}  # partition -> {"meta":, "convs": {}, "offsets":}

    def load(p):
        saved = persisted.get(p, {})
        return saved.get("meta"), list(saved.get("convs", {}).values())

    def new_processor():
        return PipelineProcessor(settings, load_state=load)

    processor = new_processor()
    committed = {}  # (topic, partition) -> next offset
    position = {}
    batches = 0
    crashed = crash_after is None
    partitions = list(range(settings.partitions))
    while True:
        pending = [(t, p) for t in settings.input_topics for p in partitions
                   if position.get((t, p), 0) < len(broker.records(t, p))]
        if not pending:
            break
        p = rng.choice(sorted({p for _, p in pending}))
        batch = []
        for _ in range(rng.randint(1, max_batch)):
            choices = [(t, q) for t, q in pending if q == p and position.get((t, q), 0) < len(broker.records(t, q))]
            if not choices:
                break
            tp = rng.choice(choices)
            if rng.random() < skip_rate and position.get(tp, 0) + 1 < len(broker.records(*tp)):
                position[tp] = position.get(tp, 0) + 1  # the consumer loses a record
            batch.append(broker.records(*tp)[position.get(tp, 0)])
            position[tp] = position.get(tp, 0) + 1
        out = processor.process(batch, now_ms=1_700_000_000_000)
        tables.write(out.rows)  # rows first
        batches += 1
        crash_now = not crashed and batches >= crash_after
        # then state: conversations, meta last; a crash cuts the writes anywhere
        writes = []
        for part, (convs, meta) in sorted(out.state.items()):
            writes += [(part, "conv", (key, conv)) for key, conv in convs.items()]
            writes += [(part, "meta", meta)] if meta is not None else []
        if crash_now:
            writes = writes[:rng.randint(0, len(writes))]
        for part, kind, value in writes:
            saved = persisted.setdefault(part, {"meta": None, "convs": {}})
            if kind == "conv":
                saved["convs"][value[0]] = value[1]
            else:
                saved[kind] = value
        for tp, offset in out.gaps.items():  # the adapter seeks back
            position[tp] = offset
        if crash_now:
            # SIGKILL: offsets since the last commit are re-delivered to a fresh processor
            crashed = True
            position = dict(committed)
            processor = new_processor()
            continue
        if rng.random() < 0.3:  # Faust commits now and then, after the flush
            committed = dict(position)
    return tables


def as_plain(row: dict) -> dict:
    """Datetimes -> epoch seconds, drop version: comparable with the reference."""
    out = {}
    for k, v in row.items():
        if k == "version":
            continue
        out[k] = int(v.timestamp()) if isinstance(v, datetime) else v
    return out
