"""`cluetrain report` through its command line on both backends: the 100-column table,
--brand/--since/--until, CSV, -o, and one-line errors. Data: the hand-made rows of
test_bi_views."""
from __future__ import annotations

import csv
import io

import pytest

from cluetrain.cli.main import main
from cluetrain.sinks.backends import open_backend
from cluetrain.sinks.migrate import apply_migrations
from tests.integration.test_bi_views import (
    D1, MENTIONS, REPLIES, SENTIMENT, STALE_SENTIMENT, STALE_TURNS, STALE_WINDOWS, TURNS, WINDOWS,
)
from tests.support.rows import insert_rows

pytestmark = pytest.mark.integration


@pytest.fixture
def target(clickhouse_target):
    with open_backend(clickhouse_target) as backend:  # closed before the command opens it
        apply_migrations(backend, backend.database)
        for table, rows in [("turns", STALE_TURNS), ("turns", TURNS), ("reciprocity_windows", STALE_WINDOWS),
                            ("reciprocity_windows", WINDOWS), ("sentiment_windows", STALE_SENTIMENT),
                            ("sentiment_windows", SENTIMENT), ("mentions", MENTIONS), ("replies", REPLIES)]:
            insert_rows(backend, table, rows)
    return clickhouse_target


def report(capsys, target, *flags) -> tuple[int, str, str]:
    code = main(["report", "--clickhouse", target, *flags])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_table_fits_100_columns_and_has_every_section(capsys, target):
    code, out, _ = report(capsys, target)
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 100
    for title in ("Per brand", "Per hour", "Wait for a first reply", "Who answers",
                  "Reply rate by audience", "Sentiment recovery", "Templated answers"):
        assert title in out


def test_brand_and_range(capsys, target):
    code, out, _ = report(capsys, target, "--brand", "acme", "--since", "2017-11-01", "--until", "2017-11-02")
    assert code == 0
    brand_line = next(line for line in out.splitlines() if line.startswith("acme "))
    # day 1 of test_bi_views: 5 messages, 5 turns, 3 answered, 3 breached, 2 / 5 within; first replies 30, 600
    assert brand_line.split() == ["acme", "5", "5", "3", "3", "40.0%", "10m00s", "10m00s", "-0.30", "66.7%"]
    assert "zeta" not in out and "Sentiment recovery" not in out  # the all-time sections need no scope


def test_csv_to_a_file(capsys, target, tmp_path):
    path = tmp_path / "report.csv"
    code, out, err = report(capsys, target, "--format", "csv", "-o", str(path), "--until", "2017-11-02")
    assert (code, out, err) == (0, "", f"report written to {path}\n")
    block = path.read_text(encoding="utf-8").split("\n\n")[0]
    rows = list(csv.reader(io.StringIO(block)))
    assert rows[1][:6] == ["brand", "messages", "turns", "answered", "breached", "sla"]
    assert rows[2][:6] == ["acme", "5", "5", "3", "3", "0.4"]


def test_a_bad_range_is_one_line_and_exit_2(capsys, target):
    code, out, err = report(capsys, target, "--since", "2017-11-02", "--until", str(D1.date()))
    assert (code, out) == (2, "")
    assert err == "cluetrain: error: --since (2017-11-02 00:00) must be before --until (2017-11-01 00:00)\n"
