"""ClickHouse server backend over the native protocol (clickhouse-driver).

Works with old servers (tested with 18.16). Rows are always passed as parameters
(`INSERT ... VALUES` + rows): inline VALUES in the SQL text hang the driver.

The session's database is the configured one, so unqualified names resolve to it and
a user allowed only that database can connect; the pipeline's user, which creates it
on a fresh server, starts in `system` (readable by every user) while it does not exist.
"""
from __future__ import annotations

import logging
import struct
from datetime import datetime, timezone
from typing import Sequence

from .backends import (
    DEFAULT_PORT, BaseBackend, ClickHouseError, base_type, column_list, one_line, qualified_name, check_identifier,
)

# The driver logs each failed connection attempt with a traceback, which the ClickHouseError
# raised here already says in one line: kept out of the application's log (through the
# root handler, a worker retrying through an outage would log a traceback per attempt)
# and off stderr (logging's last resort).
_driver_log = logging.getLogger("clickhouse_driver")
_driver_log.addHandler(logging.NullHandler())
_driver_log.propagate = False

UNKNOWN_DATABASE = 81
CONNECT_TIMEOUT_S = 2.0  # to connect and to answer the handshake: a bad target fails within 5 s


def answers_http(host: str, port: int, timeout: float = 0.5) -> bool:
    """Whether host:port is an HTTP server (a clickhouse:// URL given the HTTP port)."""
    import socket

    try:
        with socket.create_connection((host, port), timeout) as s:
            s.settimeout(timeout)
            s.sendall(b"GET /ping HTTP/1.0\r\n\r\n")
            return s.recv(5) == b"HTTP/"
    except OSError:
        return False


def _server_exception():
    from clickhouse_driver.errors import ServerException

    return ServerException


