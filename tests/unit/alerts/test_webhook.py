"""The webhook notifier without a network: payload, signature, retry policy, back-off,
dead letters (time, sleep, randomness and the transport are injected)."""
from __future__ import annotations

import hashlib
import hmac
import http.client
import io
import json
import socket
import time
import urllib.error
from email.utils import formatdate

import pytest

from cluetrain.alerts import render
from cluetrain.alerts.follow import AlertHandler, notifier_from_settings
from cluetrain.alerts.webhook import (
    HttpResponse, WebhookNotifier, backoff_delay, build_payload, parse_retry_after, sign, urllib_post, verify,
)
from cluetrain.settings import Settings, SettingsError
from cluetrain.codec import wire as codec

T0 = 1_700_000_000
FIRED_MS = 1_509_487_847_000  # 2017-10-31T22:10:47Z
SECRET = "s3cret"


def alert(**changes) -> dict:
    """An alert exactly as the notifier gets it: through the Avro codec."""
    base = {"alert_id": "8:0", "kind": "ignored_conversation", "brand": "sprintcare", "conversation_id": "8",
            "fired_at": FIRED_MS, "severity": "high",
            "details": {"customer_messages": 2, "sla_s": 3600, "text": "<b>hi & bye</b>"}}
    base.update(changes)
    return codec.decode_alert(codec.encode_alert(base))


class FakeClock:
    def __init__(self):
        self.now = float(T0)
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.now += s


class FixedRandom:
    def __init__(self, value: float):
        self.value = value

    def random(self) -> float:
        return self.value


