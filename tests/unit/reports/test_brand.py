"""The pure formatting of `cluetrain run` / `cluetrain report` (no ClickHouse)."""
from __future__ import annotations


import pytest

from cluetrain.reports import brand as report
from cluetrain.reports.brand import (
    BRACKET_COLUMNS,
    BRAND_COLUMNS,
    bracket_rows,
    brand_rows,
    format_duration,
    format_percent,
    format_table,
)


@pytest.mark.parametrize("seconds, text", [
    (None, "-"), (0, "0s"), (59, "59s"), (59.6, "1m00s"), (60, "1m00s"), (3599, "59m59s"),
    (3600, "1h00m"), (86399, "23h59m"), (86400, "1d00h"), (13 * 86400 + 5 * 3600 + 59, "13d05h"),
])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize("ratio, text", [
    (None, "-"), (0, "0.0%"), (0.0, "0.0%"), (1, "100.0%"), (2 / 3, "66.7%"), (0.0005, "0.1%"),
    (0.99949, "99.9%"),
])
def test_format_percent(ratio, text):
    assert format_percent(ratio) == text


def test_format_percent_digits():
    assert format_percent(4 / 7, digits=0) == "57%"
    assert format_percent(4 / 7, digits=2) == "57.14%"


def test_brand_rows_format_ratios_and_latencies():
    rows = [("acme", 12, 8, 2, 8, 4 / 6, 1, 2, 900),
            ("mute", 0, 1, 0, 0, None, 0, 0, None)]
    assert brand_rows(rows) == [
        ("acme", 12, 8, 2, 8, "66.7%", 1, 2, "15m00s"),
        ("mute", 0, 1, 0, 0, "-", 0, 0, "-"),
    ]
    assert len(BRAND_COLUMNS) == len(brand_rows(rows)[0])


def test_bracket_rows_order_busiest_brand_first_unknown_last_brand_named_once():
    rows = [  # brand, bracket, bracket_order, turns, answered, reply_rate, within_sla, sla, median
        ("zeta", "unknown", 0, 1, 0, 0.0, 0, None, None),
        ("acme", ">=100k", 5, 2, 2, 1.0, 2, 1.0, 900),
        ("acme", "unknown", 0, 1, 1, 1.0, 1, 1.0, 600),
        ("acme", "<100", 1, 1, 1, 1.0, 1, 1.0, 45),
        ("acme", "100-1k", 2, 3, 1, 1 / 3, 0, 0.0, 7200),
        ("beta", "<100", 1, 1, 1, 1.0, 1, 1.0, 30),
    ]
    assert bracket_rows(rows) == [
        ("acme", "<100", 1, 1, "100.0%", 1, "100.0%", "45s"),
        ("", "100-1k", 3, 1, "33.3%", 0, "0.0%", "2h00m"),
        ("", ">=100k", 2, 2, "100.0%", 2, "100.0%", "15m00s"),
        ("", "unknown", 1, 1, "100.0%", 1, "100.0%", "10m00s"),
        ("beta", "<100", 1, 1, "100.0%", 1, "100.0%", "30s"),  # ties on turns: by name
        ("zeta", "unknown", 1, 0, "0.0%", 0, "-", "-"),
    ]
    assert len(BRACKET_COLUMNS) == 8
    assert bracket_rows([]) == []


def test_format_table_aligns_numbers_percentages_and_durations_right():
    text = format_table(["brand", "turns", "sla", "median", "note"],
                        [("acme", 8, "66.7%", "15m00s", "x"), ("mute", 0, "-", "-", None),
                         ("longer-name", 123, "100.0%", "1d00h", "yy")])
    assert text.splitlines() == [
        "brand        turns     sla  median  note",
        "-----------  -----  ------  ------  ----",
        "acme             8   66.7%  15m00s  x",
        "mute             0       -       -  NULL",
        "longer-name    123  100.0%   1d00h  yy",
    ]


def test_format_table_without_rows():
    assert format_table(["a", "bb"], []) == "a  bb\n-  --"


class FakeBackend:
    """Answers the report's SQL with canned rows and records it."""

    def __init__(self, rows):
        self.rows, self.sql = rows, []

    def query(self, sql):
        self.sql.append(sql)
        return [], self.rows


def test_reports_read_the_views_of_the_given_database():
    backend = FakeBackend([("acme", 12, 8, 2, 8, 0.5, 1, 2, 60)])
    assert report.brand_report(backend, "mydb") == (BRAND_COLUMNS, [("acme", 12, 8, 2, 8, "50.0%", 1, 2, "1m00s")])
    assert "FROM mydb.v_brand_overview" in backend.sql[-1]
    backend.rows = []
    assert report.bracket_report(backend, "mydb") == (BRACKET_COLUMNS, [])
    assert "FROM mydb.v_follower_brackets" in backend.sql[-1]


def test_reports_refuse_a_bad_database_name():
    with pytest.raises(Exception, match="invalid database name"):
        report.brand_report(FakeBackend([]), "x; DROP TABLE y")


# ------------------------------------------------- voice: recovery and templates

from cluetrain.reports import voice as report_voice  # noqa: E402
from cluetrain.reports.voice import (
    RECOVERY_COLUMNS,
    TEMPLATE_BRAND_COLUMNS,
    TEMPLATE_EMPLOYEE_COLUMNS,
    recovery_rows,
    recovery_summary,
    template_brand_rows,
    template_employee_rows,
)

