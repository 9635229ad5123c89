"""ClickHouse outages on the real worker (DESIGN.md § ClickHouse outages): a clickhouse-server
18.16 of the test's own, killed (SIGKILL) or stopped (SIGSTOP) mid-stream and brought back
on the same ports and data. The worker stays alive, consumes nothing while it waits, logs
one line when ClickHouse goes down and one when it is back, and the tables then equal the
reference (no loss, no double). With CLUETRAIN_SINK_OUTAGE_S it gives up with exit code 3
and one line, and a restarted worker still loses nothing."""
from __future__ import annotations

import signal
import time

import orjson
import pytest

from cluetrain.cli.run import WorkerProcess, wait_until_processed
from cluetrain.kafka.admin import ensure_topics
from cluetrain.kafka.tansu import EmbeddedBroker
from cluetrain.runtime import exit_codes
from cluetrain.runtime.clickhouse_server import ClickHouseServer, find_binary
from cluetrain.sources.generate import generate
from cluetrain.sources.replay import Replayer, arrange, parse_line
from cluetrain.state.progress import StateProgress
from tests.integration.test_pipeline_end_to_end import assert_tables_equal_reference, local_settings
from tests.support.ch_tables import read_rows
from tests.support.kill import processed, wait_mid_stream

pytestmark = pytest.mark.integration

DOWN, BACK, SLOW = "ClickHouse down", "ClickHouse back", "ClickHouse slow"


@pytest.fixture
def server():
    """A server of this test only: it is killed and restarted."""
    if find_binary() is None:
        pytest.skip("clickhouse-server binary not found (set CLICKHOUSE_SERVER_BIN)")
    server = ClickHouseServer().start()
    try:
        yield server
    finally:
        if server.process is not None:
            server.process.send_signal(signal.SIGCONT)  # a stopped server would not stop
        server.stop()


@pytest.fixture
def broker(tmp_path):
    with EmbeddedBroker(tmp_path / "logs") as b:
        yield b


def start_stream(tmp_path, broker, target, events, **kw):
    """Every event on the broker, then a worker on it: (settings, worker, progress, end offsets)."""
    settings = local_settings(tmp_path, broker, target, partitions=3, sink_batch_size=500, **kw)
    ensure_topics(settings, broker.url)
    lines = arrange([parse_line(i, orjson.dumps(e)) for i, e in enumerate(events)], "file")
    with Replayer(settings, broker.url) as replayer:
        ends = replayer.replay(lines).end_offsets
    return settings, WorkerProcess(settings, broker.url).start(), StateProgress(settings, broker.url), ends


def hold_fault(worker, progress, ends, seconds: float) -> tuple[int, int]:
    """Keep the fault for `seconds` with the worker alive throughout; (processed 5 s in, at the end)."""
    started = time.monotonic()
    early = None
    while (elapsed := time.monotonic() - started) < seconds:
        worker.check_alive()
        if early is None and elapsed >= 5:
            early = processed(progress, ends)  # a batch in flight at the fault may have finished
        time.sleep(0.5)
    worker.check_alive()
    return early, processed(progress, ends)


def assert_exact(target, events):
    """FINAL counts: every event once; the metric tables equal the reference."""
    counts = read_rows(target, "SELECT (SELECT count() FROM {db}.mentions FINAL) + "
                               "(SELECT count() FROM {db}.replies FINAL) AS n")[0]
    assert counts["n"] == len({e["event_id"] for e in events})
    assert_tables_equal_reference(target, events)


@pytest.mark.parametrize("engine, fault, seconds", [("bulk", signal.SIGKILL, 60), ("bulk", signal.SIGSTOP, 20),
                                                    ("faust", signal.SIGKILL, 20)],
                         ids=["killed 60 s", "stopped 20 s", "faust, killed 20 s"])
def test_the_worker_waits_through_an_outage_and_loses_nothing(tmp_path, broker, server, engine, fault, seconds):
    events = generate(31, 20000 if engine == "bulk" else 8000)  # Faust on Tansu is slow
    target = server.url_for("outage")
    level = "info" if fault == signal.SIGKILL else "warning"  # the default: what an operator sees
    settings, worker, progress, ends = start_stream(tmp_path, broker, target, events, log_level=level, engine=engine)
    try:
        wait_mid_stream(progress, ends, at_least=0.15)
        server.kill(fault)
        during = hold_fault(worker, progress, ends, seconds)
        if fault == signal.SIGKILL:
            server.restart()
        else:
            server.kill(signal.SIGCONT)
        wait_until_processed(progress, ends, workers=[worker], timeout=240)
    finally:
        code = worker.stop()
        progress.close()
    assert code == 0
    assert during[0] == during[1] < sum(ends.values()), during  # nothing consumed while it waited
    log = worker.log_path.read_text()
    if fault == signal.SIGKILL:  # one line per state change, not one per attempt
        assert (log.count(DOWN), log.count(BACK), log.count(SLOW)) == (1, 1, 0), log[-3000:]
        assert "attempts)" in log.split(BACK, 1)[1].splitlines()[0]
    else:  # a server that hangs raises no error: the held input says it, once
        assert (log.count(DOWN), log.count(SLOW), log.count("input resumed after")) == (0, 1, 1), log[-3000:]
    if engine == "bulk":  # Faust's fetcher and heartbeats run on its loop, not held by the write
        assert "input paused" in log and "input resumed after" in log
    assert "Traceback" not in log and "cluetrain: error" not in log, log[-3000:]
    assert_exact(target, events)


@pytest.mark.parametrize("engine", ["bulk", "faust"])
def test_an_outage_past_the_limit_exits_3_with_one_line_and_a_restart_loses_nothing(tmp_path, broker, server, engine):
    events = generate(32, 12000 if engine == "bulk" else 8000)
    target = server.url_for("outage")
    settings, worker, progress, ends = start_stream(tmp_path, broker, target, events, sink_outage_s=5, engine=engine)
    try:
        wait_mid_stream(progress, ends, at_least=0.15)
        server.kill(signal.SIGKILL)
        killed = time.monotonic()
        code = worker.proc.wait(60)
        took = time.monotonic() - killed
        print(f"{engine}, outage limit 5 s: exit {code} {took:.1f} s after the kill")
        assert code == exit_codes.CLICKHOUSE and 5 <= took < 20, (code, took)
        errors = [l for l in worker.log_path.read_text().splitlines() if l.startswith("cluetrain: error")]
        assert len(errors) == 1 and "CLUETRAIN_SINK_OUTAGE_S=5" in errors[0], errors
        assert "Traceback" not in worker.log_path.read_text()
        server.restart()
        worker = WorkerProcess(settings, broker.url).start()  # what a supervisor does (Restart=on-failure)
        wait_until_processed(progress, ends, workers=[worker], timeout=240)
    finally:
        code = worker.stop()
        progress.close()
    assert code == 0
    assert_exact(target, events)
