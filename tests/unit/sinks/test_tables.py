"""Row specs: domain values -> ClickHouse rows, one builder per table, in the spec's column order."""
from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timezone

from cluetrain.domain.events import Event
from cluetrain.domain.results import Alert, DeadLetter, ScoredEvent, TurnSnapshot, WindowSnapshot
from cluetrain.domain.windows import RECIPROCITY_COUNTERS
from cluetrain.processing.processor import BatchOutput
from cluetrain.sinks import tables
from cluetrain.sinks.tables import SPECS, TABLE_COLUMNS, dead_letter_row, event_row, rows_of

UTC = timezone.utc


def sample_event(**changes) -> Event:
    fields = dict(
        kind="reply", event_id="r1", conversation_id="m1", in_reply_to="m1", brand="acme",
        author_id="u9", author_role="employee", author_followers=None, text="Bonjour 👋",
        lang=None, created_at_ms=1_700_000_000_123,
    )
    fields.update(changes)
    return Event(**fields)


def scored(event=None, **changes) -> ScoredEvent:
    fields = dict(event=event or sample_event(), sentiment=0.25, lang="fr", late=True, source_partition=2,
                  source_offset=41, template_keys=["k1"], ingested_ms=1_700_000_100_999)
    fields.update(changes)
    return ScoredEvent(**fields)


def test_event_row_matches_columns():
    values = dict(zip(TABLE_COLUMNS["replies"], event_row(scored()), strict=True))
    assert values["created_at"] == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert values["created_at_ms"] == 1_700_000_000_123
    assert values["ingested_at"] == datetime(2023, 11, 14, 22, 15, tzinfo=UTC)
    assert values["lang"] == "fr" and values["late"] == 1 and values["author_followers"] is None
    assert values["source_partition"] == 2 and values["source_offset"] == 41 and values["template_keys"] == ["k1"]
    assert TABLE_COLUMNS["mentions"] == TABLE_COLUMNS["replies"]


def dead_letter_values(dl: DeadLetter) -> dict:
    return dict(zip(TABLE_COLUMNS["dead_letters"], dead_letter_row(dl), strict=True))


def test_dead_letter_row_is_deterministic():
    dl = DeadLetter.of(1_700_000_000_000, "mentions", 2, 1234, "missing field: text", b"\xff{bad")
    again = DeadLetter.of(1_700_009_999_000, "mentions", 2, 1234, "missing field: text", b"\xff{bad")
    values = dead_letter_values(dl)
    assert values["received_at"] == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert values["source"] == "mentions/2@1234"
    assert values["dead_letter_id"] == "mentions/2@1234" == dead_letter_values(again)["dead_letter_id"]
    assert values["payload_base64"] == "/3tiYWQ="
    assert values["payload_size"] == 5 and values["payload_sha256"] == hashlib.sha256(b"\xff{bad").hexdigest()

    def no_offset_id(received_at_ms, payload, cap=None):
        dl = DeadLetter.of(received_at_ms, "mentions", -1, -1, "bad", payload, max_payload_bytes=cap)
        return dead_letter_values(dl)["dead_letter_id"]

    a, b, c = no_offset_id(1, b"x"), no_offset_id(2_000, b"x"), no_offset_id(2_000, b"other")
    assert a == b != c and a.startswith("mentions@sha256:")
    # payloads cut to the same start stay apart: the id hashes the whole payload
    assert no_offset_id(1, b"x" * 10 + b"1", cap=4) != no_offset_id(1, b"x" * 10 + b"2", cap=4)


def test_a_dead_letter_over_the_cap_keeps_its_start_with_the_size_and_sha256_of_the_whole():
    payload = bytes(range(256)) * 40
    values = dead_letter_values(DeadLetter.of(0, "replies", 1, 7, "too large", payload, max_payload_bytes=1000))
    assert base64.b64decode(values["payload_base64"]) == payload[:1000]
    assert (values["payload_size"], values["payload_sha256"]) == (10_240, hashlib.sha256(payload).hexdigest())


