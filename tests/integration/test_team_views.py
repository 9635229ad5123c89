"""v_agent_sla and v_team_sla (migration 0013, DESIGN.md § Teams) on chdb and
clickhouse-server 18.16: hand-made turns with teams and business latencies, figures
computed by hand in the comments.

acme's answered turns (conversation/turn: who, team, status, wall s, business s):
  a1/0  acme/Ann  care   answered        100   100
  a2/0  acme/Ann  care   answered_late  9000  1800    (overnight: 30 open minutes)
  a3/0  acme/Ann  care   answered        300   300
  a3/1  acme/Ann  care   answered         50    50
  a4/0  acme/Bob  care   answered_late  7200  7200
  a5/0  acme/Bob  care   answered         20    20    (stale version first: open)
  a6/0  acme/Cid  vip    answered        400    40
  a7/0  acme/Ann  vip    answered         60    60    (Ann moved to vip)
  a8/0  acme      ''     answered         10    10    (the brand account)
  a9/0  -         -      breached                    (not an answer: in no row)
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.support.rows import insert_rows
from tests.support.views import view

pytestmark = pytest.mark.integration

D1 = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
S = timedelta(seconds=1)


def turn(conv, index, status, who="", role="employee", team="", wall=None, business=None, version=2):
    started = D1 + timedelta(minutes=10 * int(conv[1:])) + timedelta(hours=index)
    return dict(brand="acme", conversation_id=conv, turn_index=index, started_at=started, customer_messages=1,
                answered_at=None if wall is None else started + wall * S, responder_id=who,
                responder_role=role if who else "", latency_s=wall, status=status, deadline=started + 3600 * S,
                customer_id=f"u-{conv}", customer_followers=None, first_sentiment=0.0, last_sentiment=0.0,
                negative_messages=0, version=version, priority="normal", business_latency_s=business, team=team)


TURNS = [
    turn("a1", 0, "answered", "acme/Ann", team="care", wall=100, business=100),
    turn("a2", 0, "answered_late", "acme/Ann", team="care", wall=9000, business=1800),
    turn("a3", 0, "answered", "acme/Ann", team="care", wall=300, business=300),
    turn("a3", 1, "answered", "acme/Ann", team="care", wall=50, business=50),
    turn("a4", 0, "answered_late", "acme/Bob", team="care", wall=7200, business=7200),
    turn("a5", 0, "answered", "acme/Bob", team="care", wall=20, business=20),
    turn("a6", 0, "answered", "acme/Cid", team="vip", wall=400, business=40),
    turn("a7", 0, "answered", "acme/Ann", team="vip", wall=60, business=60),
    turn("a8", 0, "answered", "acme", role="brand", wall=10, business=10),
    turn("a9", 0, "breached"),
]
STALE = [turn("a5", 0, "open", version=1)]


@pytest.fixture
def filled(backend):
    insert_rows(backend, "turns", STALE)
    insert_rows(backend, "turns", TURNS)
    return backend


def approx(record: dict) -> dict:
    return {k: pytest.approx(v) if isinstance(v, float) else v for k, v in record.items()}


NO_NEXT = dict(next_replies=0, next_reply_p50_s=None, next_reply_p90_s=None, next_reply_business_p50_s=None,
               next_reply_business_p90_s=None)


def test_agent_sla_per_agent_and_team_in_wall_clock_and_business_time(filled):
    got = view(filled, "v_agent_sla", key=("responder_id", "team"))
    assert got == {
        # Ann in care: first replies 100, 9000, 300 (business 100, 1800, 300): p50 = 300,
        # p90 = the top one (quantileExact: rank floor(0.9 * 3) = 2 of 0..2); next: a3/1
        ("acme/Ann", "care"): approx(dict(
            brand="acme", responder_role="employee", answers=4, within_sla=3, answered_late=1, sla_compliance=0.75,
            first_replies=3, first_reply_p50_s=300, first_reply_p90_s=9000, first_reply_business_p50_s=300,
            first_reply_business_p90_s=1800, next_replies=1, next_reply_p50_s=50, next_reply_p90_s=50,
            next_reply_business_p50_s=50, next_reply_business_p90_s=50)),
        ("acme/Ann", "vip"): approx(dict(
            brand="acme", responder_role="employee", answers=1, within_sla=1, answered_late=0, sla_compliance=1.0,
            first_replies=1, first_reply_p50_s=60, first_reply_p90_s=60, first_reply_business_p50_s=60,
            first_reply_business_p90_s=60, **NO_NEXT)),
        # Bob: 7200 and 20 (the stale open version hidden by FINAL): p50 = rank 1 = 7200
        ("acme/Bob", "care"): approx(dict(
            brand="acme", responder_role="employee", answers=2, within_sla=1, answered_late=1, sla_compliance=0.5,
            first_replies=2, first_reply_p50_s=7200, first_reply_p90_s=7200, first_reply_business_p50_s=7200,
            first_reply_business_p90_s=7200, **NO_NEXT)),
        ("acme/Cid", "vip"): approx(dict(
            brand="acme", responder_role="employee", answers=1, within_sla=1, answered_late=0, sla_compliance=1.0,
            first_replies=1, first_reply_p50_s=400, first_reply_p90_s=400, first_reply_business_p50_s=40,
            first_reply_business_p90_s=40, **NO_NEXT)),
        ("acme", ""): approx(dict(
            brand="acme", responder_role="brand", answers=1, within_sla=1, answered_late=0, sla_compliance=1.0,
            first_replies=1, first_reply_p50_s=10, first_reply_p90_s=10, first_reply_business_p50_s=10,
            first_reply_business_p90_s=10, **NO_NEXT)),
    }


def test_team_sla_groups_the_answers_by_team(filled):
    got = view(filled, "v_team_sla", key=("brand", "team"))
    assert got == {
        # care: first replies 100, 300, 7200, 9000, 20 -> sorted 20, 100, 300, 7200, 9000:
        # p50 = rank 2 = 300, p90 = rank 4 = 9000; business 20, 100, 300, 1800, 7200
        ("acme", "care"): approx(dict(
            responders=2, answers=6, within_sla=4, answered_late=2, sla_compliance=4 / 6, first_replies=5,
            first_reply_p50_s=300, first_reply_p90_s=9000, first_reply_business_p50_s=300,
            first_reply_business_p90_s=7200, next_replies=1, next_reply_p50_s=50, next_reply_p90_s=50,
            next_reply_business_p50_s=50, next_reply_business_p90_s=50)),
        # vip: 400 and 60 -> p50 = rank 1 = 400 (business 40, 60 -> 60)
        ("acme", "vip"): approx(dict(
            responders=2, answers=2, within_sla=2, answered_late=0, sla_compliance=1.0, first_replies=2,
            first_reply_p50_s=400, first_reply_p90_s=400, first_reply_business_p50_s=60,
            first_reply_business_p90_s=60, **NO_NEXT)),
        ("acme", ""): approx(dict(
            responders=1, answers=1, within_sla=1, answered_late=0, sla_compliance=1.0, first_replies=1,
            first_reply_p50_s=10, first_reply_p90_s=10, first_reply_business_p50_s=10,
            first_reply_business_p90_s=10, **NO_NEXT)),
    }


def test_the_team_views_are_empty_on_empty_tables(backend):
    for name in ("v_agent_sla", "v_team_sla"):
        assert view(backend, name, key=("brand", "team")) == {}
