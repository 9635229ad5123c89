"""The event model and its validation (pure: no I/O, no clock).

DESIGN.md § Events (JSON Lines interchange format; Avro on the topics).

Times are integer milliseconds since the epoch, UTC. Validation turns a decoded
record (a dict from JSON or Avro) into an Event, or raises BadEvent with a precise
one-line reason that ends up in dead_letters.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

KINDS = ("mention", "reply")
ROLES = ("customer", "brand", "employee")
FIELDS = (
    "kind", "event_id", "conversation_id", "in_reply_to", "brand", "author_id",
    "author_role", "author_followers", "text", "lang", "created_at",
)
REQUIRED_STRINGS = ("event_id", "conversation_id", "brand", "author_id", "text")
_ID_STRINGS = REQUIRED_STRINGS[:-1]
assert REQUIRED_STRINGS[-1] == "text"
_FIELD_SET = frozenset(FIELDS)
MAX_ID_CHARS = 256
MAX_FOLLOWERS = 2**63 - 1  # Avro long / ClickHouse Int64
TOPIC_OF_KIND = {"mention": "mentions", "reply": "replies"}
# fullmatch, not match + "$" (which accepts a trailing newline); ASCII digits only
# (\d would accept e.g. Arabic-Indic digits, which int() then happily converts).
_LANG = re.compile(r"[a-z]{2}")
# RFC 3339 with a mandatory offset; fraction optional. Lower-case t/z are legal too.
_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


class BadEvent(ValueError):
    """Input that cannot become an Event; str(exc) is the dead-letter reason."""


@dataclass(frozen=True, slots=True)
class Event:
    kind: str
    event_id: str
    conversation_id: str
    in_reply_to: str | None
    brand: str
    author_id: str
    author_role: str
    author_followers: int | None
    text: str
    lang: str | None
    created_at_ms: int

    @property
    def is_customer_message(self) -> bool:
        return self.kind == "mention" or self.author_role == "customer"

    @property
    def is_brand_side(self) -> bool:
        return self.kind == "reply" and self.author_role in ("brand", "employee")

    @property
    def sort_key(self) -> tuple[int, str]:
        """Within a conversation, posts are ordered by (created_at, event_id).

        DESIGN.md § Metric definitions (per brand, event time).
        """
        return (self.created_at_ms, self.event_id)

    def to_json_dict(self) -> dict:
        out = asdict(self)
        del out["created_at_ms"]
        out["created_at"] = format_rfc3339(self.created_at_ms)
        return out

    def to_record(self) -> dict:
        """The Avro record (created_at as timestamp-millis long)."""
        out = asdict(self)
        out["created_at"] = out.pop("created_at_ms")
        return out


def parse_rfc3339_ms(value: str) -> int:
    """RFC 3339 timestamp -> epoch milliseconds (UTC). Raises ValueError.

    The fraction is truncated to the millisecond. A leap second (second 60) becomes
    the last millisecond of second 59, so that it still sorts after every earlier post.
    """
    m = _RFC3339.fullmatch(value)
    if not m:
        raise ValueError(f"not an RFC 3339 timestamp: {value[:64]!r}")
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    frac, offset = m.group(7), m.group(8)
    if second > 60:
        raise ValueError(f"second out of range in {value[:64]!r}")
    try:
        dt = datetime(year, month, day, hour, minute, min(second, 59), tzinfo=timezone.utc)
    except ValueError as exc:
        raise ValueError(f"invalid date or time in {value[:64]!r}: {exc}") from None
    if second == 60:
        millis = 999
    else:
        millis = int((frac[1:] + "00")[:3]) if frac else 0
    ms = int(dt.timestamp()) * 1000 + millis
    if offset not in ("Z", "z"):
        sign = 1 if offset[0] == "+" else -1
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        if hours > 23 or minutes > 59:
            raise ValueError(f"bad UTC offset in {value[:64]!r}")
        ms -= sign * (hours * 3600 + minutes * 60) * 1000
    return ms


def format_rfc3339(ms: int) -> str:
    dt = datetime.fromtimestamp(ms // 1000, tz=timezone.utc)
    base = dt.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{ms % 1000:03d}Z" if ms % 1000 else base + "Z"


def validate_record(
    record: object,
    *,
    clock_ms: int | None = None,
    max_future_s: int = 86_400,
    max_text_bytes: int = 100_000,
    expected_kind: str | None = None,
) -> Event:
    """Check a decoded record against DESIGN.md § Events (JSON Lines interchange format;
    Avro on the topics); return the Event or raise BadEvent.

    `created_at` may be an RFC 3339 string (JSON) or epoch milliseconds (Avro).
    `clock_ms` is the stream clock: events dated more than max_future_s after it are
    rejected. `expected_kind` rejects a mention on the replies topic and vice versa.
    """
    if not isinstance(record, dict):
        raise BadEvent(f"not an object: got {type(record).__name__}")
    if not record.keys() >= _FIELD_SET:  # one C-level test; the loop names the first missing
        for name in FIELDS:
            if name not in record:
                raise BadEvent(f"missing field: {name}")
    kind = record["kind"]
    if kind not in KINDS:
        raise BadEvent(f"unknown kind: {str(kind)[:64]!r}")
    if expected_kind is not None and kind != expected_kind:
        raise BadEvent(f"kind {kind!r} on the {TOPIC_OF_KIND.get(expected_kind, expected_kind)} topic")
    for name in _ID_STRINGS:  # REQUIRED_STRINGS but text, in the same order (text is last)
        value = record[name]
        if not isinstance(value, str):
            raise BadEvent(f"field {name}: expected string, got {type(value).__name__}")
        if not value.strip():
            raise BadEvent(f"field {name}: empty")
        if len(value) > MAX_ID_CHARS:
            raise BadEvent(f"field {name}: longer than {MAX_ID_CHARS} characters")
        if not value.isascii():
            _check_unicode(name, value)
    text = record["text"]
    if not isinstance(text, str):
        raise BadEvent(f"field text: expected string, got {type(text).__name__}")
    if not text.isascii():
        _check_unicode("text", text)
    if len(text) > max_text_bytes // 4 and len(text.encode("utf-8", "surrogatepass")) > max_text_bytes:
        raise BadEvent(f"field text: over {max_text_bytes} bytes")
    brand = record["brand"]
    if brand != brand.lower():
        raise BadEvent(f"field brand: not lower-case: {brand[:64]!r}")
    role = record["author_role"]
    if role not in ROLES:
        raise BadEvent(f"unknown author_role: {str(role)[:64]!r}")
    in_reply_to = record["in_reply_to"]
    if in_reply_to is not None and (not isinstance(in_reply_to, str) or not in_reply_to.strip()):
        raise BadEvent("field in_reply_to: expected a non-empty string or null")
    if in_reply_to is not None:
        if len(in_reply_to) > MAX_ID_CHARS:
            raise BadEvent(f"field in_reply_to: longer than {MAX_ID_CHARS} characters")
        _check_unicode("in_reply_to", in_reply_to)
    if kind == "reply" and in_reply_to is None:
        raise BadEvent("reply without in_reply_to")
    if kind == "mention":
        if in_reply_to is not None:
            raise BadEvent("mention with in_reply_to (a mention starts a conversation)")
        if role != "customer":
            raise BadEvent(f"mention by author_role {role!r} (mentions are by customers)")
        if record["conversation_id"] != record["event_id"]:
            raise BadEvent("mention whose conversation_id is not its event_id")
    if kind == "reply" and in_reply_to == record["event_id"]:
        raise BadEvent("reply to itself")
    followers = record["author_followers"]
    if followers is not None and (
        isinstance(followers, bool) or not isinstance(followers, int) or not 0 <= followers <= MAX_FOLLOWERS
    ):
        raise BadEvent(f"field author_followers: expected a non-negative integer or null, got {str(followers)[:32]!r}")
    lang = record["lang"]
    if lang is not None and (not isinstance(lang, str) or not _LANG.fullmatch(lang)):
        raise BadEvent(f"field lang: expected ISO 639-1 code or null, got {str(lang)[:32]!r}")
    created_at_ms = _created_at_ms(record["created_at"])
    if clock_ms is not None and created_at_ms > clock_ms + max_future_s * 1000:
        raise BadEvent(
            f"created_at {format_rfc3339(created_at_ms)} is more than {max_future_s} s after the stream clock {format_rfc3339(clock_ms)}"
        )
    return Event(
        kind=kind,
        event_id=record["event_id"],
        conversation_id=record["conversation_id"],
        in_reply_to=in_reply_to,
        brand=brand,
        author_id=record["author_id"],
        author_role=role,
        author_followers=followers,
        text=text,
        lang=lang,
        created_at_ms=created_at_ms,
    )


def _check_unicode(name: str, value: str) -> None:
    """Reject lone surrogates (possible from a JSON parser that accepts "\\ud800"):
    they cannot be encoded as UTF-8, so neither Avro nor ClickHouse could store them."""
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise BadEvent(f"field {name}: not valid Unicode ({exc.reason} at character {exc.start})") from None


MIN_MS = 0  # 1970-01-01: DateTime in ClickHouse starts there (created_at and clock headers)
MAX_MS = 4_102_444_800_000  # 2100-01-01: beyond ClickHouse DateTime's range


def _created_at_ms(value: object) -> int:
    if isinstance(value, bool):
        raise BadEvent("field created_at: expected RFC 3339 string, got bool")
    if isinstance(value, int):
        ms = value
    elif isinstance(value, str):
        try:
            ms = parse_rfc3339_ms(value)
        except ValueError as exc:
            raise BadEvent(f"field created_at: {exc}") from None
    else:
        raise BadEvent(f"field created_at: expected RFC 3339 string, got {type(value).__name__}")
    if not MIN_MS <= ms < MAX_MS:
        raise BadEvent(f"field created_at: out of range (1970..2100): {value!r}")
    return ms
