"""Client configurations: the Tansu workarounds for the local profile only."""
from __future__ import annotations

from cluetrain.kafka import config
from cluetrain.settings import Settings

KAFKA = Settings.from_env({"CLUETRAIN_BROKER": "kafka://k1:9092,k2:9092"})
LOCAL = Settings.from_env({"CLUETRAIN_BROKER": "kafka://127.0.0.1:9092", "CLUETRAIN_BROKER_PROFILE": "local"})


def test_bootstrap_servers():
    assert config.bootstrap_servers("kafka://k1:9092,k2:9092/") == "k1:9092,k2:9092"
    assert config.bootstrap_servers("tcp://h:1") == "h:1" and config.bootstrap_servers("h:1") == "h:1"


def test_the_local_profile_only_changes_the_local_clients():
    assert "heartbeat.interval.ms" not in config.consumer_config(KAFKA)
    assert config.consumer_config(LOCAL)["heartbeat.interval.ms"] == 1000
    assert "producer_max_batch_size" not in config.faust_broker_config(KAFKA, KAFKA.broker)
    assert config.faust_broker_config(LOCAL, LOCAL.broker)["producer_max_batch_size"] == 1


def test_worker_clients():
    consumer = config.consumer_config(KAFKA)
    assert consumer["bootstrap.servers"] == "k1:9092,k2:9092" and consumer["group.id"] == "cluetrain"
    assert consumer["partition.assignment.strategy"] == "range"  # co-partitioning
    assert config.recovery_consumer_config(KAFKA)["group.id"] == "cluetrain-recovery"
    producer = config.worker_producer_config(KAFKA)
    assert producer["client.id"] == "cluetrain-worker" and producer["linger.ms"] == 2
    assert producer["partitioner"] == config.producer_config(KAFKA.broker)["partitioner"] == "murmur2_random"
