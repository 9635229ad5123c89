"""The Kafka producer of the sources and the worker (confluent-kafka) and the event encoder.

`SourceProducer` has the send/flush/close shape of kafka-python's KafkaProducer that
the Replayer uses, without a future per record: librdkafka batches (linger.ms,
batch.num.messages) and its delivery reports fill `end_offsets`, (topic, partition)
-> next offset after the last record delivered there. Keyed records go where
kafka-python and the Java client put them: librdkafka's `murmur2_random` is the Java
murmur2 partitioner (records without a key: a random partition, as kafka-python).
Tansu has no idempotent producer: enable.idempotence stays off.

Errors raise one ProducerError: the broker unreachable at start (metadata request),
a record not delivered (message.timeout.ms bounds every record, so flush never hangs).

`EventEncoder` writes an Event exactly as codec.encode_event does (single-object
Avro, same bytes) at a fraction of the cost of fastavro's generic writer, for the
current mention/reply schemas; for any other schema shape it uses codec.encode_event.
"""
from __future__ import annotations

import time

from cluetrain.codec import wire as codec, schemas
from cluetrain.kafka.broker import bootstrap_servers
from cluetrain.runtime.processes import ProcessError


class ProducerError(ProcessError):
    """A record could not be produced (one-line message)."""


def producer_config(broker_url: str, *, client_id: str, message_timeout_s: float) -> dict:
    return {
        "bootstrap.servers": bootstrap_servers(broker_url),
        "client.id": client_id,
        "acks": "all",
        "enable.idempotence": False,  # Tansu has no idempotent producer
        "partitioner": "murmur2_random",  # = the Java client's and kafka-python's default
        "linger.ms": 50,  # fewer, larger produce requests: half the broker CPU of 5 ms
        "batch.num.messages": 10_000,
        "batch.size": 1024 * 1024,
        "queue.buffering.max.messages": 200_000,
        "queue.buffering.max.kbytes": 256 * 1024,
        "message.max.bytes": 4 * 1024 * 1024,
        "compression.type": "none",  # lz4 measured slower on the local broker (CPU-bound)
        "message.timeout.ms": int(message_timeout_s * 1000),
    }


class SourceProducer:
    """A confluent-kafka Producer with kafka-python's send/flush/close (no futures)."""

    def __init__(self, broker_url: str, *, client_id: str = "cluetrain-replay", message_timeout_s: float = 30.0,
                 connect_timeout_s: float = 15.0, config: dict | None = None, purpose: str = "replay"):
        from confluent_kafka import KafkaException, Producer

        self.broker_url = broker_url
        self.purpose = purpose  # what the error messages say failed
        self.message_timeout_s = message_timeout_s
        self.end_offsets: dict[tuple[str, int], int] = {}
        self._errors: list[str] = []
        self.failed = False
        conf = producer_config(broker_url, client_id=client_id, message_timeout_s=message_timeout_s)
        conf.update(config or {})
        conf["on_delivery"] = self._on_delivery
        conf["error_cb"] = self._on_error
        self._producer = Producer(conf)
        self._produce = self._producer.produce
        try:  # fails fast (and clearly) when the broker is not there
            self._producer.list_topics(timeout=connect_timeout_s)
        except KafkaException as exc:
            self._producer.purge(in_queue=True, in_flight=True)
            raise ProducerError(f"cannot reach the broker at {broker_url}: {exc.args[0].str()}") from None

    def _on_delivery(self, err, msg) -> None:
        if err is not None:
            self._errors.append(f"{msg.topic()}[{msg.partition()}]: {err.str()}")
            return
        tp = (msg.topic(), msg.partition())
        offset = msg.offset() + 1
        if offset > self.end_offsets.get(tp, 0):
            self.end_offsets[tp] = offset

    def _on_error(self, err) -> None:
        if err.fatal():
            self._errors.append(f"fatal: {err.str()}")

    def _raise_errors(self) -> None:
        if self._errors:
            self.failed = True
            first, more = self._errors[0], len(self._errors) - 1
            self._errors.clear()
            extra = f" (and {more} more failed records)" if more else ""
            raise ProducerError(f"{self.purpose} to {self.broker_url} failed: record not delivered to {first}{extra}")

    def send(self, topic: str, value: bytes | None = None, key: bytes | None = None, headers=None,
             partition: int | None = None) -> None:
        """Queue one record (kafka-python's send, without a future); blocks while the
        queue is full."""
        try:
            if partition is None:
                self._produce(topic, value, key, headers=headers)
            else:
                self._produce(topic, value, key, partition, headers=headers)
        except BufferError:
            self._send_when_room(topic, value, key, headers, -1 if partition is None else partition)

    def _send_when_room(self, topic, value, key, headers, partition) -> None:
        deadline = time.monotonic() + self.message_timeout_s + 10
        while True:
            self._producer.poll(0.05)  # delivery reports free room in the queue
            self._raise_errors()
            try:
                self._produce(topic, value, key, partition, headers=headers)
                return
            except BufferError:
                if time.monotonic() > deadline:
                    raise ProducerError(f"{self.purpose} to {self.broker_url}: the producer queue stayed full for "
                                        f"{self.message_timeout_s + 10:.0f} s") from None

    def flush(self, timeout: float | None = None) -> None:
        """Wait until every queued record is delivered (or raise why not)."""
        limit = self.message_timeout_s + 10 if timeout is None else timeout
        deadline = time.monotonic() + limit
        while self._producer.flush(0.2) > 0:
            self._raise_errors()
            if time.monotonic() > deadline:
                raise ProducerError(f"{self.purpose} to {self.broker_url}: {len(self._producer)} records not delivered "
                                    f"in {limit:.0f} s")
        self._raise_errors()

    def close(self, timeout: float | None = None) -> None:
        """Deliver what is queued (unless a record already failed), drop the rest and
        destroy the client (no reconnecting in the background once closed)."""
        if self._producer is None:
            return
        try:
            if not self.failed:
                self.flush(timeout)
        finally:
            self._producer.purge(in_queue=True, in_flight=True)
            self._producer.poll(0)
            self._producer = self._produce = None


