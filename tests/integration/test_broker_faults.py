"""Broker faults on the real worker (DESIGN.md § Broker faults): the embedded broker (Tansu,
memory storage) killed mid-stream and restarted at once on the same port. The worker ends
with exit code 4 and one line, never natively (librdkafka 2.12 crashes with SIGSEGV when it
reconnects to the restarted Tansu), and with no library noise; once the source replays
the stream into the new broker (its memory storage lost every record, as `cluetrain run`
would produce them again), a restarted worker gives tables equal to the reference."""
from __future__ import annotations

import signal
import time

import orjson
import pytest

from cluetrain.cli.run import WorkerProcess, wait_until_processed
from cluetrain.kafka.admin import ensure_topics
from cluetrain.kafka.tansu import EmbeddedBroker
from cluetrain.runtime import exit_codes
from cluetrain.sources.generate import generate
from cluetrain.sources.replay import Replayer, arrange, parse_line
from cluetrain.state.progress import StateProgress
from tests.integration.test_clickhouse_outage import assert_exact
from tests.integration.test_pipeline_end_to_end import local_settings
from tests.support.kill import wait_mid_stream

pytestmark = pytest.mark.integration


def replay(settings, broker, lines) -> dict:
    ensure_topics(settings, broker.url)
    with Replayer(settings, broker.url) as replayer:
        return replayer.replay(lines).end_offsets


def test_a_restarted_broker_ends_the_worker_with_exit_4_and_a_new_worker_recovers_exactly(
        tmp_path, clickhouse_server_target):
    events = generate(41, 16000)
    lines = arrange([parse_line(i, orjson.dumps(e)) for i, e in enumerate(events)], "file")
    broker = EmbeddedBroker(tmp_path / "logs").start()
    try:
        settings = local_settings(tmp_path, broker, clickhouse_server_target, partitions=3, sink_batch_size=500)
        ends = replay(settings, broker, lines)
        worker = WorkerProcess(settings, broker.url).start()
        progress = StateProgress(settings, broker.url)
        try:
            wait_mid_stream(progress, ends, at_least=0.15)
        finally:
            progress.close()  # this process's clients must not reconnect to the restarted broker either
        broker.proc.send_signal(signal.SIGKILL)
        broker.proc.wait()
        killed = time.monotonic()
        broker = EmbeddedBroker(tmp_path / "logs", port=broker.port).start()  # same port, empty
        code = worker.proc.wait(60)
        took = time.monotonic() - killed
        print(f"broker restarted: worker exit {code} {took:.2f} s after the kill")
        assert code == exit_codes.BROKER and took < 5, (code, took)
        worker.proc = None
        log = worker.log_path.read_text()
        errors = [l for l in log.splitlines() if l.startswith("cluetrain:")]
        assert len(errors) == 1 and "lost the broker" in errors[0], log[-3000:]
        for noise in ("Traceback", "Segmentation fault", "%3|", "%4|", "FAIL|"):
            assert noise not in log, (noise, log[-3000:])

        ends = replay(settings, broker, lines)  # the source again: Tansu's memory storage lost it
        worker = WorkerProcess(settings, broker.url).start()
        progress = StateProgress(settings, broker.url)
        try:
            wait_until_processed(progress, ends, workers=[worker], timeout=240)
        finally:
            code = worker.stop()
            progress.close()
        assert code == 0
    finally:
        broker.stop()
    assert_exact(clickhouse_server_target, events)