class Script:
    """A transport that plays outcomes in order (int status, (status, headers), or an
    exception to raise) and records every request."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.calls: list[tuple[str, bytes, dict, float]] = []

    def __call__(self, url, body, headers, timeout):
        self.calls.append((url, body, dict(headers), timeout))
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, BaseException):
            raise outcome
        status, headers = outcome if isinstance(outcome, tuple) else (outcome, {})
        return HttpResponse(status, headers, b"nope" if status >= 300 else b"ok")


def notifier(script, *, rng=0.5, **options) -> tuple[WebhookNotifier, FakeClock]:
    clock = FakeClock()
    options = {"max_attempts": 4, "backoff_s": 1.0, "max_backoff_s": 30.0, "timeout_s": 2.0, **options}
    n = WebhookNotifier("https://hooks.example/x", SECRET, sleep=clock.sleep, clock=clock, rng=FixedRandom(rng),
                        post=script, **options)
    return n, clock


# --- payload ----------------------------------------------------------------------------

def test_payload_is_slack_json_with_the_alert_facts():
    body = build_payload(alert(), resolved=False)
    payload = json.loads(body)
    assert set(payload) == {"text", "blocks"}
    assert [b["type"] for b in payload["blocks"]] == ["header", "section", "section", "context"]
    assert "sprintcare" in payload["text"] and "high" in payload["text"] and "2017-10-31T22:10:47Z" in payload["text"]
    fields = {f["text"].split("\n")[0]: f["text"].split("\n", 1)[1] for f in payload["blocks"][1]["fields"]}
    assert fields == {"*Brand*": "sprintcare", "*Kind*": "ignored_conversation", "*Severity*": "high",
                      "*Conversation*": "8", "*Fired at*": "2017-10-31T22:10:47Z", "*Status*": "open"}
    details = payload["blocks"][2]["text"]["text"]
    assert '"sla_s": 3600' in details and "&lt;b&gt;hi &amp; bye&lt;/b&gt;" in details  # mrkdwn escaped
    assert "8:0" in payload["blocks"][3]["elements"][0]["text"]
    assert build_payload(alert(), resolved=False) == body  # deterministic: same bytes on every attempt


def test_resolution_payload_says_when_and_after_how_long():
    payload = json.loads(build_payload(alert(resolved_at=FIRED_MS + 1_753_000), resolved=True))
    assert payload["text"].startswith("✅") and "resolved 2017-10-31T22:40:00Z after 29m 13s" in payload["text"]
    fields = [f["text"] for f in payload["blocks"][1]["fields"]]
    assert "*Resolved at*\n2017-10-31T22:40:00Z (after 29m 13s)" in fields
    assert payload["blocks"][0]["text"]["text"].startswith("✅ Resolved")
    with pytest.raises(ValueError, match="resolved_at is not set"):
        build_payload(alert(), resolved=True)


def test_payload_of_a_brand_wide_alert_without_details():
    payload = json.loads(build_payload(alert(conversation_id="", alert_id="x", details="{}"), resolved=False))
    assert [b["type"] for b in payload["blocks"]] == ["header", "section", "context"]
    assert "*Conversation*\n(whole brand)" in [f["text"] for f in payload["blocks"][1]["fields"]]


# --- signature ----------------------------------------------------------------------------

def test_signature_is_hmac_sha256_over_timestamp_dot_body_and_detects_tampering():
    body = build_payload(alert(), resolved=False)
    expected = hmac.new(SECRET.encode(), f"{T0}.".encode() + body, hashlib.sha256).hexdigest()
    assert sign(body, SECRET, T0) == expected and len(expected) == 64
    header = f"v1={expected}"
    assert verify(body, SECRET, str(T0), header, now=T0)
    assert verify(body, SECRET, T0, f"v1=0000, {header}", now=T0)  # several signatures (secret rotation)
    assert not verify(body + b" ", SECRET, T0, header, now=T0)          # body tampered
    assert not verify(body.replace(b"high", b"low!"), SECRET, T0, header, now=T0)
    assert not verify(body, SECRET, T0 + 1, header, now=T0)             # timestamp tampered
    assert not verify(body, "other", T0, header, now=T0)                # wrong secret
    assert not verify(body, SECRET, T0, expected, now=T0)               # missing v1= scheme
    assert not verify(body, SECRET, "soon", header, now=T0)
    assert verify(body, SECRET, T0, header, now=T0 + 299)
    assert not verify(body, SECRET, T0, header, now=T0 + 301)           # stale: replay refused
    assert not verify(body, SECRET, T0, header, now=T0 - 301)           # from the future


def test_verify_checks_freshness_on_the_clock_when_not_given_now():
    body = build_payload(alert(), resolved=False)
    stale = f"v1={sign(body, SECRET, T0)}"  # a valid signature of 2023: a replay today
    assert not verify(body, SECRET, T0, stale)
    fresh = int(time.time())
    assert verify(body, SECRET, fresh, f"v1={sign(body, SECRET, fresh)}")
    assert not verify(body, SECRET, fresh - 400, f"v1={sign(body, SECRET, fresh - 400)}")
    assert verify(body, SECRET, fresh - 400, f"v1={sign(body, SECRET, fresh - 400)}", tolerance_s=600)


def test_every_attempt_is_signed_with_its_own_timestamp_and_keeps_key_and_body():
    script = Script(503, 503, 200)
    n, _ = notifier(script)
    result = n.deliver(alert(), resolved=False)
    assert result.delivered and [a.status for a in result.attempts] == [503, 503, 200]
    bodies = {body for _, body, _, _ in script.calls}
    assert bodies == {result.body}
    for i, (_, body, headers, timeout) in enumerate(script.calls, start=1):
        assert headers["Idempotency-Key"] == "8:0:fired" and headers["X-Cluetrain-Attempt"] == str(i)
        assert headers["Content-Type"].startswith("application/json") and timeout == 2.0
        sent = int(headers["X-Cluetrain-Timestamp"])  # the notifier's clock is simulated: so is the receiver's
        assert verify(body, SECRET, sent, headers["X-Cluetrain-Signature"], now=sent + 1)
    stamps = [int(h["X-Cluetrain-Timestamp"]) for _, _, h, _ in script.calls]
    assert stamps == sorted(stamps) and stamps[0] < stamps[-1]


# --- retry policy -------------------------------------------------------------------------

RETRIED = [
    (500, "HTTP 500"), (502, "HTTP 502"), (503, "HTTP 503"), (504, "HTTP 504"), (429, "HTTP 429"), (408, "HTTP 408"),
    (TimeoutError("timed out"), "timeout after 2 s"),
    (urllib.error.URLError(socket.timeout("timed out")), "timeout after 2 s"),
    (urllib.error.URLError(ConnectionRefusedError(111, "Connection refused")), "connection refused"),
    (ConnectionResetError(104, "reset"), "ConnectionResetError"),
    (http.client.RemoteDisconnected("closed"), "RemoteDisconnected"),
    (http.client.BadStatusLine("garbage"), "invalid HTTP response"),
    (urllib.error.URLError(socket.gaierror(-2, "Name or service not known")), "gaierror"),
]
NOT_RETRIED = [400, 401, 403, 404, 409, 410, 413, 422, 301, 302, 307]


@pytest.mark.parametrize("outcome, error", RETRIED, ids=lambda v: str(v)[:30])
def test_transient_failures_are_retried(outcome, error):
    script = Script(outcome, 200)
    n, clock = notifier(script)
    result = n.deliver(alert(), resolved=False)
    assert result.delivered and len(script.calls) == 2 and len(clock.sleeps) == 1
    assert result.attempts[0].retryable and error in result.attempts[0].error


@pytest.mark.parametrize("status", NOT_RETRIED)
def test_other_client_errors_and_redirects_are_not_retried(status):
    script = Script(status, 200)
    n, clock = notifier(script)
    result = n.deliver(alert(), resolved=False)
    assert result.dead_letter and len(script.calls) == 1 and clock.sleeps == []
    assert result.reason.startswith(f"webhook: HTTP {status}") and result.reason.endswith("(not retried)")
    assert result.status == status


def test_dead_letter_after_max_attempts():
    script = Script(500)
    n, clock = notifier(script, max_attempts=5)
    result = n.deliver(alert(), resolved=False)
    assert result.dead_letter and not result.delivered
    assert len(script.calls) == 5 and len(result.attempts) == 5 and len(clock.sleeps) == 4
    assert result.reason == "webhook: HTTP 500 nope after 5 attempts"
    assert result.attempts[-1].wait_s == 0 and result.idempotency_key == "8:0:fired"


def test_a_single_attempt_notifier_never_sleeps():
    n, clock = notifier(Script(TimeoutError()), max_attempts=1)
    result = n.deliver(alert(), resolved=False)
    assert result.reason == "webhook: timeout after 2 s after 1 attempt" and clock.sleeps == []


# --- back-off -----------------------------------------------------------------------------

@pytest.mark.parametrize("rng, waits", [
    (0.0, [0.5, 1, 2, 4, 5, 5, 5]),          # lower edge of the jitter: half the step
    (0.5, [0.75, 1.5, 3, 6, 7.5, 7.5, 7.5]),
    (1.0, [1, 2, 4, 8, 10, 10, 10]),          # upper edge: the full step, capped at max_backoff_s
])
def test_backoff_grows_exponentially_with_jitter_and_is_capped(rng, waits):
    n, clock = notifier(Script(503), max_attempts=8, backoff_s=1.0, max_backoff_s=10.0, rng=rng)
    result = n.deliver(alert(), resolved=False)
    assert clock.sleeps == pytest.approx(waits)
    assert [a.wait_s for a in result.attempts] == pytest.approx(waits + [0])
    gaps = [b.at - a.at for a, b in zip(result.attempts, result.attempts[1:])]
    assert gaps == pytest.approx(waits)  # the injected clock saw the sleeps


def test_backoff_delay_uses_the_rng_and_survives_huge_attempt_numbers():
    import random

    rng = random.Random(7)
    delays = [backoff_delay(k, 0.1, 100.0, rng) for k in range(1, 11)]
    for k, d in enumerate(delays, start=1):
        step = min(100.0, 0.1 * 2 ** (k - 1))
        assert step / 2 <= d <= step
    assert len(set(delays)) == 10
    assert backoff_delay(10_000, 1.0, 60.0, rng) <= 60.0


def test_retry_after_seconds_and_http_date_are_honoured_and_capped():
    n, clock = notifier(Script((429, {"Retry-After": "7"}), (503, {"retry-after": "0"}), 200))
    assert n.deliver(alert(), resolved=False).delivered
    assert clock.sleeps == pytest.approx([7.0, 1.5])  # 7 > back-off 0.75; 0 < back-off 1.5
    date = formatdate(T0 + 120, usegmt=True)
    n, clock = notifier(Script((503, {"Retry-After": date}), 200))
    assert n.deliver(alert(), resolved=False).delivered and clock.sleeps == pytest.approx([120.0])
    n, clock = notifier(Script((503, {"Retry-After": "86400"}), 200), max_retry_after_s=60.0)
    assert n.deliver(alert(), resolved=False).delivered and clock.sleeps == pytest.approx([60.0])
    assert parse_retry_after("soon", T0) is None and parse_retry_after(None, T0) is None
    assert parse_retry_after(formatdate(T0 - 50, usegmt=True), T0) == 0.0


# --- state, dedup, settings ----------------------------------------------------------------

def test_resolution_uses_its_own_idempotency_key():
    script = Script(200)
    n, _ = notifier(script)
    resolved = alert(resolved_at=FIRED_MS + 60_000)
    assert n.deliver(resolved).state == "resolved"  # resolved=None: from resolved_at
    assert n.deliver(resolved, resolved=False).idempotency_key == "8:0:fired"
    assert [h["Idempotency-Key"] for _, _, h, _ in script.calls] == ["8:0:resolved", "8:0:fired"]


def test_handler_prints_one_line_and_delivers_each_state_once():
    script = Script(200)
    n, _ = notifier(script)
    out = io.StringIO()
    handler = AlertHandler(out, n)
    fired, resolved = alert(), alert(resolved_at=FIRED_MS + 1_753_000)
    outcomes = [handler.handle(a) for a in (fired, fired, resolved, resolved, fired)]
    assert [o.duplicate for o in outcomes] == [False, True, False, True, True]
    assert [h["Idempotency-Key"] for _, _, h, _ in script.calls] == ["8:0:fired", "8:0:resolved"]
    assert out.getvalue().splitlines() == [
        '2017-10-31T22:10:47Z  ignored_conversation  sprintcare  conv 8:0  severity high  '
        'customer_messages=2 sla_s=3600 text="<b>hi & bye</b>"',
        "2017-10-31T22:40:00Z  ignored_conversation  sprintcare  conv 8:0  severity high  "
        "resolved after 29m 13s (fired 2017-10-31T22:10:47Z)",
    ]


def test_follow_line_variants_stay_on_one_line():
    line = render.follow_line(render.view(alert(conversation_id="", alert_id="volume", details={"a": "x\ny"})))
    assert line == '2017-10-31T22:10:47Z  ignored_conversation  sprintcare  alert volume  severity high  a="x\\ny"'
    line = render.follow_line(render.view(alert(alert_id="other\nid", details="{}")))
    assert "\n" not in line and line.endswith("conv 8  alert other id  severity high")
    assert [render.duration(ms) for ms in (0, 59_999, 3_600_000, 7_500_000, 90_061_000, -5)] == \
        ["0s", "59s", "1h", "2h 5m", "1d 1h", "0s"]


def test_notifier_from_settings():
    assert notifier_from_settings(Settings.from_env({})) is None
    s = Settings.from_env({"CLUETRAIN_WEBHOOK_URL": "https://hooks.example/T/B/x", "CLUETRAIN_WEBHOOK_SECRET": "k",
                           "CLUETRAIN_WEBHOOK_MAX_ATTEMPTS": "3", "CLUETRAIN_WEBHOOK_TIMEOUT_S": "0.5"})
    n = notifier_from_settings(s)
    assert (n.max_attempts, n.timeout_s) == (3, 0.5)
    assert "T/B/x" not in repr(n) and "T/B/x" not in repr(s) and "'k'" not in repr(s)  # credentials stay out of logs
    with pytest.raises(SettingsError, match="CLUETRAIN_WEBHOOK_SECRET: required"):
        notifier_from_settings(s.replace(webhook_secret=""))
    with pytest.raises(SettingsError, match="must start with http"):
        notifier_from_settings(s.replace(webhook_url="hooks.example/x"))


def test_a_refused_connection_through_urllib_is_a_retryable_failure():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    clock = FakeClock()
    n = WebhookNotifier(f"http://127.0.0.1:{port}/hook", SECRET, max_attempts=2, backoff_s=0.01,
                        timeout_s=1.0, sleep=clock.sleep, clock=clock, post=urllib_post)
    result = n.deliver(alert(), resolved=False)
    assert result.dead_letter and len(result.attempts) == 2
    assert result.reason == "webhook: connection refused after 2 attempts"
