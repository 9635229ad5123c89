"""The HTTP protocol layer (auth, parameters, error shape); the real store and real clients
are in tests/integration/test_bi_access.py."""
import base64
import io
from urllib.parse import urlencode

import pytest

from cluetrain.settings import Settings, SettingsError
from cluetrain.sinks.backends import ClickHouseError
from cluetrain.sinks.read_only import check_read_only
from cluetrain.web.clickhouse_http import ClickHouseHttpApp, Credentials
from cluetrain.web.server import sql_credentials


class RecordingReader:
    """Answers every reading statement with its arguments; refuses like ChdbReader."""

    def __init__(self):
        self.calls = []

    def raw(self, sql, default_format, *, database=None, params=None):
        check_read_only(sql)
        if "missing" in sql:
            raise ClickHouseError("Code: 60. DB::Exception: Unknown table expression identifier 'missing'. (UNKNOWN_TABLE)")
        self.calls.append((sql, default_format, database, params))
        return b"1\n"


def call(app, path="/", query=None, body=b"", method=None, auth=None, headers=None):
    environ = {"PATH_INFO": path, "REQUEST_METHOD": method or ("POST" if body else "GET"),
               "QUERY_STRING": urlencode(query or {}), "CONTENT_LENGTH": str(len(body)),
               "wsgi.input": io.BytesIO(body), **(headers or {})}
    if auth:
        environ["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(auth.encode()).decode()
    answer = {}

    def start_response(status, response_headers):
        answer["status"], answer["headers"] = status, dict(response_headers)

    answer["body"] = b"".join(app(environ, start_response))
    return answer


@pytest.fixture
def reader():
    return RecordingReader()


@pytest.fixture
def app(reader):
    return ClickHouseHttpApp(reader, Credentials("bi", "s3cret"), version="26.9.2.1")


def test_ping_answers_without_credentials(app):
    assert call(app, "/ping")["body"] == b"Ok.\n"


def test_get_and_post_with_database_default_format_and_query_parameters(app, reader):
    assert call(app, query={"query": "SELECT {n:UInt8}", "param_n": "4", "database": "cluetrain",
                            "default_format": "CSV", "query_id": "q1"}, auth="bi:s3cret")["status"] == "200 OK"
    post = call(app, query={"query": "SELECT 1"}, body=b"FORMAT JSONEachRow", auth="bi:s3cret")
    assert reader.calls == [("SELECT {n:UInt8}", "CSV", "cluetrain", {"n": "4"}),
                            ("SELECT 1\nFORMAT JSONEachRow", "TabSeparated", None, {})]
    assert post["headers"]["X-ClickHouse-Format"] == "JSONEachRow"
    assert post["headers"]["Content-Type"].startswith("application/x-ndjson")


def test_clickhouse_user_headers_are_credentials_too(app):
    headers = {"HTTP_X_CLICKHOUSE_USER": "bi", "HTTP_X_CLICKHOUSE_KEY": "s3cret"}
    assert call(app, query={"query": "SELECT 1"}, headers=headers)["status"] == "200 OK"


@pytest.mark.parametrize("auth, status, code", [(None, "401", "194"), ("bi:wrong", "403", "516"),
                                                 ("other:s3cret", "403", "516")])
def test_missing_or_wrong_credentials_are_refused(app, auth, status, code):
    answer = call(app, query={"query": "SELECT 1"}, auth=auth)
    assert answer["status"].startswith(status)
    assert answer["headers"]["X-ClickHouse-Exception-Code"] == code
    assert b"s3cret" not in answer["body"]


@pytest.mark.parametrize("query, body, status, code", [
    ({"query": "INSERT INTO mentions FORMAT Native"}, b"\x00binary rows", "500", "164"),
    ({}, b"DROP TABLE turns", "500", "164"),
    ({"query": "SELECT 1", "max_threads": "1"}, b"", "500", "164"),
    ({"query": "SELECT 1; DROP TABLE turns"}, b"", "400", "62"),
    ({"query": "SELECT * FROM missing"}, b"", "404", "60"),
])
def test_refusals_and_errors_have_clickhouses_shape(app, query, body, status, code):
    answer = call(app, query=query, body=body, auth="bi:s3cret")
    assert answer["status"].startswith(status)
    assert answer["headers"]["X-ClickHouse-Exception-Code"] == code
    text = answer["body"].decode()
    assert text.startswith(f"Code: {code}. DB::Exception: ") and text.count("DB::Exception") == 1
    assert text.endswith("(version 26.9.2.1)\n")


def test_an_unknown_path_is_404(app):
    assert call(app, "/play")["status"].startswith("404")


def test_password_comes_from_a_secret_file(tmp_path):
    secret = tmp_path / "sql-password"
    secret.write_text("from-file\n")
    credentials = sql_credentials(Settings(sql_user="bi", sql_password="from-env", sql_password_file=str(secret)))
    assert credentials == Credentials("bi", "from-file")
    assert "from-file" not in repr(credentials)
    with pytest.raises(SettingsError, match="cannot read"):
        sql_credentials(Settings(sql_password_file=str(tmp_path / "absent")))


def test_settings_never_show_the_password():
    assert "from-env" not in repr(Settings(sql_password="from-env"))
