"""The views of migration 0003 (BI and `cluetrain report`), on chdb and on
clickhouse-server 18.16: the same hand-made rows, the same exact figures.

The rows are written by hand, not by the engine: each view is checked against
numbers computed from its own source table, including superseded row versions
that FINAL must hide, empty denominators and the 1 h / 24 h boundaries.

The stream clock is W = 2017-11-01 12:00 (the latest window_start, brand acme).
Brands: acme (busy), zeta (only an open turn), idle (a month old), mute (a brand
reply and no turn at all).
"""
from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone

import pytest

from cluetrain.sinks.backends import open_backend
from cluetrain.sinks.migrate import MIGRATIONS_DIR, apply_migrations
from cluetrain.sinks.tables import TABLE_COLUMNS
from tests.support.views import view

pytestmark = pytest.mark.integration

VIEWS = ["v_brand_latency", "v_brand_overview", "v_brand_rolling", "v_follower_brackets",
         "v_responder_leaderboard", "v_turn_status", "v_turn_summary"]
W = datetime(2017, 11, 1, 12, 0, tzinfo=timezone.utc)
MIN = timedelta(minutes=1)
DAY = timedelta(days=1)


def window(brand, start, cm=0, opened=0, br=0, er=0, pr=0, ans=0, wsla=0, late=0, breached=0,
           lat=0, late_events=0, version=1):
    return (brand, start, cm, opened, br, er, pr, ans, wsla, late, breached, lat, late_events, version)


WINDOWS = [
    # acme: the clock window (latest version), then 59 min before (in the last hour),
    # 60 min before (out of it), 1439 and 1440 min before (in / out of the last 24 h)
    window("acme", W, cm=2, opened=1, br=1, er=1, ans=1, wsla=1, lat=600, version=2),
    window("acme", W - 59 * MIN, cm=1, opened=1, br=1, ans=1, late=1, breached=1, lat=4000, late_events=1),
    window("acme", W - 60 * MIN, cm=3, opened=2, br=2, er=2, pr=1, ans=2, wsla=2, lat=300),
    window("acme", W - 1439 * MIN, cm=1, opened=1, breached=1),
    window("acme", W - 1440 * MIN, cm=5, opened=3, br=4, ans=3, wsla=3, lat=900),
    window("zeta", W - 30 * MIN, cm=1, opened=1),
    window("zeta", W - 61 * MIN, cm=2),
    window("idle", datetime(2017, 10, 1, tzinfo=timezone.utc), cm=1, opened=1, br=1, ans=1, wsla=1, lat=60),
    window("mute", W - 15 * MIN, br=1),
]
STALE_WINDOWS = [  # an older version of acme's clock window: FINAL must hide it
    window("acme", W, cm=9, opened=9, br=9, er=9, pr=9, ans=9, wsla=9, late=9, breached=9, lat=9999,
           late_events=9, version=1),
]


def turn(brand, conv, index, started, status, latency=None, responder=("", ""), followers=None,
         version=1):
    answered = None if latency is None else started + timedelta(seconds=latency)
    return (brand, conv, index, started, 1, answered, responder[0], responder[1], latency, status,
            started + timedelta(hours=1), f"u-{conv}", followers, 0.0, 0.0, 0, version)


# The columns these rows give: the later ones (priority, business_latency_s, team) get their
# migrations' defaults, as rows written before those migrations do.
BASE_TURN_COLUMNS = TABLE_COLUMNS["turns"][:TABLE_COLUMNS["turns"].index("version") + 1]
ACME, ANN, BOB = ("acme", "brand"), ("acme/Ann", "employee"), ("acme/Bob", "employee")
TURNS = [
    # started at 11:00:30: its minute is 11:00, just out of the last hour
    turn("acme", "c1", 0, W - 60 * MIN + timedelta(seconds=30), "answered", 600, ACME),
    # minute 11:01, just in the last hour
    turn("acme", "c1", 1, W - 59 * MIN + timedelta(seconds=59), "open", followers=150),
    turn("acme", "c2", 0, W + timedelta(seconds=5), "answered", 45, ANN, followers=99, version=2),
    # minute 12:01 yesterday: just in the last 24 h
    turn("acme", "c3", 0, W - 1439 * MIN, "answered_late", 7200, ANN, followers=100),
    # minute 12:00 yesterday: just out of the last 24 h
    turn("acme", "c4", 0, W - DAY + timedelta(seconds=59), "answered", 900, BOB, followers=100_000),
    turn("acme", "c4", 1, W - DAY + timedelta(hours=1), "answered", 30, ANN, followers=100_000, version=2),
    turn("acme", "c5", 0, W - MIN, "open", followers=99_999),
    turn("acme", "c6", 0, W - DAY + timedelta(hours=8), "breached", followers=100),
    turn("zeta", "z1", 0, W - 30 * MIN, "open"),
    turn("idle", "i1", 0, datetime(2017, 10, 1, tzinfo=timezone.utc), "answered", 60, ("idle", "brand"),
         followers=1000),
]
STALE_TURNS = [  # FINAL must hide these: c2's turn before it was answered, and an
    # identical older copy of c4/1 (a worker re-writing a row after a restart)
    turn("acme", "c2", 0, W + timedelta(seconds=5), "open", followers=99, version=1),
    turn("acme", "c4", 1, W - DAY + timedelta(hours=1), "answered", 30, ANN, followers=100_000),
]