RECOVERY_BRANDS = [  # brand, negative_with_next, recovered, nonnegative_with_next, soured
    ("beta", 1, 0, 0, 0),
    ("acme", 4, 2, 2, 1),
    ("zeta", 0, 0, 0, 0),  # nothing to recover: left out
    ("abba", 1, 1, 3, 0),
]
RECOVERY_ROLES = [  # brand, responder_role, negative_with_next, recovered
    ("acme", "brand", 1, 1),
    ("acme", "employee", 3, 1),
    ("beta", "brand", 1, 0),
    ("abba", "employee", 1, 1),
    ("abba", "brand", 0, 0),
]


def test_recovery_rows_most_negative_first_with_the_rate_of_each_role():
    assert recovery_rows(RECOVERY_BRANDS, RECOVERY_ROLES) == [
        ("acme", 4, 2, "50.0%", "100.0%", "33.3%", 1, "50.0%"),
        ("abba", 1, 1, "100.0%", "-", "100.0%", 0, "0.0%"),  # ties: by name
        ("beta", 1, 0, "0.0%", "0.0%", "-", 0, "-"),  # no employee answer, nobody calm before
    ]
    assert len(RECOVERY_COLUMNS) == 8
    assert recovery_rows(RECOVERY_BRANDS, RECOVERY_ROLES, limit=1)[0][0] == "acme"
    assert recovery_rows([], []) == []


def test_recovery_summary_compares_the_accounts_with_the_employees():
    assert recovery_summary(RECOVERY_ROLES) == (
        "All brands, negative customers who wrote again after the answer and were no longer "
        "negative: brand accounts 1 of 2 (50.0%), named employees 2 of 4 (50.0%).")
    assert recovery_summary([]).endswith("brand accounts 0 of 0 (-), named employees 0 of 0 (-).")


def test_template_rows():
    assert template_brand_rows([("acme", 6, 3, 0.5, 2), ("mute", 0, 0, None, 0)]) == [
        ("acme", 6, 3, "50.0%", 2), ("mute", 0, 0, "-", 0)]
    assert template_employee_rows([("acme/Ann", "acme", 3, 2, 2 / 3)]) == [("acme/Ann", "acme", 3, 2, "66.7%")]
    assert len(TEMPLATE_BRAND_COLUMNS) == 5 and len(TEMPLATE_EMPLOYEE_COLUMNS) == 5


class ViewBackend:
    """Answers the report's SQL with the canned rows of the view it reads."""

    def __init__(self, rows_of_view):
        self.rows_of_view, self.sql = rows_of_view, []

    def query(self, sql):
        self.sql.append(sql)
        view = next(v for v in sorted(self.rows_of_view, key=len, reverse=True) if f".{v}\n" in sql)
        return [], self.rows_of_view[view]


def test_voice_reports_read_the_views_of_the_given_database():
    backend = ViewBackend({"v_sentiment_recovery": RECOVERY_BRANDS,
                           "v_sentiment_recovery_by_role": RECOVERY_ROLES,
                           "v_template_share": [("acme", 6, 3, 0.5, 2)],
                           "v_template_share_by_author": [("acme/Ann", "acme", 3, 2, 2 / 3)]})
    columns, rows, line = report_voice.recovery_report(backend, "mydb", limit=2)
    assert columns == RECOVERY_COLUMNS and [r[0] for r in rows] == ["acme", "abba"]
    assert "named employees 2 of 4" in line
    assert "FROM mydb.v_sentiment_recovery\n" in backend.sql[0]
    assert "FROM mydb.v_sentiment_recovery_by_role\n" in backend.sql[1]
    brands, employees = report_voice.template_report(backend, "mydb", limit=3)
    assert brands == (TEMPLATE_BRAND_COLUMNS, [("acme", 6, 3, "50.0%", 2)])
    assert employees == (TEMPLATE_EMPLOYEE_COLUMNS, [("acme/Ann", "acme", 3, 2, "66.7%")])
    assert "FROM mydb.v_template_share\n" in backend.sql[2] and "LIMIT 3" in backend.sql[2]
    assert "FROM mydb.v_template_share_by_author\n" in backend.sql[3]
    assert "author_role = 'employee'" in backend.sql[3] and "LIMIT 3" in backend.sql[3]
    with pytest.raises(Exception, match="invalid database name"):
        report_voice.template_report(backend, "x; DROP TABLE y")


def test_voice_sections_text():
    recovery = (RECOVERY_COLUMNS, recovery_rows(RECOVERY_BRANDS, RECOVERY_ROLES), recovery_summary(RECOVERY_ROLES))
    templates = ((TEMPLATE_BRAND_COLUMNS, template_brand_rows([("acme", 6, 3, 0.5, 2)])),
                 (TEMPLATE_EMPLOYEE_COLUMNS, template_employee_rows([("acme/Ann", "acme", 3, 2, 2 / 3)])))
    lines = report_voice.voice_sections(recovery, templates, limit=10).splitlines()
    assert lines[0] == ""
    assert lines[1] == "Sentiment recovery: negative customers who wrote again after the answer (top 10 brands)"
    assert lines[2].split() == RECOVERY_COLUMNS
    assert lines[4].split() == ["acme", "4", "2", "50.0%", "100.0%", "33.3%", "1", "50.0%"]
    assert lines[7] == recovery_summary(RECOVERY_ROLES)
    assert lines[8:10] == ["", "Templated answers: share of brand-side replies that near-duplicate another "
                               "reply of the brand (top 10 brands by replies)"]
    assert lines[12].split() == ["acme", "6", "3", "50.0%", "2"]
    assert lines[13:15] == ["", "Templated answers per employee (top 10 by replies)"]
    assert lines[17].split() == ["acme/Ann", "acme", "3", "2", "66.7%"]
    assert len(lines) == 18
