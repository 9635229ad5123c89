"""The commit protocol: how a processed batch becomes durable, for every engine.

Both engines (bulk.py, faust_agent.py) call `commit` with small adapters; this is the
only place that says in which order things are written (DESIGN.md § Commit order).
"""
from __future__ import annotations

from typing import Protocol

from cluetrain.domain.results import Alert, DeadLetter
from cluetrain.processing.processor import BatchOutput
from cluetrain.sinks.tables import rows_of


class RowSink(Protocol):
    def write(self, rows: dict[str, list[tuple]]) -> int:
        """Write and flush the rows (retrying); raise if they cannot be written."""


class TopicOutput(Protocol):
    def send_alert(self, alert: Alert) -> None: ...

    def send_dead_letter(self, dead_letter: DeadLetter) -> None: ...

    def flush(self) -> None:
        """Return once every record sent so far is delivered; raise if one cannot be."""


class StateStore(Protocol):
    def save(self, partition: int, records: dict, meta: dict | None) -> None:
        """Send the partition's changed records, then its meta record (if any) after them."""

    def flush(self) -> None:
        """Return once every save so far is delivered; raise if one cannot be."""


class InputOffsets(Protocol):
    def commit(self, batch: BatchOutput) -> None:
        """Seek back over the records the consumer skipped (batch.gaps) and commit the
        input offsets the saved state holds."""


def commit(batch: BatchOutput, *, rows: RowSink, topics: TopicOutput, state: StateStore,
           offsets: InputOffsets) -> None:
    """Make one processed batch durable. A crash between any two steps is harmless:
    the batch is re-delivered from the offsets of the last saved meta record, and
    every step is idempotent.

    1. Rows to ClickHouse, flushed. Re-writing them after a crash gives the same keys
       and versions (ReplacingMergeTree, read with FINAL).
    2. Alerts and dead letters to their topics, delivered: at least once, alert_id and
       the dead letter's source position are the keys consumers dedupe on.
    3. State, delivered: each partition's changed conversations and monitors, then its
       meta record (clocks, horizon, next input offsets) last. Once the meta is
       delivered the batch is done: recovery resumes after it.
    4. Input offsets: seek back over gaps, commit what the state holds (lag tooling;
       recovery trusts the meta, not the group's offsets).
    """
    rows.write(rows_of(batch))
    for alert in batch.alerts:
        topics.send_alert(alert)
    for dead_letter in batch.dead_letters:
        topics.send_dead_letter(dead_letter)
    topics.flush()
    for partition, (records, meta) in batch.state.items():
        state.save(partition, records, meta)
    state.flush()
    offsets.commit(batch)
