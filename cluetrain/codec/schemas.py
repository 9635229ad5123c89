"""The Avro schemas of the topics, loaded from the repository's `schemas/*.avsc`.

Layout of `schemas/`:
- `<name>.avsc` is the current schema of `<name>` (mention, reply, dead_letter, alert):
  the one writers use and readers resolve to.
- `<name>.<version>.avsc` (e.g. `mention.v1.avsc`) is a retired version, kept only so
  that records written with it (months of history on a topic) stay readable.

Every topic value is Avro *single-object encoded* (Avro specification): the two
bytes C3 01, the 8-byte CRC-64-AVRO fingerprint of the writer schema's parsing
canonical form (little-endian, as Java writes it), then the Avro binary body. The
fingerprint tells a reader which schema wrote the body, so a reader with a newer
schema reads old records (and readers can be upgraded before writers).

For the hot path the schemas are parsed with `fastavro.parse_schema` after removing
`logicalType` (the bytes are the same; times stay epoch-millisecond ints instead of
becoming datetimes, which is what `Event.created_at_ms` wants). The `avro` package is
the authority in tests (tests/unit/codec/test_schemas.py).
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import fastavro
from fastavro.schema import fingerprint as _fingerprint
from fastavro.schema import to_parsing_canonical_form

import cluetrain

SCHEMAS_DIR = Path(cluetrain.__file__).resolve().parent.parent / "schemas"
NAMES = ("mention", "reply", "dead_letter", "alert")
MAGIC = b"\xc3\x01"  # Avro single-object encoding marker
HEADER_LEN = 10  # MAGIC + 8-byte fingerprint


class SchemaError(RuntimeError):
    """The schemas directory is missing or holds an unusable schema."""


def strip_logical_types(schema: Any) -> Any:
    """A deep copy of a schema (JSON form) without any `logicalType` annotation."""
    if isinstance(schema, dict):
        return {k: strip_logical_types(v) for k, v in schema.items() if k != "logicalType"}
    if isinstance(schema, list):
        return [strip_logical_types(v) for v in schema]
    return copy.deepcopy(schema)


def canonical_form(schema: Any) -> str:
    """Parsing canonical form (Avro specification) of a schema in JSON form."""
    return to_parsing_canonical_form(fastavro.parse_schema(schema))


def fingerprint(schema: Any) -> bytes:
    """CRC-64-AVRO fingerprint of a schema, the 8 bytes written after MAGIC."""
    return bytes.fromhex(_fingerprint(canonical_form(schema), "CRC-64-AVRO"))


@dataclass(frozen=True)
class Schema:
    """One .avsc file."""
    name: str  # file name without .avsc, e.g. "mention" or "mention.v1"
    base: str  # "mention"
    path: Path
    raw: dict  # the JSON as written in the file (the authority, with docs and logical types)
    full_name: str  # e.g. "io.cluetrain.v1.Mention"
    fingerprint: bytes
    wire: Any = field(repr=False)  # fastavro-parsed, logical types removed: the hot path

    @property
    def header(self) -> bytes:
        return MAGIC + self.fingerprint

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f["name"] for f in self.raw["fields"])


@dataclass(frozen=True)
class Registry:
    """The schemas of a directory: current ones by name, all by fingerprint."""
    directory: Path
    current: dict[str, Schema]
    by_fingerprint: dict[bytes, Schema]

    def __getitem__(self, name: str) -> Schema:
        return self.current[name]

    @classmethod
    def load(cls, directory: Path | str = SCHEMAS_DIR, names: tuple[str, ...] = NAMES) -> "Registry":
        directory = Path(directory)
        if not directory.is_dir():
            raise SchemaError(
                f"schemas directory not found: {directory} (cluetrain reads its Avro schemas from the repository's schemas/)"
            )
        current: dict[str, Schema] = {}
        by_fp: dict[bytes, Schema] = {}
        for path in sorted(directory.glob("*.avsc")):
            schema = _load(path)
            other = by_fp.get(schema.fingerprint)
            if other is not None and other.full_name != schema.full_name:
                raise SchemaError(f"{path.name} and {other.path.name} have the same fingerprint")
            # A retired version identical on the wire to the current one: keep the current.
            if other is None or schema.name == schema.base:
                by_fp[schema.fingerprint] = schema
            if schema.name == schema.base:
                current[schema.name] = schema
        missing = [n for n in names if n not in current]
        if missing:
            raise SchemaError(f"missing schema file(s) in {directory}: {', '.join(n + '.avsc' for n in missing)}")
        return cls(directory, current, by_fp)


def _load(path: Path) -> Schema:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        wire = fastavro.parse_schema(strip_logical_types(raw))
        fp = fingerprint(raw)
    except (OSError, ValueError, fastavro.schema.SchemaParseException) as exc:
        raise SchemaError(f"{path}: {exc}") from None
    if not isinstance(raw, dict) or raw.get("type") != "record":
        raise SchemaError(f"{path}: the top level must be a record")
    full = raw["name"] if "." in raw["name"] else f"{raw.get('namespace', '')}.{raw['name']}".lstrip(".")
    name = path.name[: -len(".avsc")]
    return Schema(name=name, base=name.split(".", 1)[0], path=path, raw=raw, full_name=full,
                  fingerprint=fp, wire=wire)


@cache
def registry() -> Registry:
    """The registry of the repository's schemas/ directory (loaded once)."""
    return Registry.load(SCHEMAS_DIR)


def get(name: str) -> Schema:
    """Current schema by name: 'mention', 'reply', 'dead_letter' or 'alert'."""
    return registry()[name]


def parsed(name: str) -> Any:
    """fastavro-parsed current schema *with* its logical types (times as datetimes)."""
    return fastavro.parse_schema(get(name).raw)
