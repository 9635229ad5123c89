"""The notifier against a REAL local HTTP server (http.server in a thread, free port)
that checks the HMAC, records the Idempotency-Key and fails the first attempts.
Real urllib, real sockets, real sleeps (short back-off)."""
from __future__ import annotations

import io
import random
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cluetrain.alerts.follow import AlertHandler
from cluetrain.alerts.webhook import WebhookNotifier, verify
from cluetrain.codec import wire as codec

pytestmark = pytest.mark.integration

SECRET = "integration-secret"
FIRED_MS = 1_509_487_847_000


def alert(alert_id="8:0", **changes) -> dict:
    base = {"alert_id": alert_id, "kind": "ignored_conversation", "brand": "sprintcare",
            "conversation_id": alert_id.split(":")[0], "fired_at": FIRED_MS, "severity": "high",
            "details": {"customer_messages": 2, "sla_s": 3600}}
    base.update(changes)
    return codec.decode_alert(codec.encode_alert(base))


@dataclass
class Received:
    at: float            # time.monotonic() when the request arrived
    key: str
    attempt: str
    signed: bool
    status: int
    body: bytes


class HookServer:
    """A webhook receiver. Per Idempotency-Key: the first `fail_first` requests get
    `fail_status` (with Retry-After when set), later ones 200. A bad signature gets 401;
    `reject` statuses by key; `slow_first_s` delays the first answer per key. Like a real
    receiver it dedups: `accepted` lists each key once, `duplicates` counts repeats."""

    def __init__(self, *, fail_first=2, fail_status=503, retry_after=None, reject=None, slow_first_s=0.0,
                 location=None):
        self.fail_first, self.fail_status, self.retry_after = fail_first, fail_status, retry_after
        self.reject, self.slow_first_s, self.location = reject or {}, slow_first_s, location
        self.requests: list[Received] = []
        self.accepted: list[str] = []
        self.duplicates = 0
        self._lock = threading.Lock()
        self._seen: dict[str, int] = {}
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                arrived = time.monotonic()
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, extra = server.decide(arrived, body, self.headers)
                self.send_response(status)
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "2")
                try:
                    self.end_headers()
                    self.wfile.write(b"ok" if status == 200 else b"no")
                except (BrokenPipeError, ConnectionResetError):  # the client timed out first
                    pass

            def do_GET(self):  # noqa: N802 - a followed redirect would land here
                server.requests.append(Received(time.monotonic(), "GET", "", False, 405, b""))
                self.send_response(405)
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler

    def decide(self, arrived: float, body: bytes, headers) -> tuple[int, dict]:
        key = headers.get("Idempotency-Key", "")
        signed = verify(body, SECRET, headers.get("X-Cluetrain-Timestamp", ""),
                        headers.get("X-Cluetrain-Signature", ""), now=time.time())
        with self._lock:
            n = self._seen[key] = self._seen.get(key, 0) + 1
        if n == 1 and self.slow_first_s:
            time.sleep(self.slow_first_s)
        extra: dict[str, str] = {}
        if not signed:
            status = 401
        elif key in self.reject:
            status = self.reject[key]
            if self.location:
                extra["Location"] = self.location
        elif n <= self.fail_first:
            status = self.fail_status
            if self.retry_after is not None:
                extra["Retry-After"] = str(self.retry_after)
        else:
            status = 200
        with self._lock:
            self.requests.append(Received(arrived, key, headers.get("X-Cluetrain-Attempt", ""), signed, status, body))
            if status == 200:
                if key in self.accepted:
                    self.duplicates += 1
                else:
                    self.accepted.append(key)
        return status, extra

    def of(self, key: str) -> list[Received]:
        return [r for r in self.requests if r.key == key]

    def __enter__(self) -> "HookServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def notifier(url: str, **options) -> WebhookNotifier:
    options = {"max_attempts": 4, "backoff_s": 0.1, "max_backoff_s": 1.0, "timeout_s": 2.0,
               "rng": random.Random(6), **options}
    return WebhookNotifier(url, SECRET, **options)


def gaps(received: list[Received]) -> list[float]:
    return [round(b.at - a.at, 3) for a, b in zip(received, received[1:])]


