"""cluetrain.domain.events: RFC 3339 parsing and record validation edge cases."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from cluetrain.domain.events import (
    MAX_FOLLOWERS,
    BadEvent,
    Event,
    format_rfc3339,
    parse_rfc3339_ms,
    validate_record,
)

T = 1_704_067_200_000  # 2024-01-01T00:00:00Z


def ms(*args) -> int:
    return int(datetime(*args, tzinfo=timezone.utc).timestamp() * 1000)


# --- parse_rfc3339_ms -----------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("2024-01-01T00:00:00Z", T),
    ("2024-01-01T00:00:00z", T),
    ("2024-01-01t00:00:00Z", T),
    ("2024-01-01 00:00:00Z", T),  # RFC 3339 5.6 NOTE allows a space
    ("2024-01-01T00:00:00+00:00", T),
    ("2024-01-01T00:00:00-00:00", T),
    ("2024-01-01T01:00:00+01:00", T),
    ("2023-12-31T19:00:00-05:00", T),
    ("2024-01-01T05:30:00+05:30", T),
    ("2023-12-31T23:15:00-00:45", T),
    ("2024-01-01T23:59:00+23:59", T),
    ("2024-01-01T00:30:00+01:00", ms(2023, 12, 31, 23, 30)),  # the offset crosses the year
    ("2024-01-01T00:00:00.1Z", T + 100),
    ("2024-01-01T00:00:00.12Z", T + 120),
    ("2024-01-01T00:00:00.123Z", T + 123),
    ("2024-01-01T00:00:00.1239Z", T + 123),  # truncated, not rounded
    ("2024-01-01T00:00:00.999999999Z", T + 999),
    ("2024-01-01T00:00:00.000000001Z", T),
    ("2024-01-01T00:00:00.5+01:00", T - 3_600_000 + 500),
    ("2024-02-29T12:00:00Z", ms(2024, 2, 29, 12)),  # leap year
    ("1970-01-01T00:00:00Z", 0),
    ("2099-12-31T23:59:59.999Z", 4_102_444_799_999),
])
def test_parse_valid(text, expected):
    assert parse_rfc3339_ms(text) == expected


def test_leap_second_is_the_last_millisecond_of_second_59():
    leap = parse_rfc3339_ms("2016-12-31T23:59:60Z")
    assert leap == ms(2016, 12, 31, 23, 59, 59) + 999
    assert parse_rfc3339_ms("2016-12-31T23:59:60.5Z") == leap  # the fraction cannot fit any more
    assert parse_rfc3339_ms("2016-12-31T23:59:59.998Z") < leap < parse_rfc3339_ms("2017-01-01T00:00:00Z")
    # with an offset, a leap second happens at another local minute
    assert parse_rfc3339_ms("2017-01-01T00:59:60+01:00") == leap


@pytest.mark.parametrize("text,message", [
    ("", "not an RFC 3339"),
    ("yesterday", "not an RFC 3339"),
    ("2024-01-01", "not an RFC 3339"),
    ("2024-01-01T00:00:00", "not an RFC 3339"),  # no offset: ambiguous
    ("2024-01-01T00:00Z", "not an RFC 3339"),
    ("2024-01-01T00:00:00.Z", "not an RFC 3339"),
    ("2024-01-01T00:00:00,5Z", "not an RFC 3339"),
    ("2024-01-01T00:00:00.1234567890Z", "not an RFC 3339"),  # 10 fraction digits
    ("2024-01-01T00:00:00+0100", "not an RFC 3339"),
    ("2024-01-01T00:00:00+01", "not an RFC 3339"),
    ("2024-1-01T00:00:00Z", "not an RFC 3339"),
    ("24-01-01T00:00:00Z", "not an RFC 3339"),
    (" 2024-01-01T00:00:00Z", "not an RFC 3339"),
    ("2024-01-01T00:00:00Z ", "not an RFC 3339"),
    ("2024-01-01T00:00:00Z\n", "not an RFC 3339"),
    ("2024-01-01X00:00:00Z", "not an RFC 3339"),
    ("٢٠٢٤-٠١-٠١T00:00:00Z", "not an RFC 3339"),  # Arabic-Indic digits
    ("２０２４-01-01T00:00:00Z", "not an RFC 3339"),  # full-width digits
    ("2024-02-30T00:00:00Z", "invalid date or time"),
    ("2023-02-29T00:00:00Z", "invalid date or time"),
    ("2024-13-01T00:00:00Z", "invalid date or time"),
    ("2024-00-10T00:00:00Z", "invalid date or time"),
    ("2024-01-00T00:00:00Z", "invalid date or time"),
    ("2024-01-01T24:00:00Z", "invalid date or time"),
    ("2024-01-01T00:60:00Z", "invalid date or time"),
    ("0000-01-01T00:00:00Z", "invalid date or time"),
    ("2024-01-01T00:00:61Z", "second out of range"),
    ("2024-01-01T00:00:99Z", "second out of range"),
    ("2024-01-01T00:00:00+24:00", "bad UTC offset"),
    ("2024-01-01T00:00:00+01:60", "bad UTC offset"),
])
def test_parse_invalid(text, message):
    with pytest.raises(ValueError, match=message):
        parse_rfc3339_ms(text)


def test_parse_error_is_short_for_a_huge_string():
    with pytest.raises(ValueError) as info:
        parse_rfc3339_ms("9" * 1_000_000)
    assert len(str(info.value)) < 200


@pytest.mark.parametrize("value", [0, 1, 999, T, T + 1, T + 120, 4_102_444_799_999, 951_782_400_000])
def test_format_round_trip(value):
    text = format_rfc3339(value)
    assert text.endswith("Z")
    assert parse_rfc3339_ms(text) == value


def test_format_whole_seconds_have_no_fraction():
    assert format_rfc3339(T) == "2024-01-01T00:00:00Z"
    assert format_rfc3339(T + 5) == "2024-01-01T00:00:00.005Z"


# --- validate_record --------------------------------------------------------------------------

def mention(**kw) -> dict:
    rec = {"kind": "mention", "event_id": "m1", "conversation_id": "m1", "in_reply_to": None, "brand": "acme",
           "author_id": "c1", "author_role": "customer", "author_followers": 3, "text": "allô ?", "lang": "fr",
           "created_at": "2024-01-01T00:00:00Z"}
    rec.update(kw)
    return rec


def reply(**kw) -> dict:
    rec = mention(kind="reply", event_id="r1", in_reply_to="m1", author_role="brand", author_id="acme")
    rec.update(kw)
    return rec


def test_valid_mention_and_reply():
    m = validate_record(mention(), expected_kind="mention")
    assert m == Event("mention", "m1", "m1", None, "acme", "c1", "customer", 3, "allô ?", "fr", T)
    assert m.is_customer_message and not m.is_brand_side
    r = validate_record(reply(), expected_kind="reply")
    assert r.in_reply_to == "m1" and r.is_brand_side and not r.is_customer_message
    e = validate_record(reply(author_role="employee"))
    assert e.is_brand_side
    c = validate_record(reply(author_role="customer"))
    assert c.is_customer_message and not c.is_brand_side


def test_avro_style_record_with_epoch_millis():
    assert validate_record(mention(created_at=T + 7)).created_at_ms == T + 7


def test_round_trips_through_json_dict_and_avro_record():
    e = validate_record(reply(text="😀\nligne 2", created_at="2024-01-01T00:00:00.042+02:00", lang=None))
    assert validate_record(e.to_json_dict()) == e
    assert validate_record(e.to_record()) == e
    assert e.to_json_dict()["created_at"] == "2023-12-31T22:00:00.042Z"


def test_unknown_extra_fields_are_ignored():
    assert validate_record(mention(sentiment=0.5, extra={"a": 1})).event_id == "m1"


def test_ordering_key_is_created_at_then_event_id():
    a = validate_record(reply(event_id="r2", created_at="2024-01-01T00:00:01Z"))
    b = validate_record(reply(event_id="r10", created_at="2024-01-01T00:00:01Z"))
    c = validate_record(reply(event_id="r0", created_at="2024-01-01T00:00:01.001Z"))
    d = validate_record(reply(event_id="r9", created_at="2024-01-01T01:00:00+01:00"))  # = T, earlier
    assert a.sort_key == (T + 1000, "r2")
    assert sorted([c, a, b, d], key=lambda e: e.sort_key) == [d, b, a, c]  # "r10" < "r2" as strings


def test_future_limit_against_the_stream_clock():
    clock = T
    ok = mention(created_at=T + 86_400_000)
    assert validate_record(ok, clock_ms=clock).created_at_ms == T + 86_400_000
    with pytest.raises(BadEvent, match="more than 86400 s after the stream clock 2024-01-01T00:00:00Z"):
        validate_record(mention(created_at=T + 86_400_001), clock_ms=clock)
    with pytest.raises(BadEvent, match="more than 60 s"):
        validate_record(mention(created_at=T + 60_001), clock_ms=clock, max_future_s=60)
    assert validate_record(mention(created_at=T + 10**9)).created_at_ms == T + 10**9  # no clock: no limit
    assert validate_record(mention(created_at=0), clock_ms=clock).created_at_ms == 0  # the past is fine


def test_text_limit_counts_utf8_bytes():
    assert validate_record(mention(text="é" * 50_000)).text  # 100,000 bytes
    with pytest.raises(BadEvent, match="over 100000 bytes"):
        validate_record(mention(text="é" * 50_000 + "x"))
    assert validate_record(mention(text="x" * 100_000)).text
    with pytest.raises(BadEvent, match="over 10 bytes"):
        validate_record(mention(text="😀😀😀"), max_text_bytes=10)  # 12 bytes in 3 characters
    assert validate_record(mention(text="")).text == ""


def test_followers_bounds():
    assert validate_record(mention(author_followers=MAX_FOLLOWERS)).author_followers == MAX_FOLLOWERS
    assert validate_record(mention(author_followers=None)).author_followers is None
    for bad in (MAX_FOLLOWERS + 1, -1, True, False, 1.0, "3", [3]):
        with pytest.raises(BadEvent, match="field author_followers"):
            validate_record(mention(author_followers=bad))


@pytest.mark.parametrize("field", ["event_id", "conversation_id", "brand", "author_id", "text", "in_reply_to"])
def test_lone_surrogates_are_rejected(field):
    """A stdlib json.loads accepts "\\ud800": such a string could not be written as UTF-8."""
    rec = reply(**{field: "a\ud800b"})
    if field == "brand":
        rec["brand"] = "a\udfffb"
    with pytest.raises(BadEvent, match=f"field {field}: not valid Unicode"):
        validate_record(rec)


@pytest.mark.parametrize("rec,message", [
    (None, "not an object: got NoneType"),
    ([], "not an object: got list"),
    (mention(kind="Mention"), "unknown kind: 'Mention'"),
    (mention(kind=None), "unknown kind: 'None'"),
    (mention(kind=["mention"]), "unknown kind"),
    (mention(author_role="admin"), "unknown author_role: 'admin'"),
    (mention(author_role="Customer"), "unknown author_role"),
    (mention(brand="ACME"), "not lower-case"),
    (mention(brand=" "), "field brand: empty"),
    (mention(event_id="x" * 257, conversation_id="x" * 257), "longer than 256"),
    (reply(in_reply_to="x" * 257), "field in_reply_to: longer than 256"),
    (reply(in_reply_to=5), "field in_reply_to"),
    (reply(in_reply_to="  "), "field in_reply_to"),
    (reply(in_reply_to=None), "reply without in_reply_to"),
    (reply(in_reply_to="r1"), "reply to itself"),
    (mention(in_reply_to="m0"), "mention with in_reply_to"),
    (mention(author_role="employee"), "mention by author_role 'employee'"),
    (mention(conversation_id="m0"), "conversation_id is not its event_id"),
    (mention(lang="fra"), "field lang"),
    (mention(lang="f"), "field lang"),
    (mention(lang="en\n"), "field lang"),
    (mention(lang="EN"), "field lang"),
    (mention(lang=""), "field lang"),
    (mention(lang=1), "field lang"),
    (mention(created_at=True), "got bool"),
    (mention(created_at=1.5), "got float"),
    (mention(created_at=float("nan")), "got float"),
    (mention(created_at=None), "got NoneType"),
    (mention(created_at=-1), "out of range"),
    (mention(created_at=4_102_444_800_000), "out of range"),
    (mention(created_at="1969-12-31T23:59:59Z"), "out of range"),
    (mention(created_at="2024-02-30T00:00:00Z"), "field created_at: invalid date or time in '2024-02-30T00:00:00Z'"),
])
def test_invalid_records(rec, message):
    with pytest.raises(BadEvent, match=None) as info:
        validate_record(rec)
    assert message in str(info.value)


@pytest.mark.parametrize("missing", ["kind", "event_id", "conversation_id", "in_reply_to", "brand", "author_id",
                                     "author_role", "author_followers", "text", "lang", "created_at"])
def test_every_field_is_required(missing):
    rec = mention()
    del rec[missing]
    with pytest.raises(BadEvent, match=f"missing field: {missing}$"):
        validate_record(rec)


def test_expected_kind_names_the_topic():
    with pytest.raises(BadEvent, match="kind 'mention' on the replies topic"):
        validate_record(mention(), expected_kind="reply")
    with pytest.raises(BadEvent, match="kind 'reply' on the mentions topic"):
        validate_record(reply(), expected_kind="mention")


def test_bad_event_is_a_value_error_with_a_one_line_reason():
    with pytest.raises(ValueError) as info:
        validate_record(mention(created_at="x\n" * 100))
    assert "\n" not in str(info.value).replace("\\n", "")
