"""Every Kafka client's configuration, built from Settings in this one place.

confluent-kafka (librdkafka) for the worker's consumer and producer, the recovery and
progress readers and the replayer; kafka-python for the topic admin; Faust's broker
settings. The Tansu workarounds (local_profile.py) are added here, for the local
profile only.
"""
from __future__ import annotations

import logging

from cluetrain.kafka import local_profile
from cluetrain.settings import Settings

REPLAY_CLIENT_ID = "cluetrain-replay"
ADMIN_CLIENT_ID = "cluetrain-admin"

# librdkafka's own log lines (`%3|…|FAIL|…` on stderr by default) go to this logger:
# into the worker's log, and nowhere in a command that configures no logging.
LIBRDKAFKA_LOG = logging.getLogger("cluetrain.librdkafka")
LIBRDKAFKA_LOG.addHandler(logging.NullHandler())


def bootstrap_servers(url: str) -> str:
    """`kafka://h:p,h2:p2` or `h:p` -> `h:p,h2:p2`."""
    for scheme in ("kafka://", "tcp://"):
        if url.startswith(scheme):
            url = url[len(scheme):]
    return url.rstrip("/")


def producer_config(broker_url: str, *, client_id: str = REPLAY_CLIENT_ID, message_timeout_s: float = 30.0) -> dict:
    """A confluent producer's config (the replayer's as is; the worker's: worker_producer_config)."""
    return {
        "bootstrap.servers": bootstrap_servers(broker_url),
        "client.id": client_id,
        "acks": "all",
        "enable.idempotence": False,  # Tansu has no idempotent producer
        "partitioner": "murmur2_random",  # = the Java client's and kafka-python's default
        "linger.ms": 50,  # fewer, larger produce requests: half the broker CPU of 5 ms
        "batch.num.messages": 10_000,
        "batch.size": 1024 * 1024,
        "queue.buffering.max.messages": 200_000,
        "queue.buffering.max.kbytes": 256 * 1024,
        "message.max.bytes": 4 * 1024 * 1024,
        "compression.type": "none",  # lz4 measured slower on the local broker (CPU-bound)
        "message.timeout.ms": int(message_timeout_s * 1000),
        "logger": LIBRDKAFKA_LOG,
    }


def worker_producer_config(settings: Settings) -> dict:
    config = producer_config(settings.broker, client_id=f"{settings.app_id}-worker")
    config["linger.ms"] = 2  # the loop waits for each batch's deliveries: a short linger
    return config


def consumer_config(settings: Settings, **extra) -> dict:
    """The worker's consumer (one group, `app_id`); `extra` overrides (e.g. another group.id)."""
    config = {
        "bootstrap.servers": bootstrap_servers(settings.broker),
        "group.id": settings.app_id,
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        # Both input topics have the same partition count and are keyed by brand: the
        # range assignor gives partition p of both to the same worker (co-partitioning).
        "partition.assignment.strategy": "range",
        "session.timeout.ms": settings.session_timeout_s * 1000,
        "fetch.wait.max.ms": 100,
        # No reconnect to a lost broker before the worker has noticed (all brokers down)
        # and stopped: reconnecting to a restarted Tansu, whose topics are new, crashes
        # librdkafka 2.12 (DESIGN.md § Broker faults).
        "reconnect.backoff.ms": 5000,
        "reconnect.backoff.max.ms": 10000,
        "logger": LIBRDKAFKA_LOG,
    }
    config.update(local_profile.confluent_overrides(settings))
    config.update(extra)
    return config


def recovery_consumer_config(settings: Settings) -> dict:
    """Reads the state changelog on assignment (assign only: the group is never joined)."""
    return consumer_config(settings, **{"group.id": f"{settings.app_id}-recovery"})


def progress_consumer_config(settings: Settings, broker_url: str) -> dict:
    """`cluetrain run`'s reader of the state changelog (assign only, never commits)."""
    return {
        "bootstrap.servers": bootstrap_servers(broker_url),
        "group.id": f"{settings.app_id}-progress",
        "client.id": "cluetrain-progress",
        "enable.auto.commit": False,
        "fetch.wait.max.ms": 100,
        "logger": LIBRDKAFKA_LOG,
    }


def admin_config(broker_url: str, *, client_id: str = ADMIN_CLIENT_ID) -> dict:
    """kafka-python KafkaAdminClient keyword arguments."""
    return {"bootstrap_servers": bootstrap_servers(broker_url), "client_id": client_id, "request_timeout_ms": 10_000}


def faust_broker_config(settings: Settings, broker_url: str) -> dict:
    """The broker part of the Faust app's configuration."""
    config = {"broker": f"kafka://{bootstrap_servers(broker_url)}", "broker_commit_interval": settings.commit_interval_s}
    config.update(local_profile.faust_overrides(settings))
    return config


def kafka_python_producer_config(broker_url: str, *, client_id: str = REPLAY_CLIENT_ID) -> dict:
    """kafka-python KafkaProducer keyword arguments, for callers that want a future per
    record (the latency benchmark: each event's offset)."""
    return {"bootstrap_servers": bootstrap_servers(broker_url), "client_id": client_id, "acks": 1, "linger_ms": 10,
            "batch_size": 512 * 1024, "max_request_size": 4 * 1024 * 1024}


def alerts_reader_config(broker_url: str, *, from_beginning: bool) -> dict:
    """kafka-python KafkaConsumer keyword arguments common to the readers of the alerts topic."""
    return {"bootstrap_servers": bootstrap_servers(broker_url), "enable_auto_commit": False,
            "auto_offset_reset": "earliest" if from_beginning else "latest"}


def alerts_viewer_config(broker_url: str, *, from_beginning: bool) -> dict:
    """`cluetrain alerts` without a webhook: assigns every partition, joins no group."""
    return dict(alerts_reader_config(broker_url, from_beginning=from_beginning), client_id="cluetrain-alerts",
                group_id=None)


def notifier_consumer_config(settings: Settings, broker_url: str, *, group_id: str, from_beginning: bool,
                             max_poll_interval_s: float) -> dict:
    """The webhook notifier: one record per poll, a poll interval longer than its worst delivery."""
    return dict(alerts_reader_config(broker_url, from_beginning=from_beginning), client_id="cluetrain-notifier",
                group_id=group_id, max_poll_records=1, session_timeout_ms=settings.session_timeout_s * 1000,
                heartbeat_interval_ms=1000, max_poll_interval_ms=int(max_poll_interval_s * 1000))


def notifier_producer_config(broker_url: str) -> dict:
    """The notifier's dead letters: acks=1, no linger; no idempotence (Tansu has none; a
    resend keeps its source offset, which is the dead letter's id)."""
    return {"bootstrap_servers": bootstrap_servers(broker_url), "client_id": "cluetrain-notifier", "acks": 1,
            "linger_ms": 0, "enable_idempotence": False}
