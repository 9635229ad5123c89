"""Signed webhook delivery of alerts and their resolutions (issue 6), standard library only.

Body: Slack-compatible JSON (`text` + `blocks`), the same bytes on every attempt.
Headers: `X-Cluetrain-Timestamp: <unix s>`, `X-Cluetrain-Signature: v1=<hex>` where hex
= HMAC-SHA256(secret, f"{timestamp}.".encode() + body) (the timestamp is re-signed on
every attempt so a receiver can reject stale replays), and
`Idempotency-Key: <alert_id>:<fired|resolved>` (the same on every attempt and on every
re-delivery: delivery is at-least-once, a receiver drops repeated keys).

Retries: connection errors, timeouts, invalid responses, 408, 429 and 5xx, up to
max_attempts; other 4xx and 3xx (redirects are not followed: a redirected POST would
lose its body) fail at once. Wait before attempt n+1: equal-jitter exponential back-off
min(max_backoff_s, backoff_s * 2**(n-1)) * (0.5 + 0.5 * rng.random()), or the server's
Retry-After (seconds or HTTP date, capped at max_retry_after_s) when that is longer.
When every attempt failed, deliver() returns a dead-letter result whose reason starts
with "webhook: "; the caller writes it to the dead_letters topic.
"""
from __future__ import annotations

import hashlib
import hmac
import http.client
import logging
import random
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Mapping

from cluetrain.alerts import render
from cluetrain.alerts.payload import build_digest_payload, build_payload  # noqa: F401 (re-exported)

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Cluetrain-Signature"
TIMESTAMP_HEADER = "X-Cluetrain-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
ATTEMPT_HEADER = "X-Cluetrain-Attempt"
USER_AGENT = "cluetrain-notifier/1"
_READ_LIMIT = 64 * 1024


# --- signature (pure; the payloads: alerts/payload.py) ---------------------------------

def sign(body: bytes, secret: str, timestamp: int) -> str:
    """Hex HMAC-SHA256 of f"{timestamp}.".encode() + body (header value: 'v1=' + this)."""
    return hmac.new(secret.encode("utf-8"), f"{int(timestamp)}.".encode() + body, hashlib.sha256).hexdigest()


FRESHNESS_TOLERANCE_S = 300.0  # a signed request older (or newer) than this is a replay


def verify(body: bytes, secret: str, timestamp: str | int, signature: str, *,
           now: float | None = None, tolerance_s: float = FRESHNESS_TOLERANCE_S) -> bool:
    """Receiver side: True when `signature` (the X-Cluetrain-Signature value, 'v1=<hex>',
    several comma-separated values allowed) matches body and timestamp, and the timestamp
    is within tolerance_s (default 300 s) of `now`: always checked, a stale request is
    refused as a replay. `now` (unix s) is the receiver's clock, read here when not given:
    this function is the receiver's edge. Constant-time comparison."""
    try:
        ts = int(str(timestamp).strip())
    except ValueError:
        return False
    if now is None:
        now = time.time()
    if abs(now - ts) > tolerance_s:
        return False
    expected = sign(body, secret, ts)
    candidates = [p.strip()[3:] for p in str(signature).split(",") if p.strip().startswith("v1=")]
    return any(hmac.compare_digest(expected.encode(), c.encode()) for c in candidates)


def backoff_delay(failures: int, backoff_s: float, max_backoff_s: float, rng: random.Random) -> float:
    """Wait after the `failures`-th failed attempt: equal jitter over a capped exponential."""
    cap = min(max_backoff_s, backoff_s * 2 ** min(failures - 1, 60))
    return cap * (0.5 + 0.5 * rng.random())


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Retry-After as seconds ('120') or an HTTP date; None when absent or invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsed.timestamp() - now) if (parsed := parsedate_to_datetime(value)) else None
    except (TypeError, ValueError, IndexError):
        return None


def is_retryable_status(status: int) -> bool:
    return status in (408, 429) or 500 <= status <= 599


# --- transport ---------------------------------------------------------------------------

@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes = b""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a 3xx becomes an HTTPError
        return None


_OPENER = urllib.request.build_opener(_NoRedirect())


def urllib_post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> HttpResponse:
    """POST with urllib; any HTTP status is returned, network failures raise OSError
    (or http.client.HTTPException for a malformed response)."""
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as resp:
            return HttpResponse(resp.status, dict(resp.headers.items()), resp.read(_READ_LIMIT))
    except urllib.error.HTTPError as exc:
        with exc:
            return HttpResponse(exc.code, dict(exc.headers.items()) if exc.headers else {}, exc.read(_READ_LIMIT))


def describe_error(exc: BaseException, timeout: float) -> tuple[str, bool]:
    """A network failure -> (one-line description, retryable)."""
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError):
        return f"timeout after {timeout:g} s", True
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused", True
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"TLS certificate rejected: {reason.verify_message or reason}", False
    if isinstance(reason, http.client.HTTPException):
        return f"invalid HTTP response ({type(reason).__name__}: {reason})".strip(), True
    text = " ".join(str(reason).split()) or type(reason).__name__
    return f"{type(reason).__name__}: {text}"[:200], True


# --- the notifier ------------------------------------------------------------------------

@dataclass(frozen=True)
class Attempt:
    number: int            # 1-based
    at: float              # clock() when it started
    status: int | None     # HTTP status, None for a network failure
    error: str             # "" on success
    retryable: bool
    wait_s: float          # slept after it (0 for the last one)


