"""Two ClickHouse backends behind one small interface.

`open_backend(target)` takes either a directory (embedded chdb, created if missing)
or a URL `clickhouse://user:pass@host:port/db` (a server, native protocol through
clickhouse-driver). Both run the same SQL.

Value conventions (both backends):
- insert(): rows are tuples in the order of `columns`, of str, int, float, None,
  and `datetime` for DateTime columns. An aware datetime is converted to UTC; a
  naive datetime is taken as UTC. An int is also accepted for a DateTime column
  (epoch seconds).
- query(): DateTime values come back as aware UTC datetimes, Date as `date`, the
  rest as the natural Python type (Float32 may differ in the last digits: chdb
  returns the shortest decimal, the driver the float32 value widened to double).
- The pipeline's SQL always qualifies tables (`db.table`); insert() qualifies a bare
  table name with the backend's `database`, and an unqualified name in a query resolves
  to it too (`cluetrain query "SELECT count() FROM mentions"`).
- read_only=True (`cluetrain query` without --write, reports, the dashboard): on a
  server every query runs with the `readonly` setting; on chdb, in sessions with
  `readonly = 1` behind the statement check of read_only.py.
Every failure of the engine or the connection is raised as ClickHouseError.
"""
from __future__ import annotations

import re
from typing import Protocol, Sequence
from urllib.parse import unquote, urlsplit

from cluetrain.runtime.masking import mask

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DEFAULT_PORT = 9000


class ClickHouseError(RuntimeError):
    """A ClickHouse operation failed; str() is one clear line.

    `retryable` is False when trying again cannot help (a value that cannot be
    encoded); engine and connection errors are retryable. `code` is ClickHouse's error
    code when the engine or the server gave one (`Code: 60. DB::Exception: ...`).
    """

    def __init__(self, message: str, *, retryable: bool = True, code: int | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.code = code if code is not None else error_code(message)


class BadClickHouseUrl(ClickHouseError):
    """A ClickHouse target that is not one (scheme, port, host): a setting to fix (exit code 2)."""

    def __init__(self, message: str):
        super().__init__(message, retryable=False)


_CODE = re.compile(r"Code: (\d+)[.,]")


def error_code(message: str) -> int | None:
    match = _CODE.search(message)
    return int(match.group(1)) if match else None


class Backend(Protocol):
    database: str
    description: str

    def execute(self, sql: str) -> None: ...

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None: ...

    def query(self, sql: str) -> tuple[list[str], list[tuple]]: ...

    def close(self) -> None: ...

    def __enter__(self) -> "Backend": ...

    def __exit__(self, *exc) -> None: ...


def check_identifier(name: str, what: str = "database") -> str:
    if not _IDENTIFIER.match(name or ""):
        raise ClickHouseError(f"invalid {what} name {name!r}: use letters, digits and _")
    return name


def qualified_name(database: str, table: str) -> str:
    if "." in table:
        db, _, name = table.partition(".")
        return f"{check_identifier(db)}.{check_identifier(name, 'table')}"
    return f"{database}.{check_identifier(table, 'table')}"


def column_list(columns: Sequence[str]) -> str:
    return ", ".join(check_identifier(c, "column") for c in columns)


def one_line(message: str) -> str:
    message = message.split("Stack trace:", 1)[0].strip()
    first = " ".join(message.split())
    return first[:1000]


def base_type(ch_type: str) -> str:
    if ch_type.startswith("Nullable(") and ch_type.endswith(")"):
        ch_type = ch_type[9:-1]
    return ch_type


class BaseBackend:
    database: str
    description: str

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.description} database={self.database}>"


# ----------------------------------------------------------------------- open


def parse_url(url: str, database: str = "cluetrain") -> dict:
    """`clickhouse://user:pass@host:port/db` -> keyword arguments of ServerBackend."""
    parts = urlsplit(url)
    if parts.scheme != "clickhouse":
        raise BadClickHouseUrl(f"unsupported ClickHouse URL {mask(url)!r}: expected clickhouse://user:pass@host:port/db")
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise BadClickHouseUrl(f"invalid port in ClickHouse URL {mask(url)!r}") from None
    if not parts.hostname:
        raise BadClickHouseUrl(f"missing host in ClickHouse URL {mask(url)!r}")
    db = unquote(parts.path.strip("/")) or database
    return {
        "host": parts.hostname,
        "port": port,
        "user": unquote(parts.username) if parts.username else "default",
        "password": unquote(parts.password) if parts.password else "",
        "database": check_identifier(db),
    }


def open_backend(target: str, database: str = "cluetrain", *, read_only: bool = False) -> Backend:
    """A directory -> embedded chdb there; `clickhouse://...` -> that server."""
    if not target:
        raise BadClickHouseUrl("empty ClickHouse target: give a directory or clickhouse://host:port/db")
    if "://" in target:
        from .server_backend import ServerBackend

        return ServerBackend(**parse_url(target, database), read_only=read_only)
    if read_only:
        from .chdb_reader import ChdbReader

        return ChdbReader(target, database)
    from .chdb_backend import ChdbBackend

    return ChdbBackend(target, database)
