"""The .avsc files, with the `avro` package (the reference implementation) as authority.

- every record and field is documented; shapes follow DESIGN.md;
- adding an optional field (with a default) keeps both directions readable:
  a new reader reads old data (backward) and an old reader reads new data (forward),
  as decided by avro's compatibility checker and by actually resolving data with
  avro's DatumReader; fastavro (the hot path) must resolve to the same records;
- the single-object fingerprint is the one of the specification;
- the codec reads records written with a retired schema version.
"""
from __future__ import annotations

import copy
import io
import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import avro.errors
import avro.io
import avro.schema
import fastavro
import pytest
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

from cluetrain.codec import wire as codec, schemas
from cluetrain.domain.events import FIELDS, BadEvent, Event

UTC = timezone.utc
T0 = datetime(2024, 1, 1, 12, 30, 15, 123_000, tzinfo=UTC)
SAMPLES = {
    "mention": {
        "kind": "mention", "event_id": "m1", "conversation_id": "m1", "in_reply_to": None, "brand": "acme",
        "author_id": "cust1", "author_role": "customer", "author_followers": 42,
        "text": "toujours pas de réponse 😡", "lang": "fr", "created_at": T0,
    },
    "reply": {
        "kind": "reply", "event_id": "r1", "conversation_id": "m1", "in_reply_to": "m1", "brand": "acme",
        "author_id": "agent", "author_role": "employee", "author_followers": None,
        "text": "On regarde\nMarie", "lang": None, "created_at": T0 + timedelta(minutes=5),
    },
    "dead_letter": {
        "received_at": T0, "source": "mentions/2@17", "source_topic": "mentions", "source_partition": 2,
        "source_offset": 17, "reason": "missing field: created_at", "payload": b"\xc3\x01\x00garbage",
        "content_type": None, "payload_size": 10, "payload_sha256": "ab" * 32,
    },
    "alert": {
        "alert_id": "m1:0", "kind": "ignored_conversation", "brand": "acme", "conversation_id": "m1",
        "fired_at": T0, "resolved_at": T0 + timedelta(hours=2), "severity": "warning",
        "details": '{"sla_s":3600}',
    },
}
NEW_FIELDS = [
    {"name": "origin", "type": ["null", "string"], "default": None,
     "doc": "A future optional field (nullable, default null)."},
    {"name": "revision", "type": "int", "default": 0, "doc": "A future field with a non-null default."},
]
NEW_VALUES = {"origin": "connector-x", "revision": 3}
DEFAULTS = {"origin": None, "revision": 0}


def raw(name: str) -> dict:
    return copy.deepcopy(schemas.get(name).raw)


def evolved(name: str, fields=NEW_FIELDS) -> dict:
    new = raw(name)
    new["fields"] += copy.deepcopy(fields)
    return new


def parse(schema: dict) -> avro.schema.Schema:
    return avro.schema.parse(json.dumps(schema))


def avro_write(schema: dict, record: dict) -> bytes:
    buf = io.BytesIO()
    avro.io.DatumWriter(parse(schema)).write(record, avro.io.BinaryEncoder(buf))
    return buf.getvalue()


def avro_read(data: bytes, writer: dict, reader: dict) -> dict:
    decoder = avro.io.BinaryDecoder(io.BytesIO(data))
    return avro.io.DatumReader(parse(writer), parse(reader)).read(decoder)


def fastavro_read(data: bytes, writer: dict, reader: dict) -> dict:
    buf = io.BytesIO(data)
    out = fastavro.schemaless_reader(buf, fastavro.parse_schema(writer), fastavro.parse_schema(reader))
    assert buf.tell() == len(data)
    return out


def compatible(reader: dict, writer: dict) -> bool:
    result = ReaderWriterCompatibilityChecker().get_compatibility(parse(reader), parse(writer))
    return result.compatibility is SchemaCompatibilityType.compatible


# --- the files ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", schemas.NAMES)
def test_parses_with_the_reference_implementation(name):
    schema = parse(raw(name))
    assert schema.type == "record"
    assert schema.namespace == "io.cluetrain.v1"
    assert schemas.get(name).full_name == schema.fullname


@pytest.mark.parametrize("name", schemas.NAMES)
def test_every_record_and_field_has_a_doc(name):
    def walk(node, where):
        if isinstance(node, list):
            for branch in node:
                walk(branch, where)
        elif isinstance(node, dict) and node.get("type") == "record":
            assert isinstance(node.get("doc"), str) and len(node["doc"].strip()) >= 10, f"{where}: no doc"
            for f in node["fields"]:
                assert isinstance(f.get("doc"), str) and len(f["doc"].strip()) >= 10, f"{where}.{f['name']}: no doc"
                walk(f["type"], f"{where}.{f['name']}")
    walk(raw(name), name)
    # and the reference implementation keeps them
    for f in parse(raw(name)).fields:
        assert f.doc, f"{name}.{f.name}: doc lost"


