"""`cluetrain ingest`'s path (LiveSource.run: no wait per line, a short linger) delivers
every line, and an ignored turn sent right after a burst of 20,000 lines still has its
alert within (allowed lateness + 5 s) after its deadline while the input stays idle
(the producer sends without a flush; the ticks keep the watermark on the wall clock).
Real Tansu broker, real worker, alerts topic."""
from __future__ import annotations

import queue
import time
from datetime import datetime, timezone

import orjson
import pytest

from cluetrain.cli.run import WorkerProcess
from cluetrain.codec import wire as codec
from cluetrain.kafka.admin import ensure_topics
from cluetrain.kafka.config import bootstrap_servers
from cluetrain.kafka.tansu import EmbeddedBroker
from cluetrain.settings import Settings
from cluetrain.sources.generate import generate
from cluetrain.sources.live import LiveSource
from tests.integration.test_live_alerts import LATENESS_S, mention

pytestmark = pytest.mark.integration

BURST = 20_000
# The ignored turn's SLA: long enough for the worker to drain the burst before the
# deadline on a slow or loaded machine (~1,000 events/s), so that a late alert means a
# stalled clock, not a busy worker.
BURST_SLA_S = 20


def lines_until_closed(feed: queue.Queue):
    """Lines as a pipe gives them: whatever is written, then a wait while it is idle."""
    while (line := feed.get()) is not None:
        yield line


def count_event_records(settings: Settings, broker_url: str) -> int:
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(settings.topic_mentions, settings.topic_replies, group_id=None,
                             bootstrap_servers=bootstrap_servers(broker_url), auto_offset_reset="earliest",
                             consumer_timeout_ms=3000)
    try:
        return sum(1 for message in consumer if message.value)
    finally:
        consumer.close()


def test_ingest_delivers_every_line_and_alerts_on_time_after_a_burst(tmp_path):
    import threading

    from kafka import KafkaConsumer

    start = datetime.fromtimestamp(time.time() - 3 * 3600, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    burst = [orjson.dumps(e) for e in generate(9, BURST, start=start)]
    with EmbeddedBroker(tmp_path / "logs") as broker:
        settings = Settings.from_env({}, broker=broker.url, broker_profile="local", partitions=2,
                                     clickhouse=str(tmp_path / "chdb"), log_dir=str(tmp_path / "logs"),
                                     brand_sla={"quietbrand": BURST_SLA_S}, allowed_lateness_s=LATENESS_S,
                                     sink_flush_interval_s=0.2, sla_warning_fraction=0.5)
        ensure_topics(settings, broker.url)
        worker = WorkerProcess(settings, broker.url).start()
        consumer = KafkaConsumer(settings.topic_alerts, bootstrap_servers=bootstrap_servers(broker.url),
                                 auto_offset_reset="earliest", group_id=None, consumer_timeout_ms=200)
        feed: queue.Queue = queue.Queue()
        source = LiveSource(settings, broker.url, tick_every_s=0.5)
        reader = threading.Thread(target=source.run, args=(lines_until_closed(feed),), daemon=True)
        try:
            time.sleep(12)  # the worker joins its group (about 5 s with Tansu)
            worker.check_alive()
            reader.start()
            for line in burst:
                feed.put(line)
            created_ms = int(time.time() * 1000)
            feed.put(mention("burst-1", created_ms))  # then the input is idle
            deadline_s = (created_ms + BURST_SLA_S * 1000) / 1000
            seen = {}
            while "burst-1:0" not in seen and time.time() < deadline_s + LATENESS_S + 15:
                for message in consumer:
                    alert = codec.decode_alert(message.value)
                    seen.setdefault(alert["alert_id"], time.time())
                worker.check_alive()
        finally:
            feed.put(None)
            reader.join(timeout=30)
            source.close()
            consumer.close()
            worker.stop()
        delivered = count_event_records(settings, broker.url)
    assert "burst-1:0" in seen, f"no alert; seen {len(seen)} others"
    late_by = seen["burst-1:0"] - deadline_s
    print(f"ignored-conversation alert {late_by:.2f} s after its deadline, after a burst of {BURST:,} lines")
    assert late_by <= LATENESS_S + 5
    assert source.result.events + source.result.raw_lines == BURST + 1
    assert delivered == BURST + 1
