"""Live sources end to end on the real broker (Tansu) and the real worker: a Bluesky
conversation replayed by a local Jetstream server lands in ClickHouse (both backends)
with its roles, its answered turn and its delete in dead_letters, next to a bad line
posted to the HTTP endpoint; the HTTP endpoint takes
10,000 events from concurrent clients, then, with the broker stopped, never answers 202;
`cluetrain ingest` stops with one line on an unknown handle, a refused token, an
unreachable Jetstream, a missing HTTP token."""
from __future__ import annotations

import base64
import http.client
import io
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import orjson
import pytest

from cluetrain.cli.run import WorkerProcess, wait_until_processed
from cluetrain.kafka.admin import ensure_topics
from cluetrain.kafka.tansu import EmbeddedBroker
from cluetrain.sources.bluesky import JetstreamConnector
from cluetrain.sources.http_ingest import PATH, IngestServer
from cluetrain.sources.live import LiveSource
from cluetrain.state.progress import StateProgress
from tests.integration.test_pipeline_end_to_end import local_settings
from tests.support.ch_tables import read_rows
from tests.support.live_servers import BlueskyApi, JetstreamServer, MastodonServer, delete_frame, post_frame, post_uri

pytestmark = pytest.mark.integration

ACME, JANE, ALICE = "did:plc:acme", "did:plc:jane", "did:plc:alice"
TOKEN = "integration-token"


def test_a_bluesky_conversation_lands_in_clickhouse_with_roles_turns_and_its_delete(tmp_path, clickhouse_target):
    (tmp_path / "accounts.toml").write_text('[brands.acme]\nbluesky = ["acme.bsky.social"]\n'
                                            '[brands.acme.employees]\nbluesky = ["jane.bsky.social"]\n')
    api = BlueskyApi({"acme.bsky.social": ACME, "jane.bsky.social": JANE}, {})
    now_us = int(time.time() * 1_000_000)
    root = post_uri(ALICE, "a1")
    jetstream = JetstreamServer([
        post_frame(ALICE, "a1", now_us + 1_000, "@acme.bsky.social my order is late", mentions=(ACME,)),
        post_frame(JANE, "j1", now_us + 2_000, "On it, sorry!", reply_to=(root, root)),
        post_frame(ALICE, "a2", now_us + 3_000, "thanks", reply_to=(root, post_uri(JANE, "j1"))),
        delete_frame(ALICE, "a2", now_us + 4_000),
    ])
    with EmbeddedBroker(tmp_path / "logs") as broker:
        settings = local_settings(tmp_path, broker, clickhouse_target, partitions=2, allowed_lateness_s=3,
                                  live_accounts=str(tmp_path / "accounts.toml"), live_state_dir=str(tmp_path / "live"),
                                  jetstream_url=jetstream.url, bluesky_api=api.url, http_token=TOKEN)
        ensure_topics(settings, broker.url)
        worker = WorkerProcess(settings, broker.url).start()
        progress = StateProgress(settings, broker.url)
        stop = threading.Event()
        try:
            with LiveSource(settings, broker.url, tick_every_s=0.5) as source:
                source.start_ticking()
                connector = JetstreamConnector(settings, source, stop=stop, log=io.StringIO())
                thread = threading.Thread(target=connector.run)
                thread.start()
                assert jetstream.sent.wait(20)
                server = IngestServer(("127.0.0.1", 0), settings, source, log=io.StringIO())
                threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
                status, body = _post(server.server_address[:2], b'{"kind": "mention", "event_id": "x1"}')
                server.shutdown()
                server.server_close()
                time.sleep(4.5)  # ticks carry the watermark past the posts (lateness 3 s)
                stop.set()
                thread.join(10)
            wait_until_processed(progress, source.result.end_offsets, workers=[worker], timeout=120)
        finally:
            stop.set()
            progress.close()
            assert worker.stop() == 0
    jetstream.close()
    api.close()
    mentions = read_rows(clickhouse_target, "SELECT event_id, brand, author_role FROM {db}.mentions FINAL")
    assert mentions == [{"event_id": root, "brand": "acme", "author_role": "customer"}]
    replies = read_rows(clickhouse_target, "SELECT event_id, author_role, conversation_id FROM {db}.replies FINAL "
                                           "ORDER BY created_at_ms")
    assert [(r["event_id"], r["author_role"], r["conversation_id"]) for r in replies] == [
        (post_uri(JANE, "j1"), "employee", root), (post_uri(ALICE, "a2"), "customer", root)]
    turns = read_rows(clickhouse_target, "SELECT turn_index, status, responder_role FROM {db}.turns FINAL "
                                         "ORDER BY turn_index")
    assert [(t["turn_index"], t["status"]) for t in turns][:1] == [(0, "answered")]
    assert turns[0]["responder_role"] == "employee"
    assert (status, body["rejected"]) == (400, [{"line": 1, "reason": "missing field: conversation_id"}])
    dead = {d["reason"]: orjson.loads(base64.b64decode(d["payload_base64"]))
            for d in read_rows(clickhouse_target, "SELECT reason, payload_base64 FROM {db}.dead_letters FINAL")}
    assert sorted(dead) == ["missing field: conversation_id", "unknown kind: 'delete'"]  # the HTTP line, the delete
    assert dead["unknown kind: 'delete'"]["event_id"] == post_uri(ALICE, "a2")
    assert dead["missing field: conversation_id"] == {"kind": "mention", "event_id": "x1"}