@dataclass(frozen=True)
class DeliveryResult:
    alert_id: str
    state: str             # 'fired' | 'resolved'
    idempotency_key: str
    delivered: bool
    attempts: tuple[Attempt, ...]
    reason: str            # "" when delivered; "webhook: ..." for a dead letter
    body: bytes

    @property
    def dead_letter(self) -> bool:
        return not self.delivered

    @property
    def status(self) -> int | None:
        return self.attempts[-1].status if self.attempts else None


class WebhookNotifier:
    """Posts one alert state with retries: `deliver(alert, resolved)` -> DeliveryResult.
    sleep, clock (unix seconds), rng and post (the transport) are injectable."""

    def __init__(self, url: str, secret: str, *, max_attempts: int = 6, backoff_s: float = 1.0,
                 max_backoff_s: float = 60.0, timeout_s: float = 5.0, max_retry_after_s: float = 300.0,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time,
                 rng: random.Random | None = None,
                 post: Callable[[str, bytes, Mapping[str, str], float], HttpResponse] = urllib_post):
        if not url.startswith(("http://", "https://")):
            raise ValueError("webhook URL must start with http:// or https://")
        if not secret:
            raise ValueError("webhook secret is empty (the body is signed with it)")
        if max_attempts < 1 or backoff_s < 0 or max_backoff_s < 0 or timeout_s <= 0:
            raise ValueError("webhook: max_attempts >= 1, backoff_s >= 0, max_backoff_s >= 0, timeout_s > 0")
        self.url, self._secret = url, secret
        self.max_attempts, self.backoff_s, self.max_backoff_s = max_attempts, backoff_s, max_backoff_s
        self.timeout_s, self.max_retry_after_s = timeout_s, max_retry_after_s
        self._sleep, self._clock, self._post = sleep, clock, post
        self._rng = rng if rng is not None else random.Random()

    def __repr__(self) -> str:  # the URL may itself be a credential (Slack): show the host only
        return f"WebhookNotifier({urllib.parse.urlsplit(self.url).netloc!r}, max_attempts={self.max_attempts})"

    def headers(self, body: bytes, key: str, attempt: int) -> dict[str, str]:
        ts = int(self._clock())
        return {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
                IDEMPOTENCY_HEADER: key, TIMESTAMP_HEADER: str(ts),
                SIGNATURE_HEADER: "v1=" + sign(body, self._secret, ts), ATTEMPT_HEADER: str(attempt)}

    def deliver(self, alert: Mapping[str, Any], resolved: bool | None = None, url_template: str = "") -> DeliveryResult:
        """resolved=None: the alert's own state (resolved when resolved_at is set)."""
        a = render.view(alert)
        resolved = a.resolved_at is not None if resolved is None else resolved
        state = render.RESOLVED if resolved else render.FIRED
        body = build_payload(alert, resolved=resolved, url_template=url_template)
        return self.send(body, a.key(state), a.alert_id, state)

    def deliver_digest(self, digest, url_template: str = "") -> DeliveryResult:
        """One digest (alerts/digest.py), Idempotency-Key 'digest:<brand>:<start, epoch s>'."""
        return self.send(build_digest_payload(digest, url_template), digest.key, digest.key, "digest")

    def send(self, body: bytes, key: str, alert_id: str, state: str) -> DeliveryResult:
        """Post `body` with retries (the same bytes on every attempt)."""
        attempts: list[Attempt] = []
        for n in range(1, self.max_attempts + 1):
            started = self._clock()
            status, error, retryable, retry_after = self._attempt(body, key, n)
            last = error == "" or not retryable or n == self.max_attempts
            wait = 0.0 if last else self._wait(n, retry_after)
            attempts.append(Attempt(n, started, status, error, retryable, wait))
            if error == "":
                return DeliveryResult(alert_id, state, key, True, tuple(attempts), "", body)
            log.warning("webhook %s attempt %d/%d failed: %s%s", key, n, self.max_attempts, error,
                        f"; retrying in {wait:.2f} s" if not last else "")
            if last:
                break
            self._sleep(wait)
        final = attempts[-1]
        reason = (f"webhook: {final.error} (not retried)" if not final.retryable
                  else f"webhook: {final.error} after {len(attempts)} attempt{'s' if len(attempts) > 1 else ''}")
        return DeliveryResult(alert_id, state, key, False, tuple(attempts), reason, body)

    def _attempt(self, body: bytes, key: str, n: int) -> tuple[int | None, str, bool, float | None]:
        try:
            resp = self._post(self.url, body, self.headers(body, key, n), self.timeout_s)
        except (OSError, http.client.HTTPException) as exc:
            error, retryable = describe_error(exc, self.timeout_s)
            return None, error, retryable, None
        if 200 <= resp.status <= 299:
            return resp.status, "", False, None
        snippet = " ".join(resp.body[:120].decode("utf-8", "replace").split())
        error = f"HTTP {resp.status}" + (f" {snippet}" if snippet else "")
        if 300 <= resp.status <= 399:
            error += " (redirects are not followed)"
        retry_after = parse_retry_after(_header(resp.headers, "Retry-After"), self._clock())
        return resp.status, error, is_retryable_status(resp.status), retry_after

    def _wait(self, failures: int, retry_after: float | None) -> float:
        wait = backoff_delay(failures, self.backoff_s, self.max_backoff_s, self._rng)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_retry_after_s))
        return wait


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for k, v in headers.items():
        if k.lower() == name.lower():
            return v
    return None
