"""Pure helpers of the measurement harness (bench/benchlib.py)."""
from __future__ import annotations

import pytest

from bench.benchlib import (
    IDLE, LOGGING, PRODUCER, Frame, PartResult, breakdown, categorize, compare_counts, cumulative, format_table,
    minute_key, parse_collapsed, percentile, quarter_rates, visibility_latencies,
)


def test_minute_key_floors_to_the_utc_minute():
    assert minute_key("acme", 59_999) == "acme|0"
    assert minute_key("acme", 60_000) == "acme|1"
    assert minute_key("acme", 1_767_600_061_000) == "acme|29460001"


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([7.0], 99) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_compare_counts_says_same_or_how_they_differ():
    assert compare_counts({"a|1": 2}, {"a|1": 2}) == "same"
    text = compare_counts({"a|1": 2, "b|1": 1}, {"a|1": 3, "c|1": 1})
    assert text.startswith("DIFFERENT") and "1 keys missing" in text and "1 extra" in text and "1 differ" in text


def test_visibility_latency_is_the_first_poll_that_reaches_the_offset():
    polls = [
        (10.0, {("mentions", 0): 4}),
        (10.5, {("mentions", 0): 4, ("replies", 1): 0}),
        (11.0, {("mentions", 0): 9, ("replies", 1): 3}),
    ]
    sent = [
        ("mentions", 0, 3, 9.0),   # visible at the first poll
        ("mentions", 0, 5, 9.8),   # visible when the max reached 9
        ("replies", 1, 0, 10.1),
        ("replies", 1, 7, 10.9),   # never
        ("replies", 2, 0, 10.0),   # partition never seen
    ]
    latencies, unseen = visibility_latencies(polls, sent)
    assert latencies == pytest.approx([1.0, 1.2, 0.4])
    assert unseen == [10.9, 10.0]


def test_visibility_latency_is_never_negative():
    latencies, _ = visibility_latencies([(5.0, {("mentions", 0): 1})], [("mentions", 0, 1, 5.2)])
    assert latencies == [0.0]


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


def test_format_table_pads_columns():
    text = format_table(["a", "bb"], [["xxx", 1], [None, "y"]])
    lines = text.splitlines()
    assert lines[0] == "| a   | bb |"
    assert lines[1] == "|-----|----|"
    assert lines[2] == "| xxx | 1  |"
    assert lines[3] == "|     | y  |"


def test_part_result_rates():
    r = PartResult("c", "x", 1000, seconds=10.0, seconds_steady=4.0, events_steady=800)
    assert r.eps == 100.0
    assert r.eps_steady == 200.0
    assert PartResult("a", "x", 10).eps is None


def test_quarter_rates_split_the_records_in_four():
    trace = [(10.0, 100), (20.0, 250), (30.0, 500), (50.0, 750), (60.0, 1000)]
    rates = quarter_rates(trace, 1000, 2000)  # 2 events per record
    assert rates[0] == pytest.approx((250 - 100) * 2 / 10)
    assert rates[1] == pytest.approx(250 * 2 / 10)
    assert rates[2] == pytest.approx(250 * 2 / 20)
    assert rates[3] == pytest.approx(250 * 2 / 10)
    assert quarter_rates([(1.0, 5)], 10, 10) == []


def test_serialising_state_under_take_dirty_stays_persistence():
    frames = [Frame("register_pipeline_agent.<locals>.pipeline", "cluetrain/engines/faust_agent.py"),
              Frame("PartitionState.take_dirty", "cluetrain/domain/partition.py"),
              Frame("PartitionState.take_dirty.<locals>.<dictcomp>", "cluetrain/domain/partition.py"),
              Frame("BrandMonitor.to_dict", "cluetrain/domain/brand_alerts.py"),
              Frame("BrandMonitor.to_dict.<locals>.<listcomp>", "cluetrain/domain/brand_alerts.py")]
    assert categorize(frames).startswith("state persistence")
    assert categorize(frames[:1] + [Frame("PartitionState.advance", "cluetrain/domain/partition.py")]
                      ).startswith("state: turns")
