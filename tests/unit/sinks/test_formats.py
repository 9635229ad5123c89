from datetime import datetime, timezone

import pyarrow.parquet as pq
import io
import pytest

from cluetrain.sinks.formats import render

COLUMNS = ["brand", "n", "at", "share"]
ROWS = [('a"b\tc', 1, datetime(2026, 1, 1, 10, 0, tzinfo=timezone.utc), None),
        ("d", 2, datetime(2026, 1, 2, tzinfo=timezone.utc), 0.5)]


def test_csv_quotes_strings_and_datetimes_like_clickhouse():
    assert render("CSVWithNames", COLUMNS, ROWS).decode() == (
        '"brand","n","at","share"\n"a""b\tc",1,"2026-01-01 10:00:00",\\N\n"d",2,"2026-01-02 00:00:00",0.5\n')


def test_tsv_escapes_tabs_and_newlines():
    assert render("TSV", COLUMNS, ROWS).decode().splitlines()[0] == 'a"b\\tc\t1\t2026-01-01 10:00:00\t\\N'


def test_json_each_row_is_compact_like_clickhouse():
    assert render("JSONEachRow", COLUMNS, ROWS[1:]).decode() == \
        '{"brand":"d","n":2,"at":"2026-01-02 00:00:00","share":0.5}\n'


def test_parquet_round_trips():
    table = pq.read_table(io.BytesIO(render("Parquet", COLUMNS, ROWS)))
    assert table.column_names == COLUMNS
    assert table.column("n").to_pylist() == [1, 2]


def test_an_unknown_format_names_the_available_ones():
    with pytest.raises(ValueError, match="use one of CSV"):
        render("Pretty", COLUMNS, ROWS)
