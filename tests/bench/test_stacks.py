"""Reading py-spy's collapsed stacks and charging them to stages (bench/stacks.py)."""
from __future__ import annotations

from bench.stacks import IDLE, LOGGING, PRODUCER, Frame, breakdown, categorize, cumulative, parse_collapsed

RAW = """\
<module> (cluetrain/__main__.py:1);run_worker (cluetrain/engines/worker.py:14);Handle._run (asyncio/events.py:80);register_pipeline_agent.<locals>.pipeline (cluetrain/engines/faust_agent.py:170);PipelineProcessor.process (cluetrain/processing/processor.py:95);IngestProcessor.decode (cluetrain/processing/decode.py:60);decode_event (cluetrain/codec/wire.py:130);schemaless_reader (fastavro/_read.pyx:1) 7
<module> (cluetrain/__main__.py:1);run_worker (cluetrain/engines/worker.py:14);Handle._run (asyncio/events.py:80);register_pipeline_agent.<locals>.pipeline (cluetrain/engines/faust_agent.py:170);PipelineProcessor.process (cluetrain/processing/processor.py:100);score (cluetrain/text/sentiment.py:40) 5
<module> (cluetrain/__main__.py:1);run_worker (cluetrain/engines/worker.py:14);Handle._run (asyncio/events.py:80);register_pipeline_agent.<locals>.pipeline (cluetrain/engines/faust_agent.py:172);StateTable.save (cluetrain/engines/faust_agent.py:66);StateTable._put (cluetrain/engines/faust_agent.py:72);Collection.send_changelog (faust/tables/base.py:280) 3
<module> (cluetrain/__main__.py:1);run_worker (cluetrain/engines/worker.py:14);Worker.execute_from_commandline (mode/worker.py:1);BaseEventLoop._run_once (asyncio/base_events.py:1);Handle._run (asyncio/events.py:80);Sender._send_produce_req (aiokafka/producer/sender.py:1);_SelectorSocketTransport.write (asyncio/selector_events.py:1) 4
<module> (cluetrain/__main__.py:1);run_worker (cluetrain/engines/worker.py:14);Worker.execute_from_commandline (mode/worker.py:1);BaseEventLoop._run_once (asyncio/base_events.py:1);EpollSelector.select (selectors.py:468) 9
<module> (cluetrain/__main__.py:1);run_worker (cluetrain/engines/worker.py:14);Worker.execute_from_commandline (mode/worker.py:1);BaseEventLoop._run_once (asyncio/base_events.py:1);Handle._run (asyncio/events.py:80);AIOKafkaConnection.send (aiokafka/conn.py:1);Logger.debug (logging/__init__.py:1) 2
<module> (cluetrain/__main__.py:1);run_worker (cluetrain/engines/worker.py:14);Worker.execute_from_commandline (mode/worker.py:1);BaseEventLoop._run_once (asyncio/base_events.py:1) 1
Thread._bootstrap (threading.py:1);ClickHouseWriter.write (cluetrain/engines/faust_agent.py:120);ClickHouseSink.flush (cluetrain/sinks/writer.py:91);ChdbBackend.insert (cluetrain/sinks/chdb_backend.py:120) 6
garbage line without count
"""


def test_parse_collapsed_reads_frames_and_counts():
    stacks = parse_collapsed(RAW.splitlines())
    assert len(stacks) == 8
    frames, n = stacks[0]
    assert n == 7
    assert frames[-1] == Frame("schemaless_reader", "fastavro/_read.pyx")
    assert frames[3].func == "register_pipeline_agent.<locals>.pipeline"


def test_categorize_charges_the_deepest_cluetrain_stage():
    stacks = parse_collapsed(RAW.splitlines())
    got = [categorize(frames) for frames, _ in stacks]
    assert got[0].startswith("decode")
    assert got[1].startswith("sentiment")
    assert got[2].startswith("state persistence")
    assert got[3] == PRODUCER
    assert got[4] == IDLE
    assert got[5] == LOGGING
    assert got[6].startswith("event loop")
    assert got[7].startswith("ClickHouse write")


def test_breakdown_sums_samples_and_puts_idle_last():
    totals = breakdown(parse_collapsed(RAW.splitlines()))
    assert sum(n for _, n in totals) == 37
    assert totals[-1] == (IDLE, 9)
    assert totals[0][1] == 7


def test_cumulative_counts_each_function_once_per_stack_and_skips_entry_frames():
    stacks = [([Frame("f", "a.py"), Frame("g", "a.py"), Frame("f", "a.py")], 3), ([Frame("main", "m.py"), Frame("g", "a.py")], 2)]
    assert cumulative(stacks, 5) == [("g (a.py)", 5, 2), ("f (a.py)", 3, 3)]


def test_serialising_state_under_take_dirty_stays_persistence():
    frames = [Frame("register_pipeline_agent.<locals>.pipeline", "cluetrain/engines/faust_agent.py"),
              Frame("PartitionState.take_dirty", "cluetrain/domain/partition.py"),
              Frame("PartitionState.take_dirty.<locals>.<dictcomp>", "cluetrain/domain/partition.py"),
              Frame("BrandMonitor.to_dict", "cluetrain/domain/brand_alerts.py"),
              Frame("BrandMonitor.to_dict.<locals>.<listcomp>", "cluetrain/domain/brand_alerts.py")]
    assert categorize(frames).startswith("state persistence")
    assert categorize(frames[:1] + [Frame("PartitionState.advance", "cluetrain/domain/partition.py")]
                      ).startswith("state: turns")
