"""Embedded ClickHouse (chdb) backend: one data directory, one process at a time.

Writes go through a streaming INSERT in JSONCompactColumns encoded by orjson in one
call (datetimes as RFC 3339, naive ones as UTC); reads use JSONCompact with
DateTime rendered as epoch seconds, so nothing depends on the machine's time zone.
"""
from __future__ import annotations

import fcntl
import logging
import os
import sys
import tempfile
from datetime import date, datetime, timezone
from typing import Sequence

import orjson

from .backends import BaseBackend, ClickHouseError, base_type, column_list, one_line, qualified_name, check_identifier

log = logging.getLogger(__name__)

# Datetimes are written as RFC 3339 (naive ones as UTC) by orjson itself, and read
# back by the session's date_time_input_format = 'best_effort'; ints stay numbers
# (epoch seconds). Anything orjson cannot encode raises TypeError.
_JSON_OPTIONS = orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z


def _encode_columns(columns: Sequence[str], rows: Sequence[tuple]) -> bytes:
    """Rows -> JSONCompactColumns (one JSON array per column): one orjson call."""
    width = len(columns)
    for row in rows:
        if len(row) != width:
            raise TypeError(f"a row has {len(row)} values for {width} columns")
    return orjson.dumps(list(zip(*rows)), option=_JSON_OPTIONS)


# Text output in UTC epoch seconds and unquoted 64-bit integers: values read into Python
# do not depend on the machine's zone; datetimes written as RFC 3339 are read back.
PYTHON_READ_SETTINGS = (
    "SET date_time_output_format = 'unix_timestamp'",
    "SET output_format_json_quote_64bit_integers = 0",
    "SET session_timezone = 'UTC'",
    "SET date_time_input_format = 'best_effort'",
    "SET output_format_json_validate_utf8 = 1",
)


def _chdb_converter(ch_type: str):
    base = base_type(ch_type)
    if base == "DateTime" or base.startswith("DateTime("):
        return lambda v: None if v is None else datetime.fromtimestamp(int(v), tz=timezone.utc)
    if base == "Date" or base == "Date32":
        return lambda v: None if v is None else date.fromisoformat(v)
    return None


def open_session(path: str):
    """A chdb session on `path`; one clear ClickHouseError when the directory cannot be used."""
    from chdb import session as chdb_session

    # The engine prints the real cause on fd 2 and raises a vague error:
    # capture fd 2 while connecting to report one clear line instead.
    session = error = None
    with tempfile.TemporaryFile() as captured:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(captured.fileno(), 2)
        try:
            session = chdb_session.Session(path)
        except Exception as exc:
            error = exc
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            noise = captured.read().decode("utf-8", "replace")
    if session is not None:
        if noise:
            sys.stderr.write(noise)
        return session
    detail = one_line(noise) or one_line(str(error))
    if "Cannot lock file" in noise or _locked(path):
        raise ClickHouseError(f"data directory {path} is in use by another process")
    if "already initialized with path" in str(error):
        raise ClickHouseError(
            f"cannot open data directory {path}: this process already uses another chdb directory"
            f" ({one_line(str(error))})"
        )
    raise ClickHouseError(f"cannot open chdb data directory {path}: {detail}")


def database_exists(session, database: str) -> bool:
    return bool(session.query(f"SELECT 1 FROM system.databases WHERE name = '{database}'", "CSV").bytes().strip())


def parse_json_compact(raw: bytes) -> tuple[list[str], list[tuple]]:
    """JSONCompact output of a session with PYTHON_READ_SETTINGS -> (column names, rows)."""
    if not raw.strip():
        return [], []
    doc = orjson.loads(raw)
    meta = doc.get("meta", [])
    names = [m["name"] for m in meta]
    converters = [(i, conv) for i, m in enumerate(meta) if (conv := _chdb_converter(m["type"]))]
    rows = doc.get("data", [])
    if not converters:
        return names, [tuple(r) for r in rows]
    out = []
    for r in rows:
        for i, conv in converters:
            r[i] = conv(r[i])
        out.append(tuple(r))
    return names, out


class ChdbBackend(BaseBackend):
    """Embedded ClickHouse (chdb) on a data directory; one process at a time."""

    def __init__(self, path: str, database: str = "cluetrain"):
        self.database = check_identifier(database)
        self.path = path
        self.description = f"chdb data directory {path}"
        try:
            os.makedirs(path, exist_ok=True)
        except OSError as exc:
            raise ClickHouseError(f"cannot create data directory {path}: {exc.strerror}") from None
        self._session = open_session(path)
        try:
            for statement in PYTHON_READ_SETTINGS:
                self._session.query(statement)
            if database_exists(self._session, self.database):  # unqualified names resolve to it
                self._session.query(f"USE {self.database}")
        except Exception as exc:
            self.close()
            raise ClickHouseError(f"chdb at {path}: {one_line(str(exc))}") from None

    def _require(self):
        if self._session is None:
            raise ClickHouseError(f"{self.description}: backend is closed")
        return self._session

    def execute(self, sql: str) -> None:
        session = self._require()
        try:
            session.query(sql)
        except Exception as exc:
            raise ClickHouseError(one_line(str(exc))) from None

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
        if not rows:
            return
        session = self._require()
        statement = f"INSERT INTO {qualified_name(self.database, table)} ({column_list(columns)})"
        try:
            payload = _encode_columns(columns, rows)
        except TypeError as exc:
            raise ClickHouseError(f"insert into {table} failed: {exc}", retryable=False) from None
        try:
            with session.send_insert(statement, "JSONCompactColumns") as inserter:
                inserter.append(payload)
                inserter.finish()
        except Exception as exc:
            message = one_line(str(exc)).replace("Streaming insert finish failed: ", "")
            raise ClickHouseError(f"insert into {table} failed: {message}") from None
        # the instant rows become visible to readers (CLUETRAIN_LOG_LEVEL=debug)
        log.debug("inserted %d rows into %s", len(rows), table)

    def query(self, sql: str) -> tuple[list[str], list[tuple]]:
        session = self._require()
        try:
            raw = session.query(sql, "JSONCompact").bytes()
        except Exception as exc:
            raise ClickHouseError(one_line(str(exc))) from None
        return parse_json_compact(raw)

    def close(self) -> None:
        session, self._session = getattr(self, "_session", None), None
        if session is not None:
            try:
                session.close()
            except Exception:
                pass


def _locked(path: str) -> bool:
    """True if another process holds ClickHouse's lock on <path>/status."""
    try:
        fd = os.open(os.path.join(path, "status"), os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
