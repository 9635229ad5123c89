"""The BI views of migration 0008 on chdb and clickhouse-server 18.16: hand-made rows,
exact figures computed by hand in the comments.

Day 1 = 2017-11-01, day 2 = 2017-11-02 (UTC); SLA 1 h (deadline = start + 1 h). The
watermark the stream reached (the largest row version) is day 2 15:00. Superseded
row versions that FINAL must hide are inserted too (STALE_*).

acme's turns (conversation/turn: start, answer, who, status):
  c1/0  d1 10:05:00 +600 s     acme (brand)     answered        tone -0.5 before
  c1/1  d1 10:20:00 +7200 s    Ann  (employee)  answered_late   tone 0.1 after
  c2/0  d1 10:05:30 +30 s      Ann              answered
  c3/0  d1 10:50:00 -          -                breached        (overdue in the queue)
  c6/0  d1 10:40:00 +100000 s  Bob  (employee)  answered_late   (24h+)
  c4/0  d2 09:00:00 +18000 s   acme             answered_late   (4-8h)
  c7/0  d2 14:00:00 +120 s     acme             answered
  c5/0  d2 14:30:00 -          -                open            (deadline 15:30)
zeta: z1/0 d2 14:45:00 open (deadline 15:45).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.support.rows import insert_rows
from tests.support.views import view

pytestmark = pytest.mark.integration

D1 = datetime(2017, 11, 1, tzinfo=timezone.utc)
D2 = D1 + timedelta(days=1)
AS_OF = D2 + timedelta(hours=15)
AS_OF_MS = int(AS_OF.timestamp() * 1000)
H, MIN, S = timedelta(hours=1), timedelta(minutes=1), timedelta(seconds=1)
ACME, ANN, BOB = ("acme", "brand"), ("acme/Ann", "employee"), ("acme/Bob", "employee")


def at(day, hh, mm, ss=0):
    return day + timedelta(hours=hh, minutes=mm, seconds=ss)


def turn(conv, index, started, status, latency=None, who=("", ""), brand="acme", before=0.0, after=0.0,
         version=2, followers=None):
    return dict(brand=brand, conversation_id=conv, turn_index=index, started_at=started, customer_messages=1,
                answered_at=None if latency is None else started + latency * S, responder_id=who[0],
                responder_role=who[1], latency_s=latency, status=status, deadline=started + H,
                customer_id=f"u-{conv}", customer_followers=followers, first_sentiment=before,
                last_sentiment=after, negative_messages=int(after <= -0.05), version=version)


TURNS = [
    turn("c1", 0, at(D1, 10, 5), "answered", 600, ACME, before=-0.5, after=-0.6, followers=150),
    turn("c1", 1, at(D1, 10, 20), "answered_late", 7200, ANN, before=0.3, after=0.1),
    turn("c2", 0, at(D1, 10, 5, 30), "answered", 30, ANN, before=0.2, after=0.2),
    turn("c3", 0, at(D1, 10, 50), "breached", before=-0.3, after=-0.3),
    turn("c6", 0, at(D1, 10, 40), "answered_late", 100_000, BOB),
    turn("c4", 0, at(D2, 9, 0), "answered_late", 18_000, ACME),
    turn("c7", 0, at(D2, 14, 0), "answered", 120, ACME),
    turn("c5", 0, at(D2, 14, 30), "open", followers=20_000),
    turn("z1", 0, at(D2, 14, 45), "open", brand="zeta", version=AS_OF_MS),
]
STALE_TURNS = [  # earlier versions of the same keys
    turn("c2", 0, at(D1, 10, 5, 30), "open", version=1),
    turn("c1", 1, at(D1, 10, 20), "breached", version=1),
    turn("c4", 0, at(D2, 9, 0), "breached", version=1),
]


def win(start, brand="acme", version=2, **counts):
    return dict(brand=brand, window_start=start, version=version, **counts)


WINDOWS = [
    win(at(D1, 10, 5), customer_messages=2, turns_opened=2),
    win(at(D1, 10, 6), brand_replies=1, employee_replies=1, answered=1, answered_within_sla=1, latency_sum_s=30),
    win(at(D1, 10, 15), brand_replies=1, answered=1, answered_within_sla=1, latency_sum_s=600),
    win(at(D1, 10, 20), customer_messages=1, turns_opened=1),
    win(at(D1, 10, 40), customer_messages=1, turns_opened=1),
    win(at(D1, 10, 50), customer_messages=1, turns_opened=1),
    win(at(D1, 11, 20), breached=1),
    win(at(D1, 11, 40), breached=1),
    win(at(D1, 11, 50), breached=1),
    win(at(D1, 12, 20), brand_replies=1, employee_replies=1, answered=1, answered_late=1, latency_sum_s=7200),
    win(at(D2, 9, 0), customer_messages=1, turns_opened=1),
    win(at(D2, 10, 0), breached=1),
    win(at(D2, 14, 0), customer_messages=1, turns_opened=1, brand_replies=1, answered=1, answered_late=1,
        latency_sum_s=18_000),
    win(at(D2, 14, 2), brand_replies=1, answered=1, answered_within_sla=1, latency_sum_s=120),
    win(at(D2, 14, 26), brand_replies=1, employee_replies=1, answered=1, answered_late=1, latency_sum_s=100_000),
    win(at(D2, 14, 30), customer_messages=1, turns_opened=1),
    win(at(D2, 14, 45), brand="zeta", customer_messages=1, turns_opened=1),
]
STALE_WINDOWS = [win(at(D1, 10, 5), version=1, customer_messages=9, turns_opened=9, breached=9)]


def senti(start, side, messages, score_sum, positive=0, negative=0, version=2):
    return dict(brand="acme", window_start=start, side=side, messages=messages, score_sum=score_sum,
                positive=positive, neutral=messages - positive - negative, negative=negative, version=version)


SENTIMENT = [
    senti(at(D1, 10, 5), "customer", 2, -0.6, negative=1),
    senti(at(D1, 10, 6), "brand", 1, 0.5, positive=1),
    senti(at(D2, 14, 0), "customer", 1, 0.4, positive=1),
]
STALE_SENTIMENT = [senti(at(D1, 10, 5), "customer", 7, 7.0, positive=7, version=1)]


def post(kind, event_id, conv, created, who=("u", "customer"), keys=(), text=""):
    return dict(kind=kind, event_id=event_id, conversation_id=conv, brand="acme", author_id=who[0],
                author_role=who[1], text=text, lang="en", created_at=created,
                created_at_ms=int(created.timestamp() * 1000), template_keys=list(keys))


MENTIONS = [post("mention", c, c, t, text=f"help {c}") for c, t in
            [("c1", at(D1, 10, 5)), ("c2", at(D1, 10, 5, 30)), ("c3", at(D1, 10, 50)), ("c6", at(D1, 10, 40))]]
REPLIES = [  # brand-side replies; r2 and r1 share a template key, the customer's reply is no brand reply
    post("reply", "r2", "c2", at(D1, 10, 6), ANN, ["0:aaa"]),
    post("reply", "r1", "c1", at(D1, 10, 15), ACME, ["0:aaa", "1:xyz"]),
    post("reply", "u1", "c1", at(D1, 10, 20), ("u-c1", "customer"), ["0:aaa"]),
    post("reply", "r3", "c1", at(D1, 12, 20), ANN, ["1:bbb"]),
]


@pytest.fixture
def filled(backend):
    for table, rows in [("turns", STALE_TURNS), ("turns", TURNS), ("reciprocity_windows", STALE_WINDOWS),
                        ("reciprocity_windows", WINDOWS), ("sentiment_windows", STALE_SENTIMENT),
                        ("sentiment_windows", SENTIMENT), ("mentions", MENTIONS), ("replies", REPLIES)]:
        insert_rows(backend, table, rows)
    return backend


NEW_VIEWS = ["v_brand_daily", "v_brand_hourly", "v_brand_timeseries", "v_conversations", "v_responder_hourly",
             "v_first_response_buckets", "v_open_turn_queue", "v_responder_sla"]


def test_the_views_exist_and_are_empty_on_empty_tables(backend):
    for name in NEW_VIEWS:
        assert backend.query(f"SELECT * FROM {backend.database}.{name}")[1] == [], name


def approx(record: dict) -> dict:
    return {k: pytest.approx(v) if isinstance(v, float) else v for k, v in record.items()}


NO_LATENCY = dict(first_replies=0, first_reply_p50_s=None, first_reply_p90_s=None,
                  next_replies=0, next_reply_p50_s=None, next_reply_p90_s=None)
NO_SENTIMENT = dict(customer_scored=0, customer_sentiment=None, customer_negative_share=None,
                    customer_positive_share=None, brand_scored=0, brand_sentiment=None,
                    brand_negative_share=None, brand_positive_share=None)
NO_TEMPLATES = dict(brand_side_replies=0, templated_replies=0, templated_share=None)
ZERO = dict(customer_messages=0, brand_replies=0, employee_replies=0, peer_replies=0, turns_opened=0,
            answered=0, within_sla=0, answered_late=0, breached=0, sla_compliance=None,
            **NO_LATENCY, **NO_SENTIMENT, **NO_TEMPLATES)


def test_brand_hourly(filled):
    got = view(filled, "v_brand_hourly", key=("brand", "period_start"))
    assert sorted(got) == [("acme", at(D1, h, 0)) for h in (10, 11, 12)] + [
        ("acme", at(D2, h, 0)) for h in (9, 10, 14)] + [("zeta", at(D2, 14, 0))]
    # windows 10:05 (latest version) .. 10:50; answers 30 s and 600 s: p50 = rank 1 of 2
    assert got["acme", at(D1, 10, 0)] == approx(ZERO | dict(
        customer_messages=5, turns_opened=5, brand_replies=2, employee_replies=1, answered=2, within_sla=2,
        sla_compliance=1.0, first_replies=2, first_reply_p50_s=600, first_reply_p90_s=600,
        customer_scored=2, customer_sentiment=-0.3, customer_negative_share=0.5, customer_positive_share=0.0,
        brand_scored=1, brand_sentiment=0.5, brand_negative_share=0.0, brand_positive_share=1.0,
        brand_side_replies=2, templated_replies=2, templated_share=1.0))
    # three breaches at their deadlines, nothing answered
    assert got["acme", at(D1, 11, 0)] == ZERO | dict(breached=3, sla_compliance=0.0)
    # the late answer of c1/1: a next reply; no within/breached in the hour -> no compliance
    assert got["acme", at(D1, 12, 0)] == ZERO | dict(
        brand_replies=1, employee_replies=1, answered=1, answered_late=1, next_replies=1,
        next_reply_p50_s=7200, next_reply_p90_s=7200, brand_side_replies=1, templated_replies=0,
        templated_share=0.0)
    # first replies 120, 18000, 100000 s: p50 = rank 1, p90 = rank 2
    assert got["acme", at(D2, 14, 0)] == approx(ZERO | dict(
        customer_messages=2, turns_opened=2, brand_replies=3, employee_replies=1, answered=3, within_sla=1,
        answered_late=2, sla_compliance=1.0, first_replies=3, first_reply_p50_s=18_000,
        first_reply_p90_s=100_000, customer_scored=1, customer_sentiment=0.4, customer_negative_share=0.0,
        customer_positive_share=1.0))
    assert got["zeta", at(D2, 14, 0)] == ZERO | dict(customer_messages=1, turns_opened=1)


def test_brand_daily(filled):
    got = view(filled, "v_brand_daily", key=("brand", "period_start"))
    assert sorted(got) == [("acme", D1), ("acme", D2), ("zeta", D2)]
    # first replies 30, 600; the 100000 s answer of c6 lands on day 2
    assert got["acme", D1] == approx(ZERO | dict(
        customer_messages=5, turns_opened=5, brand_replies=3, employee_replies=2, answered=3, within_sla=2,
        answered_late=1, breached=3, sla_compliance=0.4, first_replies=2, first_reply_p50_s=600,
        first_reply_p90_s=600, next_replies=1, next_reply_p50_s=7200, next_reply_p90_s=7200,
        customer_scored=2, customer_sentiment=-0.3, customer_negative_share=0.5, customer_positive_share=0.0,
        brand_scored=1, brand_sentiment=0.5, brand_negative_share=0.0, brand_positive_share=1.0,
        brand_side_replies=3, templated_replies=2, templated_share=2 / 3))
    assert got["acme", D2] == approx(ZERO | dict(
        customer_messages=3, turns_opened=3, brand_replies=3, employee_replies=1, answered=3, within_sla=1,
        answered_late=2, breached=1, sla_compliance=0.5, first_replies=3, first_reply_p50_s=18_000,
        first_reply_p90_s=100_000, customer_scored=1, customer_sentiment=0.4, customer_negative_share=0.0,
        customer_positive_share=1.0))


def test_responder_sla(filled):
    got = view(filled, "v_responder_sla", key=("brand", "responder_id", "responder_role"))
    assert got == {
        # first replies 120, 600, 18000: p50 = rank 1, p90 = rank 2
        ("acme", "acme", "brand"): approx(dict(
            team="", answers=3, within_sla=2, answered_late=1, sla_compliance=2 / 3, first_replies=3,
            first_reply_p50_s=600, first_reply_p90_s=18_000, next_replies=0, next_reply_p50_s=None,
            next_reply_p90_s=None, first_answer_at=at(D1, 10, 15), last_answer_at=at(D2, 14, 2))),
        ("acme", "acme/Ann", "employee"): dict(
            team="", answers=2, within_sla=1, answered_late=1, sla_compliance=0.5, first_replies=1,
            first_reply_p50_s=30, first_reply_p90_s=30, next_replies=1, next_reply_p50_s=7200,
            next_reply_p90_s=7200, first_answer_at=at(D1, 10, 6), last_answer_at=at(D1, 12, 20)),
        ("acme", "acme/Bob", "employee"): dict(
            team="", answers=1, within_sla=0, answered_late=1, sla_compliance=0.0, first_replies=1,
            first_reply_p50_s=100_000, first_reply_p90_s=100_000, next_replies=0, next_reply_p50_s=None,
            next_reply_p90_s=None, first_answer_at=at(D2, 14, 26, 40), last_answer_at=at(D2, 14, 26, 40)),
    }


UNANSWERED = dict(answered_turns=0, is_answered=0, first_reply_at=None, first_reply_latency_s=None,
                  first_reply_bucket="", first_reply_bucket_order=None, max_reply_latency_s=None,
                  responder_roles=[], responders=0, customer_sentiment_after=None, is_recovered=None)


def test_conversations(filled):
    got = view(filled, "v_conversations", key=("brand", "conversation_id"))
    assert sorted(got) == [("acme", c) for c in ("c1", "c2", "c3", "c4", "c5", "c6", "c7")] + [("zeta", "z1")]
    assert got["acme", "c1"] == approx(dict(
        customer_id="u-c1", customer_followers=150, first_message_at=at(D1, 10, 5), first_message_text="help c1",
        last_activity_at=at(D1, 12, 20), turns=2, customer_messages=2, answered_turns=2, breached_turns=1,
        is_answered=1, is_breached=1, is_awaiting_answer=0, first_reply_at=at(D1, 10, 15),
        first_reply_latency_s=600, first_reply_bucket="0-1h", first_reply_bucket_order=0,
        max_reply_latency_s=7200, responder_roles=["brand", "employee"], responders=2,
        customer_sentiment_before=-0.5, customer_sentiment_after=0.1, is_recovered=1))
    c2 = got["acme", "c2"]
    assert (c2["responder_roles"], c2["customer_sentiment_after"], c2["is_recovered"], c2["breached_turns"]) == (
        ["employee"], None, None, 0)
    assert got["acme", "c3"] == approx(UNANSWERED | dict(
        customer_id="u-c3", customer_followers=None, first_message_at=at(D1, 10, 50), first_message_text="help c3",
        last_activity_at=at(D1, 10, 50), turns=1, customer_messages=1, breached_turns=1, is_breached=1,
        is_awaiting_answer=1, customer_sentiment_before=-0.3))
    # no mention stored for c4: the text is empty
    assert {c: got["acme", c]["first_reply_bucket"] for c in ("c4", "c5", "c6", "c7")} == {
        "c4": "4-8h", "c5": "", "c6": "24h+", "c7": "0-1h"}
    assert got["acme", "c4"]["first_message_text"] == ""
    assert (got["zeta", "z1"]["is_awaiting_answer"], got["zeta", "z1"]["is_breached"]) == (1, 0)


def test_first_response_buckets(filled):
    got = view(filled, "v_first_response_buckets", key=("brand", "bucket"))
    # acme's first replies: 30, 120, 600 (0-1h), 18000 (4-8h), 100000 (24h+)
    assert got == {
        ("acme", "0-1h"): dict(bucket_order=0, conversations=3, share=0.6),
        ("acme", "1-4h"): dict(bucket_order=1, conversations=0, share=0.0),
        ("acme", "4-8h"): dict(bucket_order=2, conversations=1, share=0.2),
        ("acme", "8-24h"): dict(bucket_order=3, conversations=0, share=0.0),
        ("acme", "24h+"): dict(bucket_order=4, conversations=1, share=0.2),
    } | {("zeta", b): dict(bucket_order=i, conversations=0, share=None)
         for i, b in enumerate(["0-1h", "1-4h", "4-8h", "8-24h", "24h+"])}


def test_open_turn_queue_nearest_deadline_first(filled):
    columns, rows = filled.query(f"SELECT * FROM {filled.database}.v_open_turn_queue")
    queue = [dict(zip(columns, r)) for r in rows]
    # c2/0 and c1/1 were open in older versions only: FINAL hides them
    assert [(q["brand"], q["conversation_id"], q["status"], q["seconds_to_deadline"], q["waiting_s"])
            for q in queue] == [
        ("acme", "c3", "breached", -(27 * 3600 + 10 * 60), 28 * 3600 + 10 * 60),
        ("acme", "c5", "open", 1800, 1800),
        ("zeta", "z1", "open", 2700, 900),
    ]
    assert {q["as_of"] for q in queue} == {AS_OF}
    assert (queue[1]["deadline"], queue[1]["customer_followers"], queue[1]["turn_index"]) == (
        at(D2, 15, 30), 20_000, 0)


def test_documented_columns_are_the_views_columns(backend):
    from cluetrain.sinks.view_reference import parse_views, view_columns

    actual = view_columns(backend, backend.database)
    documented = parse_views()
    assert sorted(documented) == sorted(actual)
    for name, doc in documented.items():
        columns = [c for c, _ in actual[name]]
        if doc.inherits:  # every column described, here or in the view it takes them from
            assert set(columns) <= set(doc.columns), name
        elif doc.columns:  # a Columns section names exactly the view's columns, in order
            assert list(doc.columns) == columns, name


def test_docs_views_md_is_in_step_with_the_migrations():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "cluetrain.sinks.view_reference", "--check"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_responder_hourly_adds_up_to_responder_sla(filled):
    got = view(filled, "v_responder_hourly", key=("responder_id", "period_start"))
    assert got == {
        ("acme", at(D1, 10, 0)): dict(brand="acme", responder_role="brand", team="", answers=1, within_sla=1,
                                      answered_late=0, first_replies=1, latency_sum_s=600),
        ("acme", at(D2, 14, 0)): dict(brand="acme", responder_role="brand", team="", answers=2, within_sla=1,
                                      answered_late=1, first_replies=2, latency_sum_s=18_120),
        ("acme/Ann", at(D1, 10, 0)): dict(brand="acme", responder_role="employee", team="", answers=1,
                                          within_sla=1, answered_late=0, first_replies=1, latency_sum_s=30),
        ("acme/Ann", at(D1, 12, 0)): dict(brand="acme", responder_role="employee", team="", answers=1,
                                          within_sla=0, answered_late=1, first_replies=0, latency_sum_s=7200),
        ("acme/Bob", at(D2, 14, 0)): dict(brand="acme", responder_role="employee", team="", answers=1,
                                          within_sla=0, answered_late=1, first_replies=1, latency_sum_s=100_000),
    }