@pytest.fixture
def filled(backend):
    backend.insert("reciprocity_windows", TABLE_COLUMNS["reciprocity_windows"], WINDOWS)
    backend.insert("reciprocity_windows", TABLE_COLUMNS["reciprocity_windows"], STALE_WINDOWS)
    backend.insert("turns", BASE_TURN_COLUMNS, TURNS)
    backend.insert("turns", BASE_TURN_COLUMNS, STALE_TURNS)
    return backend


def test_the_views_exist_and_are_empty_on_empty_tables(backend):
    _, rows = backend.query(
        f"SELECT name, engine FROM system.tables WHERE database = '{backend.database}' AND name LIKE 'v\\_%' ORDER BY name"
    )
    assert [r for r in rows if r[0] in VIEWS] == [(v, "View") for v in VIEWS]
    _, rows = backend.query(f"SELECT version, name FROM {backend.database}.schema_migrations "
                            "WHERE version IN (3, 5) ORDER BY version")
    assert rows == [(3, "0003_reciprocity_views"), (5, "0005_reciprocity_views_on_turn_status")]
    for name in VIEWS:
        assert backend.query(f"SELECT * FROM {backend.database}.{name}")[1] == [], name


def test_stale_versions_are_really_there_unmerged(filled):
    db = filled.database
    assert filled.query(f"SELECT count() FROM {db}.turns")[1] == [(len(TURNS) + 2,)]
    assert filled.query(f"SELECT count() FROM {db}.reciprocity_windows")[1] == [(len(WINDOWS) + 1,)]


def test_brand_overview(filled):
    got = view(filled, "v_brand_overview")
    base = dict(employee_replies=0, peer_replies=0, late_events=0, answered=0, within_sla=0,
                breached=0, answered_late=0, open=0, employees=0)
    assert got == {
        "acme": dict(customer_messages=12, brand_replies=8, employee_replies=3, peer_replies=1,
                     late_events=1, turns=8, answered=5, within_sla=4, breached=2, answered_late=1,
                     open=2, sla_compliance=4 / 6, reply_rate=5 / 8, median_first_reply_s=900,
                     employees=2),
        # an open turn only: nothing to measure compliance on, nothing answered
        "zeta": {**base, "customer_messages": 3, "brand_replies": 0, "turns": 1, "open": 1,
                 "sla_compliance": None, "reply_rate": 0.0, "median_first_reply_s": None},
        "idle": {**base, "customer_messages": 1, "brand_replies": 1, "turns": 1, "answered": 1,
                 "within_sla": 1, "sla_compliance": 1.0, "reply_rate": 1.0, "median_first_reply_s": 60},
        # no turn at all: the LEFT JOIN finds nothing, ratios and latency are NULL
        "mute": {**base, "customer_messages": 0, "brand_replies": 1, "turns": 0,
                 "sla_compliance": None, "reply_rate": None, "median_first_reply_s": None},
    }


def rolling_zero(suffix: str) -> dict:
    return {f"{c}_{suffix}": 0 for c in ("customer_messages", "brand_replies", "answered", "within_sla",
                                          "breached", "answered_late", "turns", "turns_answered")} | {
        f"{c}_{suffix}": None for c in ("sla_compliance", "mean_latency_s", "reply_rate")}


