"""Live sources end to end on the real broker (Tansu) and the real worker: a Bluesky
conversation replayed by a local Jetstream server lands in ClickHouse (both backends)
with its roles, its answered turn and its delete in dead_letters; the HTTP endpoint takes
10,000 events from concurrent clients, then, with the broker stopped, never answers 202."""
from __future__ import annotations

import http.client
import io
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
from tests.support.live_servers import BlueskyApi, JetstreamServer, delete_frame, post_frame, post_uri

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
                                  jetstream_url=jetstream.url, bluesky_api=api.url)
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
    dead = read_rows(clickhouse_target, "SELECT reason, payload_base64 FROM {db}.dead_letters FINAL")
    assert [d["reason"] for d in dead] == ["unknown kind: 'delete'"]
    import base64
    assert orjson.loads(base64.b64decode(dead[0]["payload_base64"]))["event_id"] == post_uri(ALICE, "a2")


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
