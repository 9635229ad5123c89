"""Encode+decode throughput of the event codec: fastavro vs the `avro` package.

    .venv/bin/python bench/codec_bench.py [--events N] [--rounds R]

Prints events/s (one encode + one decode per event, best of R rounds) for:
- fastavro: schemaless_writer + schemaless_reader on the mention/reply schema,
- avro: the `avro` package's DatumWriter + DatumReader on the same schema,
- ratio fastavro / avro (the hot path must use the faster one),
- codec: cluetrain's encode_event + decode_event (fastavro, single-object header,
  trailing-byte check and full validate_record): what the worker really pays.
"""
from __future__ import annotations

import argparse
import io
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import avro.io  # noqa: E402
import avro.schema  # noqa: E402
from fastavro import schemaless_reader, schemaless_writer  # noqa: E402

from cluetrain.codec import wire as codec, schemas  # noqa: E402
from cluetrain.domain.events import Event  # noqa: E402

WORDS = ("merci", "toujours", "pas", "de", "réponse", "thanks", "still", "waiting", "order", "#fail",
         "😡", "🙏", "livraison", "refund", "please", "help", "@acme", "bonjour", "ça", "marche")


def make_events(n: int, seed: int = 7) -> list[Event]:
    rng = random.Random(seed)
    out = []
    t0 = 1_700_000_000_000
    for i in range(n):
        reply = i % 3 != 0
        conv = f"c{i // 3}"
        out.append(Event(
            kind="reply" if reply else "mention",
            event_id=f"e{i}" if reply else conv,
            conversation_id=conv,
            in_reply_to=conv if reply else None,
            brand=rng.choice(("acme", "globex", "initech")),
            author_id=f"u{rng.randrange(10_000)}",
            author_role=rng.choice(("customer", "brand", "employee")) if reply else "customer",
            author_followers=rng.choice((None, rng.randrange(1_000_000))),
            text=" ".join(rng.choice(WORDS) for _ in range(rng.randrange(3, 40))),
            lang=rng.choice((None, "fr", "en")),
            created_at_ms=t0 + i * 1234,
        ))
    return out


def record(e: Event) -> dict:
    return e.to_record()


def bench(fn, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    events = make_events(args.events)
    records = [(e.kind, record(e)) for e in events]
    wire = {k: schemas.get(k).wire for k in ("mention", "reply")}
    # the avro package with the same schemas (logical types stripped too: same work, ints out)
    avsc = {k: avro.schema.parse(json.dumps(schemas.strip_logical_types(schemas.get(k).raw)))
            for k in ("mention", "reply")}
    writers = {k: avro.io.DatumWriter(s) for k, s in avsc.items()}
    readers = {k: avro.io.DatumReader(s, s) for k, s in avsc.items()}

    def run_fastavro():
        for kind, rec in records:
            buf = io.BytesIO()
            schemaless_writer(buf, wire[kind], rec)
            buf.seek(0)
            schemaless_reader(buf, wire[kind], None)

    avro_records = records[: max(1, len(records) // 5)]  # the avro package is slow: time a fifth

    def run_avro():
        for kind, rec in avro_records:
            buf = io.BytesIO()
            writers[kind].write(rec, avro.io.BinaryEncoder(buf))
            buf.seek(0)
            readers[kind].read(avro.io.BinaryDecoder(buf))

    def run_codec():
        for e in events:
            codec.decode_event(codec.encode_event(e), topic_kind=e.kind, content_type=None,
                               clock_ms=None, max_future_s=86_400, max_text_bytes=100_000)

    def run_codec_encode():
        for e in events:
            codec.encode_event(e)

    payloads = [(e.kind, codec.encode_event(e)) for e in events]

    def run_codec_decode():
        for kind, p in payloads:
            codec.decode_event(p, topic_kind=kind, content_type=None,
                               clock_ms=None, max_future_s=86_400, max_text_bytes=100_000)

    # sanity: both libraries write the same bytes and read the same record
    kind, rec = records[1]
    b1 = io.BytesIO(); schemaless_writer(b1, wire[kind], rec)
    b2 = io.BytesIO(); writers[kind].write(rec, avro.io.BinaryEncoder(b2))
    assert b1.getvalue() == b2.getvalue(), "fastavro and avro disagree on the bytes"

    n = len(events)
    t_avro = bench(run_avro, args.rounds) * n / len(avro_records)
    t_fast = bench(run_fastavro, args.rounds)
    t_codec = bench(run_codec, args.rounds)
    t_enc = bench(run_codec_encode, args.rounds)
    t_dec = bench(run_codec_decode, args.rounds)
    size = sum(len(p) for _, p in payloads) / n
    print(f"events: {n}, mean payload {size:.0f} bytes (single-object header included)")
    print(f"fastavro encode+decode: {n / t_fast:12,.0f} events/s")
    print(f"avro     encode+decode: {n / t_avro:12,.0f} events/s")
    print(f"ratio fastavro/avro   : {t_avro / t_fast:12.1f} x")
    print(f"codec encode_event    : {n / t_enc:12,.0f} events/s")
    print(f"codec decode_event    : {n / t_dec:12,.0f} events/s (with validate_record)")
    print(f"codec encode+decode   : {n / t_codec:12,.0f} events/s")


if __name__ == "__main__":
    main()