# ------------------------------------------------------------------ event encoding

_EVENT_FIELDS = (  # (Event attribute, Avro field, Avro type) of schemas/mention.avsc and reply.avsc
    ("kind", "kind", "string"), ("event_id", "event_id", "string"),
    ("conversation_id", "conversation_id", "string"), ("in_reply_to", "in_reply_to", ["null", "string"]),
    ("brand", "brand", "string"), ("author_id", "author_id", "string"), ("author_role", "author_role", "string"),
    ("author_followers", "author_followers", ["null", "long"]), ("text", "text", "string"),
    ("lang", "lang", ["null", "string"]), ("created_at_ms", "created_at", "long"),
)


def _varint(n: int) -> bytes:
    """Avro long: zig-zag, then base-128 varint."""
    return _uvarint((n << 1) ^ (n >> 63))


def _uvarint(n: int) -> bytes:
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


_LEN = [_varint(n) for n in range(16384)]  # Avro longs 0..16383 (string lengths, small counts)
_U14 = [_uvarint(z) for z in range(16384)]
_LOW14 = [bytes(((z & 0x7F) | 0x80, ((z >> 7) & 0x7F) | 0x80)) for z in range(16384)]  # 2 varint bytes, more follow
_HIGH: dict[int, bytes] = {}  # varint of zigzag >> 14, for times: consecutive events share it


def _long(n: int) -> bytes:
    z = (n << 1) ^ (n >> 63)
    if z < 16384:
        return _U14[z]
    high = _HIGH.get(z >> 14)
    if high is None:
        if len(_HIGH) > 100_000:
            _HIGH.clear()
        high = _HIGH[z >> 14] = _uvarint(z >> 14)
    return _LOW14[z & 0x3FFF] + high


def _field_type(field: dict):
    t = field["type"]
    return t["type"] if isinstance(t, dict) and set(t) == {"type"} else t


class EventEncoder:
    """codec.encode_event, byte for byte, for Events that validate_record built and the
    current event schemas (any other shape, or an unknown kind: codec.encode_event)."""

    def __init__(self):
        fast = all([(f["name"], _field_type(f)) for f in schemas.get(kind).wire["fields"]]
                   == [(name, t) for _, name, t in _EVENT_FIELDS] for kind in ("mention", "reply"))
        # header + kind, per kind; empty when the schemas are not the ones encode() writes
        self._prefix = {k: schemas.get(k).header + self._str(k) for k in ("mention", "reply")} if fast else {}
        self._memo: dict[str, bytes] = {}  # small-domain strings (brand, role), encoded
        self._opt_memo: dict[str | None, bytes] = {None: b"\x00"}  # optional small strings (lang)

    @staticmethod
    def _str(s: str) -> bytes:
        b = s.encode()
        n = len(b)
        return (_LEN[n] if n < 16384 else _varint(n)) + b

    def _remember(self, s: str, optional: bool = False) -> bytes:
        memo = self._opt_memo if optional else self._memo
        if len(memo) > 10_000:
            memo.clear()
            if optional:
                memo[None] = b"\x00"
        b = memo[s] = (b"\x02" if optional else b"") + self._str(s)
        return b

    def encode(self, e) -> bytes:
        L = _LEN
        try:
            prefix = self._prefix[e.kind]
            eid, aid, text = e.event_id.encode(), e.author_id.encode(), e.text.encode()
            cid = eid if e.conversation_id == e.event_id else e.conversation_id.encode()
            reply_to, followers, n = e.in_reply_to, e.author_followers, len(text)
            return b"".join((
                prefix, L[len(eid)], eid, L[len(cid)], cid,
                b"\x00" if reply_to is None else b"\x02" + self._str(reply_to),
                self._memo.get(e.brand) or self._remember(e.brand), L[len(aid)], aid,
                self._memo.get(e.author_role) or self._remember(e.author_role),
                b"\x00" if followers is None else b"\x02" + _long(followers),
                L[n] if n < 16384 else _varint(n), text,
                self._opt_memo.get(e.lang) or self._remember(e.lang, True),
                _long(e.created_at_ms),
            ))
        except (KeyError, IndexError):  # not the current schemas; an id over 16 KiB
            return codec.encode_event(e)
