"""The real pipeline: Tansu broker, Faust worker process, chdb and clickhouse-server.

Events in = rows out; the metric tables equal the independent reference; bad input
lands in dead letters with the good events around it stored; a worker killed with
SIGKILL and restarted re-delivers and nothing is lost or doubled.
"""
from __future__ import annotations

import base64
import os
import subprocess
import sys

import orjson
import pytest

from cluetrain.settings import Settings
from cluetrain.sources.generate import generate
from cluetrain.sources.jsonl import write_jsonl
from cluetrain.sources.twcs import import_twcs
from cluetrain.kafka.admin import ensure_topics
from cluetrain.kafka.config import bootstrap_servers
from cluetrain.kafka.tansu import EmbeddedBroker
from cluetrain.state.progress import StateProgress
from cluetrain.codec import wire as codec, headers as records
from cluetrain.domain.events import parse_rfc3339_ms, validate_record
from cluetrain.sources.replay import Replayer, arrange, parse_line
from cluetrain.cli.run import WorkerProcess, wait_until_processed
from tests.malformed_inputs import CLOCK_MS, MALFORMED
from tests.reference import reference, reference_brand_alerts
from tests.reference_policies import read_policy_file
from tests.support.ch_tables import (read_rows, read_turns, read_windows, reference_turns_rounded,
                                     reference_windows)
from tests.support.kill import kill_mid_stream
from tests.support.paths import DATA
from tests.support.sla_policies import write_policy_file

pytestmark = pytest.mark.integration


def score(event):
    from cluetrain.text import language, sentiment

    return sentiment.score(event.text, event.lang or language.detect(event.text))


