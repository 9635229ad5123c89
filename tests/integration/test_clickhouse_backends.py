"""Both ClickHouse backends (embedded chdb, server 18.16) run the same migrations and
give the same answers."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import pytest

from cluetrain.sinks.backends import ClickHouseError, open_backend
from cluetrain.sinks import snapshots
from cluetrain.sinks.migrate import apply_migrations, list_migrations
from cluetrain.domain.results import DeadLetter, ScoredEvent
from cluetrain.sinks.tables import TABLE_COLUMNS, dead_letter_row, event_row
from cluetrain.sinks.writer import ClickHouseSink
from cluetrain.domain.events import Event

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
# customer_id, customer_followers, first_sentiment, last_sentiment, negative_messages
NO_CUSTOMER = ("c9", None, 0.0, 0.0, 0)
# The columns up to version: the later ones (priority, business_latency_s, team) get their
# migrations' defaults, as rows written before those migrations do.
BASE_TURN_COLUMNS = TABLE_COLUMNS["turns"][:TABLE_COLUMNS["turns"].index("version") + 1]
TABLES = {"mentions", "replies", "dead_letters", "turns", "reciprocity_windows",
          "sentiment_windows", "alerts", "schema_migrations"}
NASTY_TEXTS = [
    "line one\nline two\r\nthree",
    'double "quotes" and \'single\'',
    "back\\slash \\n not a newline \\",
    "emoji 😀🎉👍🏽 and accents éàç ß 漢字",
    "tab\there\tand\x00nul and \x1b escape",
    "",
    "{\"json\": [1, 2]} ; DROP TABLE x; --",
    "x" * 100_000,
]


def mention(i: int, text: str = "hello", **changes) -> Event:
    fields = dict(
        kind="mention", event_id=f"m{i}", conversation_id=f"m{i}", in_reply_to=None,
        brand="acme", author_id=f"u{i}", author_role="customer", author_followers=None,
        text=text, lang=None, created_at_ms=1_700_000_000_000 + i * 1000,
    )
    fields.update(changes)
    return Event(**fields)


def row_of(event: Event, offset: int = 0) -> tuple:
    return event_row(ScoredEvent(event, sentiment=0.5, lang="en", late=False, source_partition=1,
                                 source_offset=offset, template_keys=None, ingested_ms=1_700_000_500_000))


def test_migrations_are_applied_once(clickhouse_target):
    with open_backend(clickhouse_target) as b:
        every = [(version, name) for version, name, _ in list_migrations()]
        assert every[:2] == [(1, "0001_raw_tables"), (2, "0002_metric_tables")]
        assert apply_migrations(b, b.database) == [name for _, name in every]
        assert apply_migrations(b, b.database) == []
        _, rows = b.query(f"SELECT name FROM system.tables WHERE database = '{b.database}' AND engine != 'View'")
        tables = {r[0] for r in rows}
        assert {t for t in tables if not t.startswith(snapshots.PREFIX)} == TABLES
        _, rows = b.query(f"SELECT name FROM system.tables WHERE database = '{b.database}' AND engine = 'View'")
        views = {r[0] for r in rows}  # each snapshot table copies a view of the same name
        assert {t[len(snapshots.PREFIX):] for t in tables if t.startswith(snapshots.PREFIX)} - {"state"} <= views
        names, rows = b.query(f"SELECT version, name FROM {b.database}.schema_migrations ORDER BY version")
        assert names == ["version", "name"]
        assert rows == every
    with open_backend(clickhouse_target) as b:  # a restart applies nothing either
        assert apply_migrations(b, b.database) == []


def test_an_add_column_migration_can_run_again(clickhouse_target, tmp_path):
    """Interrupted after its ALTER but before it was recorded, a migration runs again:
    the columns already there are skipped (18.16 has no ADD COLUMN IF NOT EXISTS)."""
    again = tmp_path / "migrations"
    again.mkdir()
    (again / "0999_turn_priority_again.sql").write_text(
        (REPO / "cluetrain/sinks/migrations/0010_turn_priority_business_latency.sql").read_text())
    with open_backend(clickhouse_target) as b:
        apply_migrations(b, b.database)
        assert apply_migrations(b, b.database, again) == ["0999_turn_priority_again"]
        _, rows = b.query(f"SELECT name FROM system.columns WHERE database = '{b.database}' AND table = 'turns'")
        assert [r[0] for r in rows] == list(TABLE_COLUMNS["turns"])


def test_workers_migrating_one_database_at_once_all_succeed(clickhouse_server_target):
    """Workers started together (`cluetrain run` with two workers) each migrate: one's DROP
    VIEW must not make the other's CREATE fail for good."""
    import threading

    every = [name for _, name, _ in list_migrations()]
    start, results = threading.Barrier(3), []

    def migrate():
        with open_backend(clickhouse_server_target) as b:
            start.wait()
            try:
                results.append(apply_migrations(b, b.database))
            except ClickHouseError as exc:
                results.append(exc)

    threads = [threading.Thread(target=migrate) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert set().union(*results) == set(every)
    with open_backend(clickhouse_server_target) as b:
        assert apply_migrations(b, b.database) == []
        _, rows = b.query(f"SELECT count() FROM system.tables WHERE database = '{b.database}' AND engine = 'View'")
        views = rows[0][0]
    with open_backend(clickhouse_server_target.rsplit("/", 1)[0] + "/fresh_" + b.database) as single:
        apply_migrations(single, single.database)
        _, rows = single.query(f"SELECT count() FROM system.tables WHERE database = '{single.database}' "
                               "AND engine = 'View'")
        assert rows[0][0] == views
        single.execute(f"DROP DATABASE {single.database}")


def test_table_columns_match_the_migrations(backend):
    for table, columns in TABLE_COLUMNS.items():
        _, rows = backend.query(
            f"SELECT name FROM system.columns WHERE database = '{backend.database}' AND table = '{table}'"
        )
        assert sorted(r[0] for r in rows) == sorted(columns), table


def test_duplicates_are_stored_once_with_final(backend):
    rows = [row_of(mention(i), offset=i) for i in range(5)]
    sink = ClickHouseSink(backend)
    sink.write("mentions", rows)
    sink.write("mentions", rows)  # a re-delivery
    sink.write("mentions", rows[:2])
    db = backend.database
    _, counts = backend.query(f"SELECT event_id, count() FROM {db}.mentions FINAL GROUP BY event_id ORDER BY event_id")
    assert counts == [(f"m{i}", 1) for i in range(5)]
    _, total = backend.query(f"SELECT count() FROM {db}.mentions FINAL")
    assert total == [(5,)]


def test_unicode_text_round_trips(backend):
    events = [mention(i, text) for i, text in enumerate(NASTY_TEXTS)]
    backend.insert("mentions", TABLE_COLUMNS["mentions"], [row_of(e) for e in events])
    _, rows = backend.query(f"SELECT event_id, text FROM {backend.database}.mentions FINAL")
    assert dict(rows) == {e.event_id: e.text for e in events}


def test_nullable_and_datetime_values(backend):
    db = backend.database
    reply = mention(1, kind="reply", event_id="r1", in_reply_to="m1", author_role="brand",
                    author_followers=12_345_678_901, created_at_ms=1_700_000_000_999)
    backend.insert("replies", TABLE_COLUMNS["replies"], [row_of(reply), row_of(mention(2))])
    names, rows = backend.query(
        f"SELECT event_id, in_reply_to, author_followers, created_at, created_at_ms, lang, late"
        f" FROM {db}.replies FINAL ORDER BY event_id"
    )
    assert names == ["event_id", "in_reply_to", "author_followers", "created_at", "created_at_ms", "lang", "late"]
    created = datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)
    assert rows[0] == ("m2", None, None, datetime(2023, 11, 14, 22, 13, 22, tzinfo=timezone.utc),
                       1_700_000_002_000, "en", 0)
    assert rows[1] == ("r1", "m1", 12_345_678_901, created, 1_700_000_000_999, "en", 0)
    # Naive datetimes are UTC; ints are epoch seconds.
    turn = ("acme", "m1", 0, datetime(2024, 1, 1, 12, 0, 0), 2, None, "", "", None, "open",
            1_704_114_000) + NO_CUSTOMER + (1,)
    backend.insert("turns", BASE_TURN_COLUMNS, [turn])
    _, rows = backend.query(f"SELECT started_at, answered_at, latency_s, deadline FROM {db}.turns FINAL")
    assert rows == [(datetime(2024, 1, 1, 12, tzinfo=timezone.utc), None, None,
                     datetime(2024, 1, 1, 13, tzinfo=timezone.utc))]


