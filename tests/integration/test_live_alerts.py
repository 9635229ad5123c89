"""Live mode: an ignored turn's alert is out within (allowed lateness + 5 s) after its
deadline, even when its brand and partition receive no other event (clock ticks on the
wall clock advance the watermark). Real Tansu broker, real worker, alerts topic."""
from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from cluetrain.settings import Settings
from cluetrain.codec import wire as codec
from cluetrain.kafka.admin import ensure_topics
from cluetrain.kafka.config import bootstrap_servers
from cluetrain.kafka.tansu import EmbeddedBroker
from cluetrain.sources.live import LiveSource
from cluetrain.sources.replay import parse_line
from cluetrain.cli.run import WorkerProcess

pytestmark = pytest.mark.integration

SLA_S = 4
LATENESS_S = 2


def mention(event_id: str, at_ms: int) -> bytes:
    created = datetime.fromtimestamp(at_ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return (b'{"kind":"mention","event_id":"%s","conversation_id":"%s","in_reply_to":null,"brand":"quietbrand",'
            b'"author_id":"c1","author_role":"customer","author_followers":25000,"text":"hello? still waiting",'
            b'"lang":"en","created_at":"%s"}' % (event_id.encode(), event_id.encode(), created.encode()))


def test_an_ignored_turn_alerts_within_the_lateness_plus_5_seconds(tmp_path):
    from kafka import KafkaConsumer

    with EmbeddedBroker(tmp_path / "logs") as broker:
        settings = Settings.from_env({}, broker=broker.url, broker_profile="local", partitions=2,
                                     clickhouse=str(tmp_path / "chdb"), log_dir=str(tmp_path / "logs"),
                                     brand_sla={"quietbrand": SLA_S}, allowed_lateness_s=LATENESS_S,
                                     sink_flush_interval_s=0.2, sla_warning_fraction=0.5)
        ensure_topics(settings, broker.url)
        worker = WorkerProcess(settings, broker.url).start()
        consumer = KafkaConsumer(settings.topic_alerts, bootstrap_servers=bootstrap_servers(broker.url),
                                 auto_offset_reset="earliest", group_id=None, consumer_timeout_ms=200)
        source = LiveSource(settings, broker.url, tick_every_s=0.5).start_ticking()
        try:
            time.sleep(12)  # the worker joins its group (about 5 s with Tansu)
            worker.check_alive()
            created_ms = int(time.time() * 1000)
            source.send_live(parse_line(0, mention("live-1", created_ms)))
            deadline_s = (created_ms + SLA_S * 1000) / 1000
            seen = {}
            while "live-1:0" not in seen and time.time() < deadline_s + LATENESS_S + 15:
                for message in consumer:
                    alert = codec.decode_alert(message.value)
                    seen.setdefault(alert["alert_id"], (alert, time.time()))
                worker.check_alive()
        finally:
            source.close()
            consumer.close()
            worker.stop()
    assert "live-1:0" in seen, f"no alert; seen {sorted(seen)}"
    alert, received = seen["live-1:0"]
    assert alert["kind"] == "ignored_conversation" and alert["brand"] == "quietbrand"
    assert alert["severity"] in ("high", "critical")  # 25k followers
    print(f"ignored-conversation alert {received - deadline_s:.2f} s after its deadline (lateness {LATENESS_S} s)")
    assert received - deadline_s <= LATENESS_S + 5, f"alert {received - deadline_s:.1f} s after the deadline"
    assert "live-1:0:warning" in seen  # the early warning came first
    assert seen["live-1:0:warning"][1] <= received
