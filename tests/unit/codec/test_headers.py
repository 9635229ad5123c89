"""codec/headers.py: what a record says besides its value, or why it cannot be trusted."""
from __future__ import annotations

import re

import pytest

from cluetrain.codec.headers import (CLOCK, CONTENT_TYPE, FINAL, TICK, event_headers, header_values,
                                     normalize_headers, tick_headers)
from cluetrain.domain.events import BadEvent


@pytest.mark.parametrize("headers, expected", [  # (clock_ms, is_tick, is_final, content_type)
    ((), (None, False, False, None)),
    (((CLOCK, b"123"),), (123, False, False, None)),
    (((CLOCK, b"7"), (TICK, b"1"), (FINAL, b"1")), (7, True, True, None)),
    (((TICK, b""),), (None, True, False, None)),  # a tick header counts whatever its value
    (((CONTENT_TYPE, b"application/json"), (CLOCK, b"42")), (42, False, False, "application/json")),
    (((CONTENT_TYPE, b"\xff\xfe"),), (None, False, False, "\ufffd\ufffd")),  # undecodable: replaced
    ((("other", b"x"), ("other", b"y"), (CLOCK, b"0")), (0, False, False, None)),  # foreign headers: ignored
    (((CLOCK, b"4102444799999"),), (4_102_444_799_999, False, False, None)),  # the last ms of 2099
])
def test_header_values(headers, expected):
    assert header_values(headers) == expected


@pytest.mark.parametrize("headers, reason", [
    (((CLOCK, b"12x"),), "header cluetrain-clock: not epoch milliseconds: '12x'"),
    (((CLOCK, b" 42 "),), "not epoch milliseconds"),
    (((CLOCK, b"-3"),), "not epoch milliseconds"),
    (((CLOCK, b"+3"),), "not epoch milliseconds"),
    (((CLOCK, b"1_000"),), "not epoch milliseconds"),
    (((CLOCK, "١٢٣".encode()),), "not epoch milliseconds"),  # Arabic-Indic digits, which int() takes
    (((CLOCK, b""),), "not epoch milliseconds"),  # a header sent with no value
    (((CLOCK, b"9" * 400),), "not epoch milliseconds"),
    (((CLOCK, b"4102444800000"),), "header cluetrain-clock: 4102444800000 is out of range (1970..2100)"),
    (((CLOCK, b"5"), (CLOCK, b"9")), "header cluetrain-clock given more than once"),
    (((CLOCK, b"5"), (CLOCK, b"5")), "header cluetrain-clock given more than once"),  # even the same value
    (((TICK, b"1"), (TICK, b"1")), "header cluetrain-tick given more than once"),
    (((FINAL, b"1"), (FINAL, b"1")), "header cluetrain-final given more than once"),
    (((CONTENT_TYPE, b"application/json"), (CONTENT_TYPE, b"avro/binary")), "header content-type given more"),
])
def test_headers_that_cannot_be_trusted_are_bad_input(headers, reason):
    with pytest.raises(BadEvent, match=re.escape(reason)):
        header_values(headers)


def test_what_the_sources_send_reads_back():
    assert header_values(normalize_headers(event_headers(1_700_000_000_000, raw_json=True))) == (
        1_700_000_000_000, False, False, "application/json")
    assert header_values(normalize_headers(tick_headers(5, final=True))) == (5, True, True, None)
    assert header_values(normalize_headers(event_headers(None))) == (None, False, False, None)
    assert normalize_headers({"a": None, "b": b"x"}) == (("a", b""), ("b", b"x"))
