"""A reader of a ClickHouse HTTP interface (ours or a server's) with the Backend's query().

`cluetrain run --dashboard` prints its summary through it: the worker owns the
embedded store then, and serves it on the SQL endpoint.
"""
from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from datetime import date, datetime, timezone

from cluetrain.sinks.backends import BaseBackend, ClickHouseError, base_type


def _converter(ch_type: str):
    base = base_type(ch_type)
    if base.startswith("DateTime"):
        return lambda v: None if v is None else datetime.fromisoformat(v).replace(tzinfo=timezone.utc)
    if base.startswith("Date"):
        return lambda v: None if v is None else date.fromisoformat(v)
    if base in ("Int64", "UInt64", "Int128", "UInt128", "Int256", "UInt256"):  # quoted in JSON
        return lambda v: None if v is None else int(v)
    return None


class HttpReader(BaseBackend):
    def __init__(self, url: str, database: str, user: str, password: str, *, timeout: float = 30.0):
        self.url, self.database, self.timeout = url, database, timeout
        self.description = f"ClickHouse HTTP at {url}"
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self._headers = {"Authorization": f"Basic {token}"}

    def query(self, sql: str) -> tuple[list[str], list[tuple]]:
        from urllib.parse import urlencode

        request = urllib.request.Request(
            f"{self.url}?{urlencode({'database': self.database, 'default_format': 'JSONCompact'})}",
            data=sql.encode(), headers=self._headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                doc = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise ClickHouseError(exc.read().decode("utf-8", "replace").strip()) from None
        except OSError as exc:
            raise ClickHouseError(f"cannot reach {self.description}: {exc}") from None
        meta = doc.get("meta", [])
        converters = [_converter(m["type"]) for m in meta]
        rows = [tuple(v if conv is None else conv(v) for v, conv in zip(row, converters))
                for row in doc.get("data", [])]
        return [m["name"] for m in meta], rows

    def execute(self, sql: str) -> None:
        raise ClickHouseError(f"{self.description} is read-only")

    def insert(self, table, columns, rows) -> None:
        raise ClickHouseError(f"{self.description} is read-only")

    def close(self) -> None:
        pass
