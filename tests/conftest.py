"""ClickHouse fixtures: a throw-away server, a fresh target on each backend, and a migrated
backend on it."""
from __future__ import annotations

import os
import uuid

import pytest

from cluetrain.runtime.clickhouse_server import ClickHouseServer, find_binary
from cluetrain.sinks.backends import open_backend
from cluetrain.sinks.migrate import apply_migrations


@pytest.fixture(scope="session")
def clickhouse_server():
    """A clickhouse-server process for the whole session. Skipped when the binary
    is missing, except under CI=true where that is a failure."""
    if find_binary() is None:
        message = "clickhouse-server binary not found (set CLICKHOUSE_SERVER_BIN)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    server = ClickHouseServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["chdb", "server"])
def clickhouse_target(request, tmp_path):
    """A fresh, empty target: a chdb directory, or a server URL with a new database
    (dropped afterwards). Open it with open_backend(target); the database is
    backend.database. Close the backend before the test ends (chdb allows one data
    directory per process at a time)."""
    if request.param == "chdb":
        yield str(tmp_path / "chdb")
        return
    yield from _fresh_database(request.getfixturevalue("clickhouse_server"))


@pytest.fixture
def backend(clickhouse_target):
    """An open backend on a fresh target (each backend in turn), every migration applied."""
    with open_backend(clickhouse_target) as b:
        apply_migrations(b, b.database)
        yield b


@pytest.fixture
def clickhouse_server_target(clickhouse_server):
    """A fresh database on the server, for tests with several writer processes."""
    yield from _fresh_database(clickhouse_server)


def _fresh_database(server):
    database = f"test_{uuid.uuid4().hex[:12]}"
    yield server.url_for(database)
    with open_backend(server.url_for(database)) as backend:
        backend.execute(f"DROP DATABASE IF EXISTS {database}")
