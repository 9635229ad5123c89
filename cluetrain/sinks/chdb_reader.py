"""Read-only access to the embedded store, from any number of threads.

chdb lets one process own a data directory; inside it, sessions are independent (own
settings, own current database) and cost about a millisecond. So every read gets a
fresh session with `readonly = 1` and the requested database as its current one: no
state is shared between callers, a BI query never waits for the pipeline's inserts,
and nothing a caller sends can turn the session writable (`SET readonly = 0` is itself
refused). Statements also pass read_only.check_read_only first.
DESIGN.md § Reading the results: read-only access to the embedded store.
"""
from __future__ import annotations

import os
from typing import Mapping, Sequence

from .backends import BaseBackend, ClickHouseError, check_identifier, one_line
from .chdb_backend import PYTHON_READ_SETTINGS, open_session, parse_json_compact
from .read_only import check_read_only

# A runaway query of a BI tool must not hold the pipeline's process forever.
MAX_EXECUTION_S = 60

# Sessions for ClickHouse clients keep ClickHouse's output defaults; UTC like the pipeline.
CLIENT_SETTINGS = ("SET session_timezone = 'UTC'",)


class ChdbReader(BaseBackend):
    """The read-only Backend on a chdb directory (query only) and raw formatted reads."""

    def __init__(self, path: str, database: str = "cluetrain"):
        self.database = check_identifier(database)
        self.path = path
        self.description = f"chdb data directory {path}"
        if not os.path.isdir(path):
            raise ClickHouseError(f"no results at {path}: the data directory does not exist")
        # Keeps the engine on `path` for the reader's lifetime; reads use their own sessions.
        self._anchor = open_session(path)

    def _session(self, settings: Sequence[str], database: str | None):
        from chdb import session as chdb_session

        if self._anchor is None:
            raise ClickHouseError(f"{self.description}: reader is closed")
        session = chdb_session.Session(self.path)
        try:
            for statement in (*settings, f"SET max_execution_time = {MAX_EXECUTION_S}", "SET readonly = 1"):
                session.query(statement)
            if database:
                session.query(f"USE {check_identifier(database)}")
        except Exception as exc:
            session.close()
            raise ClickHouseError(one_line(str(exc))) from None
        return session

    def _run(self, sql: str, fmt: str, settings: Sequence[str], database: str | None,
             params: Mapping[str, str] | None = None) -> bytes:
        check_read_only(sql)
        session = self._session(settings, database)
        try:
            return session.query(sql, fmt, params=dict(params or {})).bytes()
        except Exception as exc:
            raise ClickHouseError(one_line(str(exc)), retryable=False) from None
        finally:
            session.close()

    def query(self, sql: str) -> tuple[list[str], list[tuple]]:
        return parse_json_compact(self._run(sql, "JSONCompact", PYTHON_READ_SETTINGS, self.database))

    def raw(self, sql: str, default_format: str, *, database: str | None = None,
            params: Mapping[str, str] | None = None) -> bytes:
        """ClickHouse's own output of `sql` (its FORMAT clause, else `default_format`)."""
        return self._run(sql, default_format, CLIENT_SETTINGS, database or self.database, params)

    def execute(self, sql: str) -> None:
        raise ClickHouseError(f"{self.description} is open read-only")

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
        raise ClickHouseError(f"{self.description} is open read-only")

    def close(self) -> None:
        anchor, self._anchor = getattr(self, "_anchor", None), None
        if anchor is not None:
            anchor.close()