def test_metric_rows_latest_version_wins(backend):
    db = backend.database
    start = datetime(2024, 1, 1, 12, 0, tzinfo=timezone.utc)
    answered = datetime(2024, 1, 1, 12, 30, tzinfo=timezone.utc)
    cols = BASE_TURN_COLUMNS
    backend.insert("turns", cols, [("acme", "c1", 0, start, 1, None, "", "", None, "open", start) + NO_CUSTOMER + (1,)])
    backend.insert("turns", cols, [("acme", "c1", 0, start, 2, answered, "b1", "brand", 1800, "answered", start)
                                   + NO_CUSTOMER + (3,)])
    backend.insert("turns", cols, [("acme", "c1", 0, start, 1, None, "", "", None, "open", start)
                                   + NO_CUSTOMER + (2,)])  # stale
    _, rows = backend.query(f"SELECT status, customer_messages, answered_at, latency_s FROM {db}.turns FINAL")
    assert rows == [("answered", 2, answered, 1800)]
    window = ("acme", start, "customer", 3, -0.75, 1, 1, 1)
    backend.insert("sentiment_windows", TABLE_COLUMNS["sentiment_windows"], [window + (1,), window[:3] + (4, 0.5, 2, 1, 1, 2)])
    _, rows = backend.query(f"SELECT messages, score_sum FROM {db}.sentiment_windows FINAL")
    assert rows == [(4, 0.5)]


