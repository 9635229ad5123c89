"""Two bulk workers share the partitions; one is killed with SIGKILL mid-stream and the
other takes its partitions over: it recovers their state from the changelog, resumes
at the offsets that state holds, and the tables still equal the reference."""
from __future__ import annotations

import orjson
import pytest

from cluetrain.cli.run import WorkerProcess, wait_until_processed
from cluetrain.sources.generate import generate
from cluetrain.kafka.admin import ensure_topics
from cluetrain.kafka.tansu import EmbeddedBroker
from cluetrain.state.progress import StateProgress
from cluetrain.sources.replay import Replayer, arrange, parse_line
from tests.support.kill import kill_mid_stream
from tests.integration.test_pipeline_end_to_end import assert_tables_equal_reference, local_settings

pytestmark = pytest.mark.integration


def test_a_killed_workers_partitions_move_to_the_other_without_loss_or_double_count(tmp_path,
                                                                                       clickhouse_server_target):
    events = generate(17, 40000)  # long enough for both workers to join before it ends
    with EmbeddedBroker(tmp_path / "logs") as broker:
        settings = local_settings(tmp_path, broker, clickhouse_server_target, partitions=4, sink_batch_size=500,
                                  log_level="info")
        ensure_topics(settings, broker.url)
        lines = arrange([parse_line(i, orjson.dumps(e)) for i, e in enumerate(events)], "file")
        with Replayer(settings, broker.url) as replayer:
            result = replayer.replay(lines)
        first, second = (WorkerProcess(settings, broker.url, n).start() for n in (1, 2))
        progress = StateProgress(settings, broker.url)
        try:
            kill_mid_stream(first, progress, result.end_offsets, at_least=0.2,  # both working, then kill one
                            ready=lambda: all(w.log_path.exists() and "assigned partitions [" in w.log_path.read_text()
                                              for w in (first, second)))
            wait_until_processed(progress, result.end_offsets, workers=[second], timeout=180)
        finally:
            first.stop()
            assert second.stop() == 0
            progress.close()
    log = second.log_path.read_text()
    assert log.count("assigned partitions [") >= 2, log[-2000:]  # its share, then all four
    assert "assigned partitions [0, 1, 2, 3]" in log
    assert_tables_equal_reference(clickhouse_server_target, events)