def test_brand_rolling_last_hour_and_last_day(filled):
    got = view(filled, "v_brand_rolling")
    assert {b: r.pop("latest_window") for b, r in got.items()} == dict.fromkeys(got, W)
    assert got["acme"] == {
        # windows 12:00 and 11:01 (11:00 is out), turns opened at 11:01:59, 11:59, 12:00:05
        "customer_messages_1h": 3, "brand_replies_1h": 2, "answered_1h": 2, "within_sla_1h": 1,
        "breached_1h": 1, "answered_late_1h": 1, "sla_compliance_1h": 0.5, "mean_latency_s_1h": 2300.0,
        "turns_1h": 3, "turns_answered_1h": 1, "reply_rate_1h": 1 / 3,
        # + windows 11:00 and yesterday 12:01 (yesterday 12:00 is out); turns from c1, c2, c3,
        # c4/1, c5, c6 (c4/0 started at 12:00:59 yesterday is out)
        "customer_messages_24h": 7, "brand_replies_24h": 4, "answered_24h": 4, "within_sla_24h": 3,
        "breached_24h": 2, "answered_late_24h": 1, "sla_compliance_24h": 0.6, "mean_latency_s_24h": 1225.0,
        "turns_24h": 7, "turns_answered_24h": 4, "reply_rate_24h": 4 / 7,
    }
    # The clock is the stream's, not zeta's own latest window (11:30): its 10:59
    # window is out of the last hour.
    assert got["zeta"] == rolling_zero("1h") | rolling_zero("24h") | {
        "customer_messages_1h": 1, "turns_1h": 1, "reply_rate_1h": 0.0,
        "customer_messages_24h": 3, "turns_24h": 1, "reply_rate_24h": 0.0,
    }
    assert got["idle"] == rolling_zero("1h") | rolling_zero("24h")
    assert got["mute"] == rolling_zero("1h") | rolling_zero("24h") | {"brand_replies_1h": 1, "brand_replies_24h": 1}


def test_brand_rolling_follows_the_stream_clock(filled):
    # One more window an hour later, for another brand: acme's last hour is empty now
    # and its 24 h lose the windows and turns of yesterday 12:01 to 13:00.
    later = W + timedelta(hours=1)
    filled.insert("reciprocity_windows", TABLE_COLUMNS["reciprocity_windows"], [window("mute", later, br=1)])
    acme = view(filled, "v_brand_rolling")["acme"]
    assert acme.pop("latest_window") == later
    assert acme == rolling_zero("1h") | {
        "customer_messages_24h": 6, "brand_replies_24h": 4, "answered_24h": 4, "within_sla_24h": 3,
        "breached_24h": 1, "answered_late_24h": 1, "sla_compliance_24h": 0.75, "mean_latency_s_24h": 1225.0,
        "turns_24h": 5, "turns_answered_24h": 2, "reply_rate_24h": 0.4,
    }


def test_brand_latency(filled):
    assert view(filled, "v_brand_latency") == {
        # first replies (turns 0): 45, 600, 900, 7200 -> ranks floor(0.5*4)=2, floor(0.9*4)=3
        # every answer: 30, 45, 600, 900, 7200 -> ranks 2 and 4
        "acme": dict(first_replies=4, first_reply_p50_s=900, first_reply_p90_s=7200,
                     answers=5, reply_p50_s=600, reply_p90_s=7200),
        "zeta": dict(first_replies=0, first_reply_p50_s=None, first_reply_p90_s=None,
                     answers=0, reply_p50_s=None, reply_p90_s=None),
        "idle": dict(first_replies=1, first_reply_p50_s=60, first_reply_p90_s=60,
                     answers=1, reply_p50_s=60, reply_p90_s=60),
    }


def test_responder_leaderboard(filled):
    got = view(filled, "v_responder_leaderboard", key=("brand", "responder_id", "responder_role"))
    assert got == {
        ("acme", "acme", "brand"): dict(answers=1, within_sla=1, within_sla_share=1.0, latency_p50_s=600,
                                        latency_p90_s=600, last_answer_at=W - 50 * MIN + timedelta(seconds=30)),
        # 30, 45, 7200 (late): ranks floor(1.5)=1 and floor(2.7)=2
        ("acme", "acme/Ann", "employee"): dict(answers=3, within_sla=2, within_sla_share=2 / 3,
                                               latency_p50_s=45, latency_p90_s=7200,
                                               last_answer_at=W + timedelta(seconds=50)),
        ("acme", "acme/Bob", "employee"): dict(answers=1, within_sla=1, within_sla_share=1.0, latency_p50_s=900,
                                               latency_p90_s=900, last_answer_at=W - DAY + timedelta(seconds=959)),
        ("idle", "idle", "brand"): dict(answers=1, within_sla=1, within_sla_share=1.0, latency_p50_s=60,
                                        latency_p90_s=60, last_answer_at=datetime(2017, 10, 1, 0, 1, tzinfo=timezone.utc)),
    }