class ServerBackend(BaseBackend):
    """A ClickHouse server over the native protocol (clickhouse-driver)."""

    def __init__(self, host: str, port: int = DEFAULT_PORT, user: str = "default",
                 password: str = "", database: str = "cluetrain", *, read_only: bool = False,
                 connect_timeout: float = CONNECT_TIMEOUT_S, timeout: float = 300.0):
        from clickhouse_driver import Client

        self.database = check_identifier(database)
        self.host, self.port = host, port
        self.description = f"ClickHouse at {host}:{port}"
        self._tz = timezone.utc
        self._zoned: dict[str, set[str]] = {}
        self._query_settings: dict[str, int] = {}
        self._client = None
        for session_database in (self.database, "system"):
            # The handshake has connect_timeout to answer (a port that accepts but never
            # answers, such as the HTTP port, fails at once); queries then get `timeout`.
            self._client = Client(
                host=host, port=port, user=user, password=password, database=session_database,
                connect_timeout=connect_timeout, send_receive_timeout=connect_timeout,
                sync_request_timeout=connect_timeout,
            )
            try:
                self._client.execute("SELECT 1")
                tz_name = self._client.connection.server_info.get_timezone()
                self._client.connection.send_receive_timeout = timeout
                self._client.connection.socket.settimeout(timeout)
                break
            except Exception as exc:
                unknown_database = getattr(exc, "code", None) == UNKNOWN_DATABASE
                self.close()
                if not unknown_database or read_only or session_database == "system":
                    raise ClickHouseError(f"cannot connect to {self.description}: {self._handshake_failure(exc, connect_timeout)}"
                                          ) from None
        if read_only:
            self._query_settings = self._read_only_settings()
        if tz_name and tz_name not in ("UTC", "Etc/UTC", "Etc/UCT", "UCT", "Zulu", "Etc/Zulu"):
            import pytz

            self._tz = pytz.timezone(tz_name)

    def _read_only_settings(self) -> dict[str, int]:
        """{'readonly': 1} for each query, unless the user is read-only already (a server
        refuses to change `readonly` for a read-only user, even to the same value)."""
        rows = self._run("ClickHouse error", "SELECT value FROM system.settings WHERE name = 'readonly'")
        return {} if rows and rows[0][0] != "0" else {"readonly": 1}

    def _handshake_failure(self, exc: Exception, connect_timeout: float) -> str:
        from clickhouse_driver.errors import SocketTimeoutError

        if isinstance(exc, _server_exception()) or not answers_http(self.host, self.port):
            if isinstance(exc, (SocketTimeoutError, TimeoutError)):
                return f"no answer within {connect_timeout:g} s"
            return self._reason(exc)
        return (f"it answers HTTP: that is ClickHouse's HTTP port, clickhouse:// needs the native protocol's "
                f"port (tcp_port, {DEFAULT_PORT} by default)")

    def _reason(self, exc: Exception) -> str:
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        code = getattr(exc, "code", None)
        if code and isinstance(exc, _server_exception()):
            message = f"Code: {code}. {message}"
        return one_line(message)

    def _run(self, what: str, *args, **kwargs):
        if self._client is None:
            raise ClickHouseError(f"{self.description}: backend is closed")
        from clickhouse_driver import errors

        try:
            return self._client.execute(*args, **kwargs)
        except errors.ServerException as exc:
            raise ClickHouseError(f"{what}: {self._reason(exc)}", code=exc.code) from None
        except (errors.NetworkError, errors.SocketTimeoutError, OSError, EOFError) as exc:
            self._client.disconnect()  # the next call reconnects
            raise ClickHouseError(f"{what}: lost connection to {self.description}: {self._reason(exc)}") from None
        except errors.TypeMismatchError as exc:
            raise ClickHouseError(f"{what}: {self._reason(exc)}", retryable=False) from None
        except errors.Error as exc:
            raise ClickHouseError(f"{what}: {self._reason(exc)}") from None
        except (TypeError, ValueError, AttributeError, OverflowError, struct.error) as exc:
            # The driver failed to encode a value (the connection was reset by it).
            raise ClickHouseError(f"{what}: cannot encode a value: {exc}", retryable=False) from None

    def execute(self, sql: str) -> None:
        self._run("ClickHouse error", sql, settings=self._query_settings)

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
        if not rows:
            return
        qualified = qualified_name(self.database, table)
        statement = f"INSERT INTO {qualified} ({column_list(columns)}) VALUES"
        zoned = self._datetime_columns(qualified)
        fix = [i for i, name in enumerate(columns) if name in zoned]
        data = rows
        if fix:  # datetimes -> epoch seconds (the driver takes naive ones in the server's zone)
            data = [list(row) for row in rows]
            for row in data:
                for i in fix:
                    value = row[i]
                    if isinstance(value, datetime):
                        if value.tzinfo is None:
                            value = value.replace(tzinfo=timezone.utc)
                        row[i] = int(value.timestamp())
        try:
            self._run(f"insert into {table} failed", statement, data)
        except ClickHouseError:
            self._zoned.pop(qualified, None)  # the table may have changed
            raise

    def _datetime_columns(self, qualified: str) -> set[str]:
        if qualified not in self._zoned:
            db, _, table = qualified.partition(".")
            rows = self._run(
                "ClickHouse error",
                f"SELECT name, type FROM system.columns WHERE database = '{db}' AND table = '{table}'",
            )
            self._zoned[qualified] = {n for n, t in rows if base_type(t).startswith("DateTime")}
        return self._zoned[qualified]

    def query(self, sql: str) -> tuple[list[str], list[tuple]]:
        rows, types = self._run("ClickHouse error", sql, with_column_types=True, settings=self._query_settings)
        names = [name for name, _ in types]
        zoned = [i for i, (_, t) in enumerate(types) if base_type(t).startswith("DateTime")]
        if not zoned:
            return names, [tuple(r) for r in rows]
        out = []
        for r in rows:
            r = list(r)
            for i in zoned:
                r[i] = self._utc(r[i])
            out.append(tuple(r))
        return names, out

    def _utc(self, value):
        if value is None:
            return None
        if value.tzinfo is not None:
            return value.astimezone(timezone.utc)
        if self._tz is timezone.utc:
            return value.replace(tzinfo=timezone.utc)
        return self._tz.localize(value).astimezone(timezone.utc)

    def close(self) -> None:
        client, self._client = getattr(self, "_client", None), None
        if client is not None:
            try:
                client.disconnect()
            except Exception:
                pass
