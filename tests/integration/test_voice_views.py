"""The views of migration 0004 (sentiment recovery, templated answers), on chdb and on
clickhouse-server 18.16: the same hand-made rows, the same exact figures.

Turns of brand acme (last = last_sentiment of the turn, next = first_sentiment of
the following turn of the same conversation):
  c1/0 answered by the brand account, last -0.6, next +0.3   -> recovered
  c1/1 answered by Ann,               last -0.5, next -0.4   -> still negative
  c1/2 open (first -0.4)
  c2/0 answered by Ann,               last -0.05, next -0.05 -> negative both (boundary)
  c2/1 answered late by the account,  last +0.2, no next turn
  c3/0 answered by Bob,               last +0.1, next -0.7   -> soured
  c3/1 breached (first -0.7)
  c4/0 answered by the account,       last -0.04 (neutral), next 0.0
  c4/1 answered by the account,       last -0.9, no next turn
  c5/0 answered by Ann,               last -0.3, next +0.5   -> recovered; an older
       version of c5/0 (still open) and of c5/1 (first -0.8) that FINAL must hide
Brand beta: c1/0 answered, last -0.2, no next turn of ITS c1 (acme's c1/1 must not
match: the join is per brand). Brand zeta: an open turn only.

Replies (template keys): acme r1 account [0:aaa, 1:bbb], r2 Ann [1:bbb, 2:ccc],
r3 Ann [0:zzz, 2:ccc], r4 Bob [3:ddd] (shared only with a customer reply and with
another brand), r5 account [] (no keys), r6 Bob [5:fff] (an older row of r6 had
[0:aaa]: FINAL must hide it), a customer reply [3:ddd, 1:bbb] (ignored); beta b1
account [3:ddd], b2 Cy [9:xx], b3 account [8:yy, 9:xx].
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from cluetrain.domain.results import ScoredEvent
from cluetrain.sinks.tables import TABLE_COLUMNS, event_row
from cluetrain.domain.events import Event
from tests.support.views import view

pytestmark = pytest.mark.integration

VIEWS = ["v_reply_templates", "v_sentiment_recovery", "v_sentiment_recovery_by_role",
         "v_sentiment_recovery_grouped", "v_template_share", "v_template_share_by_author",
         "v_template_share_grouped"]
T0 = datetime(2017, 11, 1, 10, 0, tzinfo=timezone.utc)
MIN = timedelta(minutes=1)


def turn(brand, conv, index, status, first, last, responder=("", ""), version=1):
    started = T0 + (10 * index) * MIN
    answered = started + 2 * MIN if status in ("answered", "answered_late") else None
    latency = 120 if answered else None
    return (brand, conv, index, started, 1, answered, responder[0], responder[1], latency, status,
            started + timedelta(hours=1), f"u-{conv}", None, first, last,
            int(first <= -0.05) + int(last <= -0.05), version)


# The columns these rows give: the later ones (priority, business_latency_s, team) get their
# migrations' defaults, as rows written before those migrations do.
BASE_TURN_COLUMNS = TABLE_COLUMNS["turns"][:TABLE_COLUMNS["turns"].index("version") + 1]
ACME, ANN, BOB = ("acme", "brand"), ("acme/Ann", "employee"), ("acme/Bob", "employee")
TURNS = [
    turn("acme", "c1", 0, "answered", -0.6, -0.6, ACME),
    turn("acme", "c1", 1, "answered", 0.3, -0.5, ANN),
    turn("acme", "c1", 2, "open", -0.4, -0.4),
    turn("acme", "c2", 0, "answered", -0.05, -0.05, ANN),
    turn("acme", "c2", 1, "answered_late", -0.05, 0.2, ACME),
    turn("acme", "c3", 0, "answered", 0.1, 0.1, BOB),
    turn("acme", "c3", 1, "breached", -0.7, -0.7),
    turn("acme", "c4", 0, "answered", -0.04, -0.04, ACME),
    turn("acme", "c4", 1, "answered", 0.0, -0.9, ACME),
    turn("acme", "c5", 0, "answered", -0.3, -0.3, ANN, version=2),
    turn("acme", "c5", 1, "open", 0.5, 0.5, version=2),
    turn("beta", "c1", 0, "answered", -0.2, -0.2, ("beta", "brand")),
    turn("zeta", "z1", 0, "open", -0.9, -0.9),
]
STALE_TURNS = [  # older versions: FINAL must hide them
    turn("acme", "c5", 0, "open", -0.3, -0.3, version=1),
    turn("acme", "c5", 1, "open", -0.8, -0.8, version=1),
]


def reply(brand, event_id, author, keys, minute, offset=0):
    author_id, role = author
    event = Event(kind="reply", event_id=event_id, conversation_id=f"{brand}-conv", in_reply_to="m1",
                  brand=brand, author_id=author_id, author_role=role, author_followers=None,
                  text=f"reply {event_id}", lang="en",
                  created_at_ms=int((T0 + minute * MIN).timestamp() * 1000))
    return event_row(ScoredEvent(event, sentiment=0.0, lang="en", late=False, source_partition=0,
                                 source_offset=offset, template_keys=keys, ingested_ms=int(T0.timestamp()) * 1000))


ACCOUNT, CY, CUSTOMER = ("Acme", "brand"), ("beta/Cy", "employee"), ("u-1", "customer")
STALE_REPLIES = [  # inserted first: the later row of the same (brand, event_id) wins with FINAL
    reply("acme", "r6", BOB, ["0:aaa"], 6, offset=1),
]
REPLIES = [
    reply("acme", "r1", ACCOUNT, ["0:aaa", "1:bbb"], 1),
    reply("acme", "r2", ANN, ["1:bbb", "2:ccc"], 2),
    reply("acme", "r3", ANN, ["0:zzz", "2:ccc"], 3),
    reply("acme", "r4", BOB, ["3:ddd"], 4),
    reply("acme", "r5", ACCOUNT, [], 5),
    reply("acme", "r6", BOB, ["5:fff"], 6, offset=2),
    reply("acme", "q1", CUSTOMER, ["3:ddd", "1:bbb"], 7),
    reply("beta", "b1", ("Beta", "brand"), ["3:ddd"], 1),
    reply("beta", "b2", CY, ["9:xx"], 2),
    reply("beta", "b3", ("Beta", "brand"), ["8:yy", "9:xx"], 3),
]


@pytest.fixture
def filled(backend):
    backend.insert("turns", BASE_TURN_COLUMNS, TURNS)
    backend.insert("turns", BASE_TURN_COLUMNS, STALE_TURNS)
    backend.insert("replies", TABLE_COLUMNS["replies"], STALE_REPLIES)
    backend.insert("replies", TABLE_COLUMNS["replies"], REPLIES)
    return backend


def test_the_views_exist_and_are_empty_on_empty_tables(backend):
    _, rows = backend.query(f"SELECT name, engine FROM system.tables WHERE database = '{backend.database}'")
    engines = dict(rows)
    assert {v: engines.get(v) for v in VIEWS} == dict.fromkeys(VIEWS, "View")
    _, rows = backend.query(f"SELECT version, name FROM {backend.database}.schema_migrations "
                            "WHERE version IN (4, 6) ORDER BY version")
    assert rows == [(4, "0004_voice_views"), (6, "0006_voice_views_grouped")]
    for name in VIEWS:
        assert backend.query(f"SELECT * FROM {backend.database}.{name}")[1] == [], name


def test_stale_rows_are_really_there_unmerged(filled):
    db = filled.database
    assert filled.query(f"SELECT count() FROM {db}.turns")[1] == [(len(TURNS) + len(STALE_TURNS),)]
    assert filled.query(f"SELECT count() FROM {db}.replies")[1] == [(len(REPLIES) + len(STALE_REPLIES),)]


def recovery(answered, with_next, negative, negative_next, recovered, nonneg_next, soured):
    return dict(answered=answered, answered_with_next=with_next, negative_answered=negative,
                negative_with_next=negative_next, recovered=recovered,
                recovery_rate=None if negative_next == 0 else recovered / negative_next,
                nonnegative_with_next=nonneg_next, soured=soured,
                souring_rate=None if nonneg_next == 0 else soured / nonneg_next)


def test_sentiment_recovery(filled):
    got = view(filled, "v_sentiment_recovery")
    assert got == {
        # answered: c1/0 c1/1 c2/0 c2/1 c3/0 c4/0 c4/1 c5/0; followed: all but c2/1 and c4/1
        # negative: c1/0 c1/1 c2/0 (-0.05 is negative) c4/1 c5/0, followed: all but c4/1,
        # recovered: c1/0 (+0.3) and c5/0 (+0.5, the latest version of c5/1)
        # not negative and followed: c3/0 (soured to -0.7) and c4/0 (-0.04 -> 0.0)
        "acme": recovery(8, 6, 5, 4, 2, 2, 1),
        # acme's c1/1 is not beta's next turn
        "beta": recovery(1, 0, 1, 0, 0, 0, 0),
        "zeta": recovery(0, 0, 0, 0, 0, 0, 0),
    }
    assert got["acme"]["recovery_rate"] == 0.5 and got["acme"]["souring_rate"] == 0.5


def test_sentiment_recovery_by_role(filled):
    got = view(filled, "v_sentiment_recovery_by_role", key=("brand", "responder_role"))
    assert got == {
        # the account: c1/0 (recovered), c2/1, c4/0 (followed, stays calm), c4/1
        ("acme", "brand"): recovery(4, 2, 2, 1, 1, 1, 0),
        # Ann and Bob: c1/1 (still negative), c2/0 (still negative), c5/0 (recovered),
        # c3/0 (soured)
        ("acme", "employee"): recovery(4, 4, 3, 3, 1, 1, 1),
        ("beta", "brand"): recovery(1, 0, 1, 0, 0, 0, 0),
        # unanswered turns (responder_role '') and zeta (nothing answered) have no row
    }
    assert got[("acme", "employee")]["recovery_rate"] == 1 / 3


def test_tone_flags_of_turn_status_use_the_negative_threshold(filled):
    got = view(filled, "v_turn_status", key=("brand", "conversation_id", "turn_index"))
    tone = {k: (r["is_first_negative"], r["is_last_negative"]) for k, r in got.items()}
    assert tone[("acme", "c2", 0)] == (1, 1)  # -0.05 is negative (a Float32 just below it)
    assert tone[("acme", "c4", 0)] == (0, 0)  # -0.04 is not
    assert tone[("acme", "c1", 1)] == (0, 1)  # +0.3 first, -0.5 last
    assert tone[("acme", "c5", 1)] == (0, 0)  # the latest version (+0.5), not the stale -0.8


def test_recovery_grouped_holds_both_groupings(filled):
    got = view(filled, "v_sentiment_recovery_grouped", key=("brand", "grouping", "responder_role"))
    by_brand = {k[0]: r for k, r in got.items() if k[1] == "brand" and k[2] == ""}
    by_role = {(k[0], k[2]): r for k, r in got.items() if k[1] == "responder_role"}
    assert by_brand == view(filled, "v_sentiment_recovery")
    # the unanswered turns are a role '' of their own here, left out of the _by_role view
    assert by_role.pop(("acme", "")) == recovery(0, 0, 0, 0, 0, 0, 0)
    assert by_role.pop(("zeta", "")) == recovery(0, 0, 0, 0, 0, 0, 0)
    assert by_role == view(filled, "v_sentiment_recovery_by_role", key=("brand", "responder_role"))


def test_template_share_grouped_holds_both_groupings(filled):
    got = view(filled, "v_template_share_grouped", key=("brand", "grouping", "author_id", "author_role"))
    assert {k[0]: r for k, r in got.items() if k[1] == "brand"} == view(filled, "v_template_share")
    by_author = {(k[0], k[2], k[3]): r for k, r in got.items() if k[1] == "author"}
    assert {k: {c: v for c, v in r.items() if c != "templates"} for k, r in by_author.items()} == view(
        filled, "v_template_share_by_author", key=("brand", "author_id", "author_role"))
    assert by_author[("acme", "acme/Ann", "employee")]["templates"] == 2  # 1:bbb and 2:ccc


def test_reply_templates(filled):
    got = view(filled, "v_reply_templates", key=("brand", "event_id"))

    def row(author, minute, templated, template_id):
        return dict(author_id=author[0], author_role=author[1], created_at=T0 + minute * MIN,
                    templated=templated, template_id=template_id)

    assert got == {
        ("acme", "r1"): row(ACCOUNT, 1, 1, "1:bbb"),  # 0:aaa is r1's alone (r6's old row is hidden)
        ("acme", "r2"): row(ANN, 2, 1, "1:bbb"),  # shares 1:bbb with r1 and 2:ccc with r3: the smallest
        ("acme", "r3"): row(ANN, 3, 1, "2:ccc"),
        ("acme", "r4"): row(BOB, 4, 0, ""),  # 3:ddd: a customer's and another brand's
        ("acme", "r5"): row(ACCOUNT, 5, 0, ""),  # no keys
        ("acme", "r6"): row(BOB, 6, 0, ""),
        ("beta", "b1"): row(("Beta", "brand"), 1, 0, ""),
        ("beta", "b2"): row(CY, 2, 1, "9:xx"),
        ("beta", "b3"): row(("Beta", "brand"), 3, 1, "9:xx"),
    }


def test_template_share(filled):
    assert view(filled, "v_template_share") == {
        "acme": dict(replies=6, templated=3, share=0.5, templates=2),
        "beta": dict(replies=3, templated=2, share=2 / 3, templates=1),
    }


def test_template_share_by_author(filled):
    assert view(filled, "v_template_share_by_author", key=("brand", "author_id", "author_role")) == {
        ("acme", "Acme", "brand"): dict(replies=2, templated=1, share=0.5),
        ("acme", "acme/Ann", "employee"): dict(replies=2, templated=2, share=1.0),
        ("acme", "acme/Bob", "employee"): dict(replies=2, templated=0, share=0.0),
        ("beta", "Beta", "brand"): dict(replies=2, templated=1, share=0.5),
        ("beta", "beta/Cy", "employee"): dict(replies=1, templated=1, share=1.0),
    }


def test_a_reply_loses_its_template_when_its_twin_is_superseded(filled):
    # b2's keys are re-written (a newer row of the same event): b3 no longer shares 9:xx
    filled.insert("replies", TABLE_COLUMNS["replies"], [reply("beta", "b2", CY, ["7:zz"], 2, offset=9)])
    got = view(filled, "v_template_share")
    assert got["beta"] == dict(replies=3, templated=0, share=0.0, templates=0)
