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
from cluetrain.engines.commit import commit
from cluetrain.processing.processor import PipelineProcessor
from cluetrain.sinks.tables import SPECS
from cluetrain.kafka.memory import MemoryBroker
from cluetrain.sources.replay import replay_to_memory  # noqa: F401 (the tests import it from here)

KEYS = {name: spec.key for name, spec in SPECS.items()}


class FinalTables:
    """ReplacingMergeTree(version) read with FINAL: the latest version of each key."""

    def __init__(self):
        self.tables: dict[str, dict[tuple, tuple[int, dict]]] = {t: {} for t in KEYS}

    def write(self, rows: dict[str, list[tuple]]) -> None:
        for table, table_rows in rows.items():
            columns = SPECS[table].columns
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
            tables: FinalTables | None = None, state_interval_s: float = 0.0) -> FinalTables:
    """Process every partition; optionally crash once after `crash_after` batches, and
    let the consumer skip records now and then (`skip_rate`), as Faust does around
    rebalances: the processor must ask to seek back. `state_interval_s` > 0: the
    state is saved only that often (the bulk engine's checkpoints), each batch taking
    0.25 s of the clock."""
    rng = random.Random(seed)
    tables = tables or FinalTables()
    persisted: dict[int, dict] = {}  # partition -> {"meta":, "convs": {}, "offsets":}

    def load(p):
        saved = persisted.get(p, {})
        return saved.get("meta"), list(saved.get("convs", {}).values())

    def new_processor():
        return PipelineProcessor(settings, load_state=load, state_interval_s=state_interval_s)

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
        now_ms = 1_700_000_000_000 + (batches * 250 if state_interval_s else 0)
        out = processor.process(batch, now_ms=now_ms)
        batches += 1
        crash_now = not crashed and batches >= crash_after
        # the engines' commit protocol; a crash cuts the state writes anywhere
        state = MemoryState(persisted, cut=rng if crash_now else None)
        try:
            commit(out, rows=tables, topics=NoTopics(), state=state, offsets=SeekBack(position))
        except Crash:
            pass
        if crash_now:
            # SIGKILL: offsets since the last commit are re-delivered to a fresh processor;
            # the bulk engine (state saved per interval) resumes from its saved metas
            crashed = True
            position = saved_positions(persisted) if state_interval_s else dict(committed)
            processor = new_processor()
            continue
        if rng.random() < 0.3:  # Faust commits now and then, after the flush
            committed = dict(position)
    return tables


def saved_positions(persisted: dict[int, dict]) -> dict[tuple[str, int], int]:
    """Where the bulk engine's consumer starts after a restart: the next offsets in
    each partition's saved meta (the beginning without one)."""
    return {(topic, p): offset for p, saved in persisted.items() if saved.get("meta")
            for topic, offset in saved["meta"].get("offsets", {}).items()}


class Crash(Exception):
    """The process is killed in the middle of a commit."""


class NoTopics:
    def send_alert(self, alert) -> None: ...

    def send_dead_letter(self, dead_letter) -> None: ...

    def flush(self) -> None: ...


class MemoryState:
    """StateStore of the commit protocol over a dict; with `cut`, a crash keeps only a
    random prefix of the writes (conversations, then meta last, per partition)."""

    def __init__(self, persisted: dict[int, dict], cut: random.Random | None = None):
        self.persisted = persisted
        self.cut = cut
        self.writes: list[tuple[int, str, object]] = []

    def save(self, partition: int, records: dict, meta: dict | None) -> None:
        self.writes += [(partition, "conv", item) for item in records.items()]
        self.writes += [(partition, "meta", meta)] if meta is not None else []

    def flush(self) -> None:
        writes = self.writes if self.cut is None else self.writes[:self.cut.randint(0, len(self.writes))]
        for part, kind, value in writes:
            saved = self.persisted.setdefault(part, {"meta": None, "convs": {}})
            if kind == "conv" and value[1] is None:  # a tombstone
                saved["convs"].pop(value[0], None)
            elif kind == "conv":
                saved["convs"][value[0]] = value[1]
            else:
                saved[kind] = value
        if self.cut is not None:
            raise Crash()


class SeekBack:
    """InputOffsets of the commit protocol: the consumer seeks back over gaps."""

    def __init__(self, position: dict):
        self.position = position

    def commit(self, batch) -> None:
        for tp, offset in batch.gaps.items():
            self.position[tp] = offset


def as_plain(row: dict) -> dict:
    """Datetimes -> epoch seconds, drop version: comparable with the reference."""
    out = {}
    for k, v in row.items():
        if k == "version":
            continue
        out[k] = int(v.timestamp()) if isinstance(v, datetime) else v
    return out