@pytest.mark.parametrize("name", schemas.NAMES)
def test_nullable_fields_are_null_first_with_null_default(name):
    for f in raw(name)["fields"]:
        if isinstance(f["type"], list):
            assert f["type"][0] == "null" and len(f["type"]) == 2, f["name"]
            assert "default" in f and f["default"] is None, f["name"]


@pytest.mark.parametrize("name,field", [
    ("mention", "created_at"), ("reply", "created_at"), ("dead_letter", "received_at"),
    ("alert", "fired_at"), ("alert", "resolved_at"),
])
def test_times_are_timestamp_millis(name, field):
    (f,) = [f for f in raw(name)["fields"] if f["name"] == field]
    t = f["type"][1] if isinstance(f["type"], list) else f["type"]
    assert t == {"type": "long", "logicalType": "timestamp-millis"}


@pytest.mark.parametrize("name", ["mention", "reply"])
def test_event_schemas_match_the_event_model(name):
    fields = {f["name"]: f for f in raw(name)["fields"]}
    assert tuple(fields) == FIELDS
    assert fields["kind"]["type"] == "string" and "enum" in fields["kind"]["doc"]
    assert fields["author_role"]["type"] == "string"
    assert fields["author_followers"]["type"] == ["null", "long"]
    assert set(fields) == {f.replace("created_at_ms", "created_at") for f in Event.__dataclass_fields__}


def test_alert_and_dead_letter_columns():
    assert schemas.get("alert").field_names == (
        "alert_id", "kind", "brand", "conversation_id", "fired_at", "resolved_at", "severity", "details")
    names = schemas.get("dead_letter").field_names
    for column in ("received_at", "source", "source_topic", "source_partition", "source_offset", "reason", "payload"):
        assert column in names
    fields = {f["name"]: f for f in raw("dead_letter")["fields"]}
    assert fields["payload"]["type"] == "bytes"


def test_fingerprints_are_the_specifications():
    """CRC-64-AVRO of the parsing canonical form, little-endian (as Java writes it).

    The avro package keeps {"type":"long"} for a logical type in its canonical form, where the
    specification ([PRIMITIVES] rule) and Java write "long"; its fingerprint of the spec's
    canonical form is the authority."""
    seen = set()
    for name in schemas.NAMES:
        ours = schemas.get(name)
        canonical = schemas.canonical_form(ours.raw)
        assert canonical == parse(ours.raw).canonical_form.replace('{"type":"long"}', '"long"')
        assert ours.fingerprint == parse(json.loads(canonical)).fingerprint("CRC-64-AVRO")
        assert ours.header == b"\xc3\x01" + ours.fingerprint
        seen.add(ours.fingerprint)
    assert len(seen) == len(schemas.NAMES)


def test_docs_and_defaults_do_not_change_the_fingerprint():
    new = raw("mention")
    new["doc"] = "changed"
    new["fields"][0]["doc"] = "changed too"
    assert schemas.fingerprint(new) == schemas.get("mention").fingerprint
    assert schemas.fingerprint(evolved("mention")) != schemas.get("mention").fingerprint


# --- the same bytes from both libraries ----------------------------------------------------

@pytest.mark.parametrize("name", schemas.NAMES)
def test_fastavro_and_avro_write_the_same_bytes(name):
    schema = raw(name)
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, fastavro.parse_schema(schema), SAMPLES[name])
    assert buf.getvalue() == avro_write(schema, SAMPLES[name])
    assert avro_read(buf.getvalue(), schema, schema) == SAMPLES[name]
    assert fastavro_read(buf.getvalue(), schema, schema) == SAMPLES[name]


# --- evolution -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", schemas.NAMES)
def test_adding_optional_fields_is_compatible_both_ways(name):
    old, new = raw(name), evolved(name)
    assert compatible(reader=new, writer=old), "a new reader must read old data"
    assert compatible(reader=old, writer=new), "an old reader must read new data"


@pytest.mark.parametrize("name", schemas.NAMES)
def test_new_reader_reads_old_data(name):
    old, new = raw(name), evolved(name)
    data = avro_write(old, SAMPLES[name])
    expected = SAMPLES[name] | DEFAULTS
    assert avro_read(data, writer=old, reader=new) == expected
    assert fastavro_read(data, writer=old, reader=new) == expected


@pytest.mark.parametrize("name", schemas.NAMES)
def test_old_reader_reads_new_data(name):
    old, new = raw(name), evolved(name)
    data = avro_write(new, SAMPLES[name] | NEW_VALUES)
    assert avro_read(data, writer=new, reader=old) == SAMPLES[name]
    assert fastavro_read(data, writer=new, reader=old) == SAMPLES[name]