def test_dead_letters_redelivery_is_idempotent(backend):
    kwargs = dict(source_topic="mentions", source_partition=2, source_offset=1234,
                  reason="missing field: text", payload=b"\xff\x00{not json")
    for received_at_ms in (1_700_000_000_000, 1_700_000_060_000):
        row = dead_letter_row(DeadLetter.of(received_at_ms, **kwargs))
        backend.insert("dead_letters", TABLE_COLUMNS["dead_letters"], [row])
    _, rows = backend.query(f"SELECT source, reason, payload_base64, source_offset, payload_size "
                            f"FROM {backend.database}.dead_letters FINAL")
    assert rows == [("mentions/2@1234", "missing field: text", "/wB7bm90IGpzb24=", 1234, 11)]


def test_errors_are_clickhouse_errors(backend):
    with pytest.raises(ClickHouseError):
        backend.query(f"SELECT nope FROM {backend.database}.mentions")
    with pytest.raises(ClickHouseError):
        backend.execute("THIS IS NOT SQL")
    assert backend.query("SELECT 1 AS one") == (["one"], [(1,)])


def test_server_unreachable_is_one_clear_error():
    with pytest.raises(ClickHouseError, match=r"cannot connect to ClickHouse at 127\.0\.0\.1:1: "):
        open_backend("clickhouse://default:@127.0.0.1:1/db")


def test_chdb_directory_in_use_by_another_process(tmp_path):
    path = tmp_path / "busy"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys
            from cluetrain.sinks.backends import open_backend
            b = open_backend({str(path)!r})
            print("ready", flush=True)
            sys.stdin.read()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert holder.stdout.readline().strip() == b"ready"
        with pytest.raises(ClickHouseError) as info:
            open_backend(str(path))
        assert str(info.value) == f"data directory {path} is in use by another process"
    finally:
        holder.stdin.close()
        holder.wait(30)
    with open_backend(str(path)) as b:  # free again once the other process is gone
        assert b.query("SELECT 1")[1] == [(1,)]


# DateTime values must mean UTC whatever the zone of the server or of the machine.
ZONE_CHECK = [
    ("naive", datetime(2024, 7, 1, 12, 0, 0), 1_719_835_200),
    ("aware", datetime(2024, 7, 1, 14, 0, 0, tzinfo=timezone.utc).astimezone(), 1_719_842_400),
    ("epoch", 1_719_849_600, 1_719_849_600),
]


def _check_zones(target: str) -> None:
    with open_backend(target) as b:
        apply_migrations(b, b.database)
        start = datetime(2024, 7, 1, tzinfo=timezone.utc)
        rows = [(name, value, "customer", 1, 0.0, 0, 0, 0, 1) for name, value, _ in ZONE_CHECK]
        b.insert("sentiment_windows", TABLE_COLUMNS["sentiment_windows"], rows)
        _, got = b.query(f"SELECT brand, window_start, toUnixTimestamp(window_start) FROM {b.database}.sentiment_windows FINAL ORDER BY brand")
        expected = sorted((name, datetime.fromtimestamp(epoch, tz=timezone.utc), epoch) for name, _, epoch in ZONE_CHECK)
        assert got == expected
        assert start.tzinfo is timezone.utc


def test_server_in_another_time_zone_still_stores_utc():
    from cluetrain.runtime.clickhouse_server import ClickHouseServer, find_binary

    if find_binary() is None:
        pytest.skip("clickhouse-server binary not found")
    with ClickHouseServer(timezone="America/New_York") as server:
        with open_backend(server.url) as b:
            assert b.query("SELECT timezone()")[1] == [("America/New_York",)]
        _check_zones(server.url)


def test_chdb_on_a_machine_in_another_time_zone_still_stores_utc(tmp_path):
    script = f"from tests.integration.test_clickhouse_backends import _check_zones; _check_zones({str(tmp_path / 'tz')!r})"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO), "TZ": "America/New_York"},
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_server_going_away_is_a_retryable_error_and_the_sink_keeps_the_rows():
    from cluetrain.runtime.clickhouse_server import ClickHouseServer, find_binary

    if find_binary() is None:
        pytest.skip("clickhouse-server binary not found")
    server = ClickHouseServer().start()
    backend = open_backend(server.url)
    try:
        apply_migrations(backend, backend.database)
        sink = ClickHouseSink(backend, outage_limit_s=0.5)
        sink.add("mentions", row_of(mention(1)))
        server.stop()
        with pytest.raises(Exception) as info:
            sink.flush()
        assert type(info.value).__name__ == "SinkError"
        assert "cannot write 1 rows to mentions: ClickHouse failing for" in str(info.value)
        assert isinstance(info.value.__cause__, ClickHouseError) and info.value.__cause__.retryable
        assert sink.pending == 1
    finally:
        backend.close()
        server.stop()