def _post(address, body: bytes) -> tuple[int, dict]:
    connection = http.client.HTTPConnection(*address, timeout=60)
    connection.request("POST", PATH, body=body, headers={"Authorization": f"Bearer {TOKEN}",
                                                         "Content-Type": "application/x-ndjson"})
    response = connection.getresponse()
    answer = response.status, orjson.loads(response.read())
    connection.close()
    return answer


def _batch(start: int, size: int) -> bytes:
    return b"\n".join(orjson.dumps({
        "kind": "mention", "event_id": f"h{i}", "conversation_id": f"h{i}", "in_reply_to": None,
        "brand": f"brand{i % 7}", "author_id": f"c{i}", "author_role": "customer", "author_followers": None,
        "text": "where is my order?", "lang": "en", "created_at": "2026-09-21T14:13:20Z"}) for i in range(start, start + size))


def test_the_http_endpoint_under_load_then_with_the_broker_stopped(tmp_path):
    with EmbeddedBroker(tmp_path / "logs") as broker:
        settings = local_settings(tmp_path, broker, str(tmp_path / "chdb"), partitions=2, http_token=TOKEN,
                                  http_ack_timeout_s=3, http_max_pending=2_000)
        ensure_topics(settings, broker.url)
        source = LiveSource(settings, broker.url).start_ticking()
        server = IngestServer(("127.0.0.1", 0), settings, source, log=io.StringIO())
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        address = server.server_address[:2]
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda n: _post(address, _batch(n * 500, 500)), range(20)))
        assert [status for status, _ in answers] == [202] * 20
        assert sum(body["accepted"] for _, body in answers) == 10_000
        assert source.result.events == 10_000  # acknowledged = delivered to the broker

        broker.stop()
        with ThreadPoolExecutor(4) as pool:
            stopped = list(pool.map(lambda n: _post(address, _batch(20_000 + n * 500, 500)), range(8)))
        statuses = {status for status, _ in stopped}
        assert 202 not in statuses and statuses <= {429, 503}, stopped
        assert 503 in statuses
        server.shutdown()
        server.server_close()
        try:
            source.close()
        except Exception:  # the producer cannot deliver what is queued: the broker is gone
            pass


@pytest.fixture(scope="module")
def running_broker(tmp_path_factory):
    with EmbeddedBroker(tmp_path_factory.mktemp("tansu")) as broker:
        yield broker


def _ingest(broker, tmp_path, *args, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CLUETRAIN_")}
    environment.update(CLUETRAIN_LIVE_STATE_DIR=str(tmp_path / "live"), CLUETRAIN_PARTITIONS="2", **env)
    return subprocess.run([sys.executable, "-m", "cluetrain", "ingest", *args, "--broker", broker.url],
                          env=environment, capture_output=True, text=True, timeout=120)


def _error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if "reconnecting in" not in line]
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert lines[0].startswith("cluetrain: error: "), lines
    return lines[0]


def test_an_unknown_brand_handle_stops_ingest_with_one_line(tmp_path, running_broker):
    api = BlueskyApi({}, {})
    (tmp_path / "accounts.toml").write_text('[brands.acme]\nbluesky = ["acme-typo.bsky.social"]\n')
    result = _ingest(running_broker, tmp_path, "--source", "bluesky", CLUETRAIN_BLUESKY_API=api.url,
                     CLUETRAIN_LIVE_ACCOUNTS=str(tmp_path / "accounts.toml"))
    api.close()
    assert "unknown handle acme-typo.bsky.social" in _error_line(result)


def test_a_refused_mastodon_token_stops_ingest_with_one_line_and_never_shows_the_token(tmp_path, running_broker):
    server = MastodonServer([], token="the-right-one")
    (tmp_path / "accounts.toml").write_text('[brands.acme]\nmastodon = ["acme@example.social"]\n')
    result = _ingest(running_broker, tmp_path, "--source", "mastodon", CLUETRAIN_MASTODON_URL=server.url,
                     CLUETRAIN_MASTODON_TOKEN="wrong-s3cret", CLUETRAIN_LIVE_ACCOUNTS=str(tmp_path / "accounts.toml"))
    server.close()
    assert "refused the token" in _error_line(result) and "401" in result.stderr
    assert "wrong-s3cret" not in result.stderr + result.stdout


def test_an_unreachable_jetstream_stops_ingest_after_the_configured_retries(tmp_path, running_broker):
    api = BlueskyApi({"acme.bsky.social": ACME}, {})
    (tmp_path / "accounts.toml").write_text('[brands.acme]\nbluesky = ["acme.bsky.social"]\n')
    result = _ingest(running_broker, tmp_path, "--source", "bluesky", CLUETRAIN_BLUESKY_API=api.url,
                     CLUETRAIN_LIVE_ACCOUNTS=str(tmp_path / "accounts.toml"), CLUETRAIN_LIVE_RETRIES="2",
                     CLUETRAIN_JETSTREAM_URL="ws://127.0.0.1:9/subscribe")
    api.close()
    assert "unreachable after 2 attempts" in _error_line(result)
    assert result.stderr.count("reconnecting in") == 2


def test_the_http_endpoint_needs_a_token(tmp_path, running_broker):
    result = _ingest(running_broker, tmp_path, "--http", "127.0.0.1:0")
    assert "CLUETRAIN_HTTP_TOKEN: required" in _error_line(result)
