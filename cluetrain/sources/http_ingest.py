"""`cluetrain ingest --http HOST:PORT`: events over HTTP, for helpdesks, listening tools, scripts.

    POST /v1/events   Authorization: Bearer <CLUETRAIN_HTTP_TOKEN>
    body: one event (Content-Type: application/json) or NDJSON (one event per line)

Answers (JSON bodies; DESIGN.md § Live sources: HTTP endpoint):
- 202 {"accepted": n}: every line is acknowledged by the broker (acks=all), so a crash
  after this answer loses nothing;
- 400 {"accepted": n, "rejected": [{"line": i, "reason": ...}]}: the bad lines (1-based)
  with the reason the worker will store; they are sent on as raw lines, so they end in
  dead_letters, and the good lines of the same body are accepted;
- 401 missing or wrong token; 411 no Content-Length; 413 body over CLUETRAIN_HTTP_MAX_BODY_BYTES;
- 429 + Retry-After: more than CLUETRAIN_HTTP_MAX_PENDING records await the broker;
- 503 + Retry-After: not acknowledged within CLUETRAIN_HTTP_ACK_TIMEOUT_S (broker slow or
  down). The lines may still arrive: retrying is safe, a duplicate event_id is processed once.

Records go to the broker through one delivery lane (a thread owning the LiveSource's
sends), which also gives the live clock its order; requests only wait on it.
"""
from __future__ import annotations

import hmac
import math
import queue
import sys
import threading
import time
from concurrent.futures import Future, TimeoutError as FutureTimeout
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson

from cluetrain.domain.events import BadEvent, validate_record
from cluetrain.settings import Settings
from cluetrain.sources.live import LiveSource
from cluetrain.sources.replay import InputLine, parse_line
from cluetrain.sources.reconnect import ConnectorError

PATH = "/v1/events"
COALESCE_REQUESTS = 64


def rejection_reason(raw: bytes) -> str:
    """Why a line is no event: the same words as the worker's dead letter."""
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return f"JSON syntax error: {exc}"
    try:
        validate_record(record)
    except BadEvent as exc:
        return str(exc)
    return "invalid event"


def body_lines(body: bytes, content_type: str) -> list[bytes]:
    if content_type.split(";")[0].strip().lower() == "application/json":
        return [body.strip()] if body.strip() else []
    return [line.strip() for line in body.split(b"\n") if line.strip()]


class DeliveryLane:
    """One thread sends the requests' lines through the LiveSource, in arrival order."""

    def __init__(self, source: LiveSource, max_pending: int):
        self.source = source
        self.max_pending = max_pending
        self.pending = 0
        self.delivered = 0
        self._lock = threading.Lock()
        self._queue: queue.Queue = queue.Queue()
        self._rate = 1000.0  # records/s, smoothed: the Retry-After estimate
        self._thread = threading.Thread(target=self._run, name="cluetrain-http-delivery", daemon=True)
        self._thread.start()

    def submit(self, lines: list[InputLine]) -> Future | None:
        """A future done once every line is delivered; None when too much is pending already."""
        with self._lock:
            if self.pending and self.pending + len(lines) > self.max_pending:
                return None
            self.pending += len(lines)
        future: Future = Future()
        self._queue.put((lines, future))
        return future

    def retry_after_s(self) -> int:
        return max(1, min(60, math.ceil(self.pending / max(self._rate, 1.0))))

    def close(self) -> None:
        """Stop after the lines in hand; a broker that is down does not hold the exit up
        for long (requests still waiting had no 202: nothing promised is dropped)."""
        self._queue.put(None)
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            batch = [item]
            while len(batch) < COALESCE_REQUESTS:  # requests that wait meanwhile share one delivery
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                batch.append(item)
            lines = [line for lines, _ in batch for line in lines]
            started = time.monotonic()
            try:
                self.source.send_many(lines)
                for _, future in batch:
                    future.set_result(None)
            except Exception as exc:  # the broker failed these records: each request says so
                for _, future in batch:
                    future.set_exception(exc)
            finally:
                with self._lock:
                    self.pending -= len(lines)
                    self.delivered += len(lines)
            elapsed = time.monotonic() - started
            if elapsed > 0:
                self._rate = 0.8 * self._rate + 0.2 * (len(lines) / elapsed)


class IngestServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], settings: Settings, source: LiveSource, log=sys.stderr):
        if not settings.http_token:
            raise ConnectorError("CLUETRAIN_HTTP_TOKEN: required by --http (every request must carry it as "
                                 "Authorization: Bearer <token>)")
        self.settings = settings
        self.log = log
        self.lane = DeliveryLane(source, settings.http_max_pending)
        self.token = settings.http_token.encode()
        try:
            super().__init__(address, IngestHandler)
        except OSError as exc:
            self.lane.close()
            raise ConnectorError(f"--http {address[0]}:{address[1]}: cannot listen: {exc.strerror or exc}") from None

    def server_close(self) -> None:
        super().server_close()
        self.lane.close()


class IngestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: clients post batch after batch on one connection
    disable_nagle_algorithm = True  # headers and body leave at once, not 40 ms apart (delayed ACKs)
    server: IngestServer

    def log_message(self, format, *args) -> None:  # one line per refused request, none per success
        pass

    def do_GET(self) -> None:
        if self.path != "/healthz":
            return self._answer(404, {"error": f"not found (POST {PATH})"})
        self._answer(200, {"ok": True, "pending": self.server.lane.pending, "delivered": self.server.lane.delivered})

    def do_POST(self) -> None:
        if self.path.split("?")[0] != PATH:
            return self._answer(404, {"error": f"not found (POST {PATH})"}, close=True)
        supplied = self.headers.get("Authorization", "")
        if not (supplied.startswith("Bearer ") and hmac.compare_digest(supplied[7:].strip().encode(), self.server.token)):
            return self._answer(401, {"error": "missing or wrong bearer token"}, close=True,
                                extra={"WWW-Authenticate": 'Bearer realm="cluetrain"'})
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            return self._answer(411, {"error": "Content-Length required"}, close=True)
        cap = self.server.settings.http_max_body_bytes
        if int(length) > cap:
            return self._answer(413, {"error": f"body of {int(length)} bytes is over the cap of {cap} bytes "
                                               "(CLUETRAIN_HTTP_MAX_BODY_BYTES): split it"}, close=True)
        raws = body_lines(self.rfile.read(int(length)), self.headers.get("Content-Type", "application/x-ndjson"))
        lines = [parse_line(i, raw) for i, raw in enumerate(raws)]
        rejected = [{"line": l.position + 1, "reason": rejection_reason(l.raw)} for l in lines if l.event is None]
        lane = self.server.lane
        future = lane.submit(lines) if lines else None
        if lines and future is None:
            return self._answer(429, {"error": f"{lane.pending} records await the broker: retry later"},
                                extra={"Retry-After": str(lane.retry_after_s())})
        try:
            if future is not None:
                future.result(timeout=self.server.settings.http_ack_timeout_s)
        except FutureTimeout:
            return self._unavailable("the broker did not acknowledge the records in "
                                     f"{self.server.settings.http_ack_timeout_s:g} s")
        except Exception as exc:
            return self._unavailable(f"the broker refused the records: {str(exc).splitlines()[0]}")
        accepted = len(lines) - len(rejected)
        if rejected:
            return self._answer(400, {"accepted": accepted, "rejected": rejected})
        self._answer(202, {"accepted": accepted})

    def _unavailable(self, why: str) -> None:
        print(f"cluetrain: http ingest: {why}", file=self.server.log, flush=True)
        self._answer(503, {"error": f"{why}; retry (a duplicate event_id is processed once)"},
                     extra={"Retry-After": str(self.server.lane.retry_after_s())})

    def _answer(self, status: int, body: dict, *, close: bool = False, extra: dict | None = None) -> None:
        payload = orjson.dumps(body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        if close:  # the body was not read: the connection cannot carry another request
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(payload)


def parse_address(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) < 65536:  # 0: any free port (printed)
        raise ConnectorError(f"--http: expected HOST:PORT, got {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def serve(settings: Settings, source: LiveSource, address: str, *, ready=None, log=sys.stderr) -> None:
    """Serve until interrupted; `ready(server)` is called once it listens."""
    server = IngestServer(parse_address(address), settings, source, log=log)
    host, port = server.server_address[:2]
    print(f"cluetrain: ingesting POST http://{host}:{port}{PATH} (bearer token required)", file=log, flush=True)
    if ready is not None:
        ready(server)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