def test_follower_brackets(filled):
    got = view(filled, "v_follower_brackets", key=("brand", "bracket"))

    def row(order, turns, answered, within_sla, breached, open_, median):
        return dict(bracket_order=order, turns=turns, answered=answered, within_sla=within_sla,
                    breached=breached, open=open_, reply_rate=answered / turns,
                    sla_compliance=None if within_sla + breached == 0 else within_sla / (within_sla + breached),
                    median_latency_s=median)

    assert got == {
        ("acme", "unknown"): row(0, 1, 1, 1, 0, 0, 600),
        ("acme", "<100"): row(1, 1, 1, 1, 0, 0, 45),  # 99 followers
        # 150 (open), 100 (late, 7200 s), 100 (breached): 1 of 3 answered, 0 of 2 on time
        ("acme", "100-1k"): row(2, 3, 1, 0, 2, 1, 7200),
        ("acme", "10k-100k"): row(4, 1, 0, 0, 0, 1, None),  # 99,999 followers, still open
        ("acme", ">=100k"): row(5, 2, 2, 2, 0, 0, 900),  # 30 and 900 s: the upper middle
        ("zeta", "unknown"): row(0, 1, 0, 0, 0, 1, None),
        ("idle", "1k-10k"): row(3, 1, 1, 1, 0, 0, 60),  # 1,000 followers
    }
    assert got[("acme", "100-1k")]["sla_compliance"] == 0.0
    assert got[("acme", "100-1k")]["reply_rate"] == 1 / 3


def test_turn_status_is_one_row_per_turn_with_its_status_as_flags(filled):
    got = view(filled, "v_turn_status", key=("brand", "conversation_id", "turn_index"))
    assert len(got) == len(TURNS)  # FINAL: the stale versions are hidden
    flags = ("is_answered", "is_within_sla", "is_breached", "is_answered_late", "is_open", "is_first_reply")
    assert {k: tuple(r[f] for f in flags) for k, r in got.items() if k[0] == "acme"} == {
        ("acme", "c1", 0): (1, 1, 0, 0, 0, 1),
        ("acme", "c1", 1): (0, 0, 0, 0, 1, 0),
        ("acme", "c2", 0): (1, 1, 0, 0, 0, 1),  # version 2 (answered), not the open version 1
        ("acme", "c3", 0): (1, 0, 1, 1, 0, 1),  # answered late: a breach that got an answer
        ("acme", "c4", 0): (1, 1, 0, 0, 0, 1),
        ("acme", "c4", 1): (1, 1, 0, 0, 0, 0),  # answered, but not a first reply
        ("acme", "c5", 0): (0, 0, 0, 0, 1, 0),
        ("acme", "c6", 0): (0, 0, 1, 0, 0, 0),
    }
    assert got[("acme", "c1", 0)]["opened_minute"] == W - 60 * MIN  # 11:00:30 -> 11:00
    assert got[("acme", "c1", 0)]["status"] == "answered" and got[("acme", "c1", 0)]["latency_s"] == 600


def test_turn_summary_is_the_grouped_view_behind_overview_and_brackets(filled):
    got = view(filled, "v_turn_summary", key=("brand", "grouping", "bracket"))
    overview, brackets = view(filled, "v_brand_overview"), view(filled, "v_follower_brackets", key=("brand", "bracket"))
    brand_rows = {k[0]: r for k, r in got.items() if k[1] == "brand"}
    assert set(brand_rows) == {"acme", "zeta", "idle"}  # mute has no turn
    for brand, row in brand_rows.items():
        assert row["bracket_order"] == 0
        assert {c: row[c] for c in ("turns", "answered", "within_sla", "breached", "answered_late", "open",
                                    "sla_compliance", "reply_rate", "median_first_reply_s", "employees")} == {
            c: overview[brand][c] for c in ("turns", "answered", "within_sla", "breached", "answered_late", "open",
                                            "sla_compliance", "reply_rate", "median_first_reply_s", "employees")}
    assert brand_rows["acme"]["median_latency_s"] == 600  # 30, 45, 600, 900, 7200
    follower_rows = {(k[0], k[2]): r for k, r in got.items() if k[1] == "followers"}
    assert set(follower_rows) == set(brackets)
    for key, row in follower_rows.items():
        assert {c: row[c] for c in brackets[key]} == brackets[key]
    assert follower_rows[("acme", "100-1k")]["answered_late"] == 1
    assert follower_rows[("acme", ">=100k")]["employees"] == 2  # Bob and Ann


def test_a_database_migrated_before_0005_gets_the_new_view_definitions(clickhouse_target, tmp_path):
    old = tmp_path / "migrations"
    old.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("000[1-4]_*.sql")):
        shutil.copy(path, old / path.name)
    with open_backend(clickhouse_target) as b:
        db = b.database
        assert apply_migrations(b, db, old)[-1] == "0004_voice_views"
        # what 0003 left in such a database: views of the same names, older definitions
        b.execute(f"CREATE VIEW {db}.v_brand_overview AS SELECT 'old' AS brand")
        b.execute(f"CREATE VIEW {db}.v_sentiment_recovery AS SELECT 'old' AS brand")
        assert apply_migrations(b, db)[0] == "0005_reciprocity_views_on_turn_status"
        for name, column in (("v_brand_overview", "sla_compliance"), ("v_sentiment_recovery", "recovery_rate")):
            columns, rows = b.query(f"SELECT * FROM {db}.{name}")
            assert column in columns and rows == [], name