def test_the_server_fails_twice_then_accepts_and_every_attempt_is_signed():
    with HookServer(fail_first=2) as server:
        result = notifier(server.url).deliver(alert(), resolved=False)
    assert result.delivered and [a.status for a in result.attempts] == [503, 503, 200]
    got = server.of("8:0:fired")
    assert [r.status for r in got] == [503, 503, 200] and [r.attempt for r in got] == ["1", "2", "3"]
    assert all(r.signed for r in got) and {r.body for r in got} == {result.body}
    g = gaps(got)
    print(f"\nattempt gaps seen by the server (back-off 0.1 s, x2, equal jitter): {g}")
    assert 0.05 <= g[0] < 0.1 + 0.25 and 0.1 <= g[1] < 0.2 + 0.25  # jittered [step/2, step] + scheduling slack
    assert server.accepted == ["8:0:fired"]


def test_one_accepted_delivery_per_alert_and_state_and_the_resolution_after_the_firing():
    out = io.StringIO()
    with HookServer(fail_first=2) as server:
        handler = AlertHandler(out, notifier(server.url))
        fired, resolved = alert(), alert(resolved_at=FIRED_MS + 1_753_000)
        other = alert("9:1")
        outcomes = [handler.handle(a) for a in (fired, fired, other, resolved, fired, resolved)]
    assert [o.duplicate for o in outcomes] == [False, True, False, False, True, True]
    assert server.accepted == ["8:0:fired", "9:1:fired", "8:0:resolved"] and server.duplicates == 0
    assert len(server.requests) == 9  # 3 attempts for each of the 3 notifications, never a 4th
    assert max(r.at for r in server.of("8:0:fired")) < min(r.at for r in server.of("8:0:resolved"))
    assert all(r.signed for r in server.requests)
    assert len(out.getvalue().splitlines()) == 3


def test_a_server_that_always_fails_yields_a_dead_letter_after_n_attempts():
    with HookServer(fail_first=10**9, fail_status=500) as server:
        started = time.monotonic()
        result = notifier(server.url, max_attempts=4).deliver(alert(), resolved=False)
        elapsed = time.monotonic() - started
    assert result.dead_letter and len(result.attempts) == 4 and len(server.requests) == 4
    assert result.reason == "webhook: HTTP 500 no after 4 attempts"
    assert server.accepted == []
    print(f"\n4 failed attempts in {elapsed:.3f} s, gaps {gaps(server.requests)}")
    assert 0.35 <= elapsed < 3  # waits of at least 0.05 + 0.1 + 0.2


def test_retry_after_from_the_server_is_honoured():
    with HookServer(fail_first=1, fail_status=429, retry_after=1) as server:
        result = notifier(server.url).deliver(alert(), resolved=False)
    assert result.delivered and len(server.requests) == 2
    g = gaps(server.requests)
    print(f"\ngap after 429 with Retry-After: 1 -> {g}")
    assert 1.0 <= g[0] < 1.5


def test_a_timeout_is_retried_and_the_receiver_dedups_the_late_first_attempt():
    with HookServer(fail_first=0, slow_first_s=1.0) as server:
        result = notifier(server.url, timeout_s=0.3).deliver(alert(), resolved=False)
        time.sleep(1.0)  # let the slow first request finish on the server side
    assert result.delivered and result.attempts[0].error == "timeout after 0.3 s"
    assert [r.key for r in server.requests] == ["8:0:fired", "8:0:fired"]
    assert server.accepted == ["8:0:fired"] and server.duplicates == 1  # at-least-once, deduped by key


@pytest.mark.parametrize("status", [400, 401, 404])
def test_client_errors_are_not_retried(status):
    with HookServer(fail_first=0, reject={"8:0:fired": status}) as server:
        result = notifier(server.url).deliver(alert(), resolved=False)
    assert result.dead_letter and len(server.requests) == 1
    assert result.reason == f"webhook: HTTP {status} no (not retried)"


def test_redirects_are_not_followed():
    with HookServer(fail_first=0, reject={"8:0:fired": 302}, location="/elsewhere") as server:
        result = notifier(server.url).deliver(alert(), resolved=False)
    assert result.dead_letter and [r.key for r in server.requests] == ["8:0:fired"]  # no GET to /elsewhere
    assert "redirects are not followed" in result.reason


def test_a_wrong_secret_is_refused_by_the_receiver():
    with HookServer(fail_first=0) as server:
        bad = WebhookNotifier(server.url, "not-the-secret", max_attempts=3, backoff_s=0.01)
        result = bad.deliver(alert(), resolved=False)
    assert result.dead_letter and result.reason == "webhook: HTTP 401 no (not retried)"
    assert [r.signed for r in server.requests] == [False]
