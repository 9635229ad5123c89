"""The HTTP endpoint with a real HTTP client (http.client) on loopback: one event, NDJSON
batches, per-line reasons, auth, the size cap, and a slow broker (429, 503). The broker
stopped for real, and the endpoint under load, are in tests/integration/test_live_sources.py."""
from __future__ import annotations

import http.client
import threading
import time

import orjson
import pytest

from cluetrain.kafka.memory import MemoryBroker, MemoryProducer
from cluetrain.settings import Settings
from cluetrain.sources.http_ingest import PATH, IngestServer
from cluetrain.sources.live import LiveSource
from tests.support.live_servers import sent_records

TOKEN = "s3cret-token"


def event(i: int, **changes) -> dict:
    return {"kind": "mention", "event_id": f"e{i}", "conversation_id": f"e{i}", "in_reply_to": None, "brand": "acme",
            "author_id": "c1", "author_role": "customer", "author_followers": 3, "text": "hello?", "lang": "en",
            "created_at": "2026-09-21T14:13:20Z", **changes}


class HeldProducer(MemoryProducer):
    """A broker that does not acknowledge until `release` is set (a slow or stopped broker)."""

    def __init__(self, broker: MemoryBroker):
        super().__init__(broker)
        self.release = threading.Event()

    def flush(self, timeout: float | None = None) -> None:
        self.release.wait(30)
        super().flush(timeout)


@pytest.fixture
def endpoint(request):
    options = getattr(request, "param", {})
    settings = Settings.from_env({}, partitions=2, http_token=TOKEN, http_max_body_bytes=4096, **options)
    broker = MemoryBroker(2)
    producer = HeldProducer(broker)
    producer.release.set()
    source = LiveSource(settings, producer=producer)
    server = IngestServer(("127.0.0.1", 0), settings, source)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield server, broker, producer, settings
    producer.release.set()
    server.shutdown()
    server.server_close()
    source.close()


def post(server, body: bytes, *, token=TOKEN, content_type="application/x-ndjson"):
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    headers = {"Content-Type": content_type, **({"Authorization": f"Bearer {token}"} if token else {})}
    connection.request("POST", PATH, body=body, headers=headers)
    response = connection.getresponse()
    answer = (response.status, orjson.loads(response.read()), dict(response.getheaders()))
    connection.close()
    return answer


def test_one_event_and_an_ndjson_batch_are_accepted_once_delivered(endpoint):
    server, broker, _, settings = endpoint
    status, body, _ = post(server, orjson.dumps(event(0), option=orjson.OPT_INDENT_2), content_type="application/json")
    assert (status, body) == (202, {"accepted": 1})
    status, body, _ = post(server, b"\n".join(orjson.dumps(event(i)) for i in range(1, 6)) + b"\n")
    assert (status, body) == (202, {"accepted": 5})
    assert sorted(r["event_id"] for r in sent_records(broker, settings)) == [f"e{i}" for i in range(6)]


def test_bad_lines_get_their_reason_and_go_on_to_dead_letters(endpoint):
    server, broker, _, settings = endpoint
    lines = [orjson.dumps(event(1)), b"{nope", orjson.dumps(event(2, author_role="bot")), orjson.dumps(event(3))]
    status, body, _ = post(server, b"\n".join(lines))
    assert status == 400 and body["accepted"] == 2
    assert [r["line"] for r in body["rejected"]] == [2, 3]
    assert body["rejected"][0]["reason"].startswith("JSON syntax error")
    assert body["rejected"][1]["reason"] == "unknown author_role: 'bot'"
    records = sent_records(broker, settings)
    assert sorted(r["event_id"] for r in records if not r.get("raw")) == ["e1", "e3"]
    raw = [r.get("author_role", r.get("unparsable")) for r in records if r.get("raw")]
    assert sorted(raw, key=str) == [b"{nope", "bot"]  # sent raw: the worker dead-letters them


def test_auth_and_the_size_cap(endpoint):
    server, broker, _, settings = endpoint
    assert post(server, orjson.dumps(event(1)), token=None)[0] == 401
    status, body, headers = post(server, orjson.dumps(event(1)), token="guess")
    assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer")
    status, body, _ = post(server, b"x" * 5000)
    assert status == 413 and "4096" in body["error"]
    assert sent_records(broker, settings) == []


@pytest.mark.parametrize("endpoint", [{"http_max_pending": 3, "http_ack_timeout_s": 0.5}], indirect=True)
def test_a_slow_broker_answers_503_then_429_and_never_202(endpoint):
    server, broker, producer, settings = endpoint
    producer.release.clear()
    status, body, headers = post(server, b"\n".join(orjson.dumps(event(i)) for i in range(3)))
    assert status == 503 and int(headers["Retry-After"]) >= 1 and "retry" in body["error"]
    status, body, headers = post(server, orjson.dumps(event(9)))
    assert status == 429 and int(headers["Retry-After"]) >= 1
    producer.release.set()
    # The held delivery completes on the lane's thread: once it has, the endpoint is back to normal.
    deadline = time.monotonic() + 10
    while server.lane.pending and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.lane.pending == 0
    assert post(server, orjson.dumps(event(10)))[0] == 202