def run_cli(*args, cwd, timeout=300, env=None):
    env = dict(os.environ, CLUETRAIN_LOG_DIR=str(cwd / "logs"), **(env or {}))
    return subprocess.run([sys.executable, "-m", "cluetrain", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def assert_tables_equal_reference(target, events, policies: str = ""):
    ref_alerts = {}
    ref_turns, ref_windows, ref_sentiment = reference(events, score=score, alerts=ref_alerts,
                                                      policies=read_policy_file(policies) if policies else None)
    assert read_turns(target) == reference_turns_rounded(ref_turns)
    assert read_windows(target) == reference_windows(ref_windows)
    rows = read_rows(target, "SELECT * FROM {db}.alerts FINAL")
    alerts = {r["alert_id"]: (r["kind"], r["fired_at"], r["resolved_at"], r["severity"])
              for r in rows if r["conversation_id"]}
    assert alerts == ref_alerts and len(alerts) > 0
    brand_alerts = {r["alert_id"]: (r["kind"], r["fired_at"], r["resolved_at"]) for r in rows if not r["conversation_id"]}
    end = max(parse_rfc3339_ms(e["created_at"]) for e in events)
    assert brand_alerts == reference_brand_alerts(ref_windows, ref_sentiment, end_watermark_ms=end,
                                                  rules=Settings.from_env({}).brand_alert_rules())


def test_run_twcs_sample_events_in_equal_rows_out(clickhouse_target, tmp_path):
    events = import_twcs(DATA / "twcs_head5000.csv").events
    result = run_cli("run", "--input", str(DATA / "twcs_head5000.csv"), "--clickhouse", clickhouse_target, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "sprintcare" in result.stdout and "amazonhelp" in result.stdout
    counts = read_rows(clickhouse_target, "SELECT (SELECT count() FROM {db}.mentions FINAL) AS m, "
                                          "(SELECT count() FROM {db}.replies FINAL) AS r, "
                                          "(SELECT count() FROM {db}.dead_letters FINAL) AS d")[0]
    mentions = sum(1 for e in events if e["kind"] == "mention")
    assert (counts["m"], counts["r"], counts["d"]) == (mentions, len(events) - mentions, 0)
    assert_tables_equal_reference(clickhouse_target, events)


def test_run_generated_stream_in_arrival_order_equals_reference(tmp_path):
    events = generate(5, 6000)
    path = tmp_path / "events.jsonl"
    write_jsonl(events, path)
    target = str(tmp_path / "chdb")
    result = run_cli("run", "--input", str(path), "--order", "file", "--clickhouse", target, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert_tables_equal_reference(target, events)


def test_two_workers_share_the_partitions_and_equal_the_reference(tmp_path, clickhouse_server_target):
    events = generate(21, 8000)
    path = tmp_path / "events.jsonl"
    write_jsonl(events, path)
    target = clickhouse_server_target  # chdb allows one process per data directory
    result = run_cli("run", "--input", str(path), "--order", "file", "--clickhouse", target, cwd=tmp_path,
                     env={"CLUETRAIN_WORKERS": "2", "CLUETRAIN_LOG_LEVEL": "info"})
    assert result.returncode == 0, result.stderr[-2000:]
    for name in ("worker.log", "worker-2.log"):  # each got partitions of its own
        assert "assigned partitions [" in (tmp_path / "logs" / name).read_text(), name
    assert_tables_equal_reference(target, events)


@pytest.fixture
def broker(tmp_path):
    with EmbeddedBroker(tmp_path / "logs") as b:
        yield b


def local_settings(tmp_path, broker, target, **kw) -> Settings:
    kw.setdefault("log_level", os.environ.get("CLUETRAIN_LOG_LEVEL"))
    return Settings.from_env({}, broker=broker.url, broker_profile="local", clickhouse=target,
                             log_dir=str(tmp_path / "logs"), **kw)


def test_malformed_inputs_land_in_dead_letters_and_good_events_around_them_are_stored(tmp_path, broker):
    target = str(tmp_path / "chdb")
    settings = local_settings(tmp_path, broker, target, partitions=2)
    ensure_topics(settings, broker.url)
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap_servers(broker.url))
    good = generate(3, 60, start="2023-12-31T12:00:00Z")  # before the clock: none in the future
    clock = CLOCK_MS
    sent_bad = {}
    ends: dict = {}

    def send(topic, value, key, headers, partition=None):
        md = producer.send(topic, value=value, key=key, headers=headers, partition=partition).get(timeout=30)
        ends[(md.topic, md.partition)] = md.offset + 1
        return md

    for i, (name, kind, payload, content_type, reason) in enumerate(MALFORMED):
        event = validate_record(good[i % len(good)])
        topic = settings.topic_mentions if event.kind == "mention" else settings.topic_replies
        send(topic, codec.encode_event(event), event.brand.encode(), records.event_headers(clock))
        headers = records.event_headers(clock) + ([(records.CONTENT_TYPE, content_type.encode())] if content_type else [])
        bad_topic = settings.topic_mentions if kind == "mention" else settings.topic_replies
        md = send(bad_topic, payload, b"somebrand", headers)
        sent_bad[f"{md.topic}/{md.partition}@{md.offset}"] = (name, reason, payload)
    for topic in settings.input_topics:
        for p in range(settings.partitions):
            send(topic, b"", None, records.tick_headers(clock, final=True), partition=p)
    producer.close()
    worker = WorkerProcess(settings, broker.url).start()
    try:
        wait_until_processed(StateProgress(settings, broker.url), ends, workers=[worker], timeout=120)
    finally:
        assert worker.stop() == 0
    dead = {r["source"]: r for r in read_rows(target, "SELECT * FROM {db}.dead_letters FINAL")}
    assert set(dead) == set(sent_bad)
    for source, (name, reason, payload) in sent_bad.items():
        assert reason in dead[source]["reason"], (name, dead[source]["reason"])
        assert base64.b64decode(dead[source]["payload_base64"]) == payload, name
    stored = read_rows(target, "SELECT event_id FROM {db}.mentions FINAL UNION ALL SELECT event_id FROM {db}.replies FINAL")
    expected_good = {good[i % len(good)]["event_id"] for i in range(len(MALFORMED))}
    assert {r["event_id"] for r in stored} == expected_good


@pytest.mark.parametrize("with_policies", [False, True], ids=["24/7", "policy file"])
@pytest.mark.parametrize("engine", ["bulk", "faust"])
def test_worker_killed_mid_stream_restarts_without_loss_or_double_count(tmp_path, broker, clickhouse_target, engine,
                                                                        with_policies):
    events = generate(9, 12000)  # 2026-01-05 and 06: the policy file's holiday is the 6th
    policies = write_policy_file(tmp_path, "2026-01-06") if with_policies else ""
    settings = local_settings(tmp_path, broker, clickhouse_target, partitions=3, sink_batch_size=500, engine=engine,
                              policies=policies)
    ensure_topics(settings, broker.url)
    lines = arrange([parse_line(i, orjson.dumps(e)) for i, e in enumerate(events)], "file")
    with Replayer(settings, broker.url) as replayer:
        result = replayer.replay(lines)
    worker = WorkerProcess(settings, broker.url).start()
    progress = StateProgress(settings, broker.url)
    kill_mid_stream(worker, progress, result.end_offsets, at_least=0.15)
    worker = WorkerProcess(settings, broker.url).start()
    try:  # the Faust engine recovers a long changelog one record per request on Tansu: slow
        wait_until_processed(progress, result.end_offsets, workers=[worker], timeout=300)
    finally:
        assert worker.stop() == 0
        progress.close()
    counts = read_rows(clickhouse_target, "SELECT (SELECT count() FROM {db}.mentions FINAL) + "
                                          "(SELECT count() FROM {db}.replies FINAL) AS n")[0]
    assert counts["n"] == len({e["event_id"] for e in events})
    assert_tables_equal_reference(clickhouse_target, events, policies)


def test_replay_speed_does_not_change_turns_or_alerts(tmp_path):
    events = generate(13, 800)  # about 4 hours of event time
    path = tmp_path / "events.jsonl"
    write_jsonl(events, path)
    results = []
    for speed in ("0", "2500"):  # as fast as possible, then paced at 2500 x event time
        target = str(tmp_path / f"chdb-{speed}")
        result = run_cli("run", "--input", str(path), "--order", "file", "--speed", speed, "--clickhouse", target,
                         cwd=tmp_path)
        assert result.returncode == 0, result.stderr[-2000:]
        alerts = {(r["alert_id"], r["fired_at"], r["resolved_at"])
                  for r in read_rows(target, "SELECT * FROM {db}.alerts FINAL")}
        results.append((read_turns(target), alerts))
    assert results[0] == results[1] and len(results[0][1]) > 10
