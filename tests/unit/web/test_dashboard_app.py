"""Errors the viewer can act on, from the WSGI app alone (the browser tests cover the
same on real stores)."""
import json

from cluetrain.sinks.backends import ClickHouseError
from cluetrain.web.dashboard import create_app


def call(app, path, query=""):
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(app({"PATH_INFO": path, "QUERY_STRING": query}, start_response)).decode()
    return seen["status"], seen["headers"]["Content-Type"], body


def unreachable(sql):
    raise ClickHouseError("cannot connect to ClickHouse at db:9000: Connection refused")


def test_unreachable_store_is_a_503_page_that_retries_never_a_trace():
    status, content_type, body = call(create_app(unreachable), "/")
    assert status.startswith("503") and content_type.startswith("text/html")
    assert "ClickHouse is not answering" in body and "Connection refused" in body
    assert 'data-reload="1"' in body and "Traceback" not in body


def test_api_errors_are_json():
    status, content_type, body = call(create_app(unreachable), "/api/dashboard")
    assert status.startswith("503") and content_type == "application/json"
    assert json.loads(body)["error"]["title"] == "ClickHouse is not answering"


def test_bad_filters_static_files_and_unknown_paths():
    app = create_app(unreachable)
    assert call(app, "/", "range=forever")[0].startswith("400")
    assert call(app, "/nowhere")[0].startswith("404")
    assert call(app, "/static/dashboard.css")[1].startswith("text/css")
    assert call(app, "/static/../app.py")[0].startswith("404")


def test_a_missing_view_says_the_database_is_behind_this_version():
    def old_database(sql):
        raise ClickHouseError("Code: 60. DB::Exception: Table cluetrain.v_open_turn_queue doesn't exist.")

    status, _, body = call(create_app(old_database), "/")
    assert status.startswith("503") and "The database is behind this version" in body
    assert "cluetrain run" in body
