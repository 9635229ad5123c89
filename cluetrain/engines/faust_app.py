"""The Faust application: configuration and agent registration (thin adapters only)."""
from __future__ import annotations

import faust

from cluetrain.settings import Settings
from cluetrain.kafka.config import faust_broker_config


def create_app(settings: Settings, broker_url: str) -> faust.App:
    config = dict(
        store="memory://",
        key_serializer="raw",
        value_serializer="raw",
        web_enabled=False,
        topic_partitions=settings.partitions,
        topic_disable_leader=True,
        consumer_auto_offset_reset="earliest",
        stream_wait_empty=True,
        worker_redirect_stdouts=False,
    )
    config.update(faust_broker_config(settings, broker_url))
    app = faust.App(settings.app_id, **config)
    from cluetrain.engines.faust_agent import register_pipeline_agent
    register_pipeline_agent(app, settings)
    return app