def test_the_checker_does_reject_a_field_without_default():
    """Negative control: the machinery above can fail."""
    old = raw("mention")
    new = evolved("mention", [{"name": "origin", "type": "string", "doc": "required: breaks old data"}])
    assert not compatible(reader=new, writer=old)
    data = avro_write(old, SAMPLES["mention"])
    with pytest.raises(avro.errors.AvroException):
        avro_read(data, writer=old, reader=new)
    with pytest.raises(Exception):
        fastavro_read(data, writer=old, reader=new)


def test_kind_as_enum_would_make_a_future_kind_unreadable():
    """Why kind is a string: an old enum reader cannot read a symbol added later."""
    def with_kind(schema: dict, kind_type) -> dict:
        schema = copy.deepcopy(schema)
        schema["fields"][0]["type"] = kind_type
        return schema
    old_enum = with_kind(raw("mention"), {"type": "enum", "name": "Kind", "symbols": ["mention", "reply"]})
    new_enum = with_kind(raw("mention"), {"type": "enum", "name": "Kind", "symbols": ["mention", "reply", "quote"]})
    data = avro_write(new_enum, SAMPLES["mention"] | {"kind": "quote"})
    with pytest.raises(avro.errors.AvroException):
        avro_read(data, writer=new_enum, reader=old_enum)
    # as a string, the record decodes and validation dead-letters it with a precise reason
    data = avro_write(raw("mention"), SAMPLES["mention"] | {"kind": "quote"})
    assert avro_read(data, writer=raw("mention"), reader=raw("mention"))["kind"] == "quote"
    payload = schemas.get("mention").header + data
    with pytest.raises(BadEvent, match="unknown kind: 'quote'"):
        codec.decode_event(payload, topic_kind="mention", content_type=None, clock_ms=None,
                           max_future_s=86_400, max_text_bytes=100_000)


# --- the codec across versions ----------------------------------------------------------------

@pytest.fixture
def upgraded_registry(tmp_path: Path, monkeypatch):
    """A worker whose schemas/ has a newer mention.avsc and keeps the old one as mention.v1.avsc."""
    for name in schemas.NAMES:
        shutil.copy(schemas.get(name).path, tmp_path / f"{name}.avsc")
    shutil.copy(schemas.get("mention").path, tmp_path / "mention.v1.avsc")
    (tmp_path / "mention.avsc").write_text(json.dumps(evolved("mention"), indent=2))
    registry = schemas.Registry.load(tmp_path)
    monkeypatch.setattr(schemas, "registry", lambda: registry)
    return registry


EVENT = Event(kind="mention", event_id="m9", conversation_id="m9", in_reply_to=None, brand="acme",
              author_id="c", author_role="customer", author_followers=None, text="allô ?", lang="fr",
              created_at_ms=1_704_067_200_001)


def _decode(payload: bytes) -> Event:
    return codec.decode_event(payload, topic_kind="mention", content_type=None, clock_ms=None,
                              max_future_s=86_400, max_text_bytes=100_000)


def test_codec_reads_data_of_a_retired_version(upgraded_registry):
    old_schema = json.loads((upgraded_registry.directory / "mention.v1.avsc").read_text())
    old_fp = schemas.fingerprint(old_schema)
    old_payload = b"\xc3\x01" + old_fp + _body(EVENT, old_schema)
    assert upgraded_registry.by_fingerprint[old_fp].name == "mention.v1"
    assert upgraded_registry["mention"].fingerprint != old_fp
    assert _decode(old_payload) == EVENT
    # and what the upgraded worker writes now reads back too
    new_payload = codec.encode_event(EVENT)
    assert new_payload[2:10] == upgraded_registry["mention"].fingerprint
    assert _decode(new_payload) == EVENT


def test_an_old_worker_dead_letters_an_unknown_newer_version():
    """Readers are upgraded before writers: an unknown fingerprint is a precise dead letter
    (with the raw bytes, so it can be replayed once the worker knows the schema)."""
    new = evolved("mention")
    payload = b"\xc3\x01" + schemas.fingerprint(new) + _body(EVENT, new)
    with pytest.raises(BadEvent, match="unknown writer schema fingerprint"):
        _decode(payload)


def _body(event: Event, schema: dict) -> bytes:
    buf = io.BytesIO()
    record = event.to_record() | DEFAULTS  # (fastavro ignores keys the schema does not have)
    fastavro.schemaless_writer(buf, fastavro.parse_schema(schemas.strip_logical_types(schema)), record)
    return buf.getvalue()


def test_registry_errors(tmp_path: Path):
    with pytest.raises(schemas.SchemaError, match="not found"):
        schemas.Registry.load(tmp_path / "nope")
    with pytest.raises(schemas.SchemaError, match="missing schema file"):
        schemas.Registry.load(tmp_path)
    (tmp_path / "mention.avsc").write_text("{not json")
    with pytest.raises(schemas.SchemaError, match="mention.avsc"):
        schemas.Registry.load(tmp_path)
