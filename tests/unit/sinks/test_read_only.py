import pytest

from cluetrain.sinks.backends import ClickHouseError
from cluetrain.sinks.read_only import check_read_only, format_clause, without_format_clause


@pytest.mark.parametrize("sql", [
    "SELECT count() FROM mentions",
    "  (SELECT 1) UNION ALL (SELECT 2)",
    "with x AS (SELECT 1) SELECT * FROM x",
    "SHOW TABLES", "DESCRIBE TABLE turns", "desc turns", "EXPLAIN SELECT 1", "EXISTS TABLE turns",
    "-- a comment\nSELECT 1;",
    "/* DROP TABLE x */ SELECT ';' AS semicolon, 'INTO OUTFILE' AS words",
])
def test_reading_statements_pass(sql):
    check_read_only(sql)


@pytest.mark.parametrize("sql", [
    "INSERT INTO mentions VALUES (1)", "ALTER TABLE turns DELETE WHERE 1", "DROP TABLE turns",
    "CREATE TABLE t (x UInt8) ENGINE = Memory", "SET readonly = 0", "KILL QUERY WHERE 1", "OPTIMIZE TABLE turns",
    "TRUNCATE TABLE turns", "SYSTEM FLUSH LOGS", "", "   ", "'SELECT' 1",
])
def test_writes_ddl_settings_and_admin_statements_are_refused_as_readonly(sql):
    with pytest.raises(ClickHouseError) as refused:
        check_read_only(sql)
    assert refused.value.code == 164
    assert str(refused.value).startswith("Code: 164. DB::Exception: Cannot execute query in readonly mode")


def test_a_second_statement_is_a_syntax_error():
    with pytest.raises(ClickHouseError) as refused:
        check_read_only("SELECT 1; DROP TABLE turns")
    assert refused.value.code == 62


def test_into_outfile_is_refused():
    with pytest.raises(ClickHouseError) as refused:
        check_read_only("SELECT * FROM turns INTO OUTFILE '/tmp/turns.csv'")
    assert refused.value.code == 358


def test_format_clause_is_found_outside_literals_only():
    assert format_clause("SELECT 1 FORMAT CSV") == "CSV"
    assert format_clause("select 1 format JSONEachRow;\n") == "JSONEachRow"
    assert format_clause("SELECT 'x FORMAT CSV'") is None
    assert format_clause("SELECT formatDateTime(now(), '%F')") is None
    assert without_format_clause("SELECT 1 FORMAT CSV ;") == "SELECT 1"
    assert without_format_clause("SELECT 1;") == "SELECT 1"