def turn(**changes) -> TurnSnapshot:
    fields = dict(brand="acme", conversation_id="c1", turn_index=1, started_ms=60_500, customer_messages=2,
                  answered_ms=None, responder_id="", responder_role="", latency_s=None, status="open",
                  deadline_ms=3_660_500, customer_id="u1", customer_followers=None, first_sentiment=-0.5,
                  last_sentiment=0.1, negative_messages=1, priority="normal", business_latency_s=None, as_of_ms=7)
    fields.update(changes)
    return TurnSnapshot(**fields)


def test_turn_rows_hold_seconds_and_the_snapshot_as_version():
    open_row = dict(zip(TABLE_COLUMNS["turns"], tables.turn_row(turn()), strict=True))
    assert open_row["started_at"] == datetime.fromtimestamp(60, UTC) and open_row["answered_at"] is None
    assert open_row["deadline"] == datetime.fromtimestamp(3660, UTC) and open_row["version"] == 7
    answered = dict(zip(TABLE_COLUMNS["turns"], tables.turn_row(turn(
        answered_ms=360_999, responder_id="acme", responder_role="brand", latency_s=300, status="answered",
        priority="vip", business_latency_s=120, team="care")), strict=True))
    assert answered["answered_at"] == datetime.fromtimestamp(360, UTC) and answered["latency_s"] == 300
    assert answered["priority"] == "vip" and answered["business_latency_s"] == 120 and answered["team"] == "care"
    assert open_row["team"] == ""
    assert (answered["brand"], answered["conversation_id"], answered["turn_index"]) == ("acme", "c1", 1)


def test_alert_rows():
    alert = Alert("c1:0", "ignored_conversation", "acme", "c1", 3_600_000, None, "high", "{}", as_of_ms=9)
    row = dict(zip(TABLE_COLUMNS["alerts"], tables.alert_row(alert), strict=True))
    assert row["fired_at"] == datetime.fromtimestamp(3600, UTC) and row["resolved_at"] is None
    assert row["version"] == 9 and row["details"] == "{}"


def test_window_rows_per_table_and_side():
    counts = {"answered": 2, "latency_sum_s": 90, "customer:messages": 3, "customer:score_sum": -0.5,
              "customer:negative": 2, "customer:neutral": 1}
    window = WindowSnapshot("acme", 120_000, counts, final=True, as_of_ms=11)
    [reciprocity] = tables.reciprocity_rows(window)
    values = dict(zip(TABLE_COLUMNS["reciprocity_windows"], reciprocity, strict=True))
    assert values["window_start"] == datetime.fromtimestamp(120, UTC) and values["version"] == 11
    assert values["answered"] == 2 and values["latency_sum_s"] == 90 and values["breached"] == 0
    assert set(RECIPROCITY_COUNTERS) <= set(values)
    [sentiment] = tables.sentiment_rows(window)  # the brand side has no message: no row
    assert dict(zip(TABLE_COLUMNS["sentiment_windows"], sentiment, strict=True)) == {
        "brand": "acme", "window_start": datetime.fromtimestamp(120, UTC), "side": "customer", "messages": 3,
        "score_sum": -0.5, "positive": 0, "neutral": 1, "negative": 2, "version": 11}
    assert tables.reciprocity_rows(WindowSnapshot("acme", 0, {"brand:messages": 1}, False, 0)) == []


def test_rows_of_a_batch_route_each_value_to_its_table():
    batch = BatchOutput(events=[scored(), scored(sample_event(kind="mention", in_reply_to=None, event_id="m1"))],
                        dead_letters=[DeadLetter.of(0, "replies", 0, 5, "bad", b"")], turns=[turn()],
                        windows=[WindowSnapshot("acme", 0, {"answered": 1}, False, 3)])
    rows = rows_of(batch)
    assert {t: len(r) for t, r in rows.items()} == {
        "replies": 1, "mentions": 1, "dead_letters": 1, "turns": 1, "reciprocity_windows": 1}
    for table, table_rows in rows.items():
        assert all(len(row) == len(SPECS[table].columns) for row in table_rows)


def test_every_spec_keys_on_its_columns_and_versions_the_metric_tables():
    for spec in SPECS.values():
        assert set(spec.key) <= set(spec.columns)
        assert spec.version in (None, *spec.columns)
    assert {name for name, spec in SPECS.items() if spec.version} == {
        "turns", "reciprocity_windows", "sentiment_windows", "alerts"}
