"""A read-only subset of ClickHouse's HTTP interface over the embedded store (WSGI).

What BI tools and drivers (clickhouse-connect, curl, Grafana, Metabase) use: `/ping`,
`/` with GET or POST (`query` parameter and/or body, as ClickHouse concatenates them),
`database`, `default_format`, `param_<name>` query parameters, FORMAT clauses, and the
user from HTTP basic auth, `X-ClickHouse-User`/`X-ClickHouse-Key` or `user`/`password`.
Transport parameters drivers send (query_id, session_id, compress, ...) are accepted
and ignored; any other parameter is a settings change and is refused like a read-only
server refuses it. Errors have ClickHouse's shape: status, `Code: N. DB::Exception: ...`
body and the X-ClickHouse-Exception-Code header. DESIGN.md § Reading the results:
the embedded store's SQL endpoint.
"""
from __future__ import annotations

import base64
import gzip
import hmac
import re
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from cluetrain.sinks.backends import ClickHouseError, error_code
from cluetrain.sinks.chdb_reader import ChdbReader
from cluetrain.sinks.read_only import check_read_only, format_clause

# Parameters of the HTTP transport, not settings (ClickHouse's and clickhouse-connect's).
TRANSPORT_PARAMETERS = {
    "query", "database", "default_format", "user", "password", "query_id", "session_id", "session_timeout",
    "session_check", "compress", "decompress", "buffer_size", "wait_end_of_query", "quota_key", "role",
    "client_protocol_version", "send_progress_in_http_headers", "http_headers_progress_interval_ms",
    "enable_http_compression", "cancel_http_readonly_queries_on_client_close", "extremes",
}
MAX_QUERY_BYTES = 1 << 20

# ClickHouse's HTTP status for an error code (src/Server/HTTPHandler.cpp), the others are 500.
HTTP_STATUS = {
    **dict.fromkeys((6, 27, 36, 53, 62, 117), "400 Bad Request"),
    194: "401 Unauthorized",
    **dict.fromkeys((192, 193, 291, 497, 516), "403 Forbidden"),
    **dict.fromkeys((46, 47, 60, 73, 81, 115), "404 Not Found"),
    159: "408 Request Timeout",
    202: "429 Too Many Requests",
}
CONTENT_TYPES = {
    "TabSeparated": "text/tab-separated-values", "TSV": "text/tab-separated-values",
    "CSV": "text/csv", "JSON": "application/json", "JSONCompact": "application/json",
    "JSONEachRow": "application/x-ndjson",
}
_FORMAT_PREFIX = re.compile(r"^(TabSeparated|TSV|CSV|JSONCompact|JSONEachRow|JSON)")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DUPLICATE_PREFIX = re.compile(r"^(Code: \d+\. DB::Exception: )+")


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str = field(repr=False)  # never logged or shown

    def accepts(self, user: str, password: str) -> bool:
        return hmac.compare_digest(user.encode(), self.user.encode()) and \
            hmac.compare_digest(password.encode(), self.password.encode())


def basic_auth(header: str) -> tuple[str, str] | None:
    """(user, password) of an `Authorization: Basic ...` header, None if it is not one."""
    if not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:], validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user, password


class ClickHouseHttpApp:
    """WSGI app: ClickHouse's HTTP protocol, read-only, on a ChdbReader."""

    def __init__(self, reader: ChdbReader, credentials: Credentials, *, version: str):
        self.reader = reader
        self.credentials = credentials
        self.version = version

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "/")
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            if path in ("/ping", "/replicas_status") or (path == "/" and method in ("GET", "HEAD")
                                                         and not environ.get("QUERY_STRING")):
                return self._respond(start_response, "200 OK", b"Ok.\n", "text/html")
            if path != "/":
                return self._respond(start_response, "404 Not Found",
                                     f"There is no handle {path}\n\nUse / or /ping for health checks.\n".encode(),
                                     "text/plain")
            if method not in ("GET", "POST"):
                raise ClickHouseError(f"Code: 36. DB::Exception: Method {method} is not supported.", code=36)
            params = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
            self._authenticate(environ, params)
            return self._query(environ, start_response, method, params)
        except ClickHouseError as exc:
            return self._error(start_response, exc)

    # ----------------------------------------------------------------- request

    def _authenticate(self, environ, params) -> None:
        user, password = params.get("user"), params.get("password", "")
        header = environ.get("HTTP_AUTHORIZATION", "")
        if header.startswith("Basic "):
            user, password = basic_auth(header) or (None, "")
        elif "HTTP_X_CLICKHOUSE_USER" in environ:
            user, password = environ["HTTP_X_CLICKHOUSE_USER"], environ.get("HTTP_X_CLICKHOUSE_KEY", "")
        if user is None and not self.credentials.accepts("default", ""):
            raise ClickHouseError("Code: 194. DB::Exception: default: Authentication failed: password is required. "
                                  "(REQUIRED_PASSWORD)", code=194)
        user = "default" if user is None else user
        if not self.credentials.accepts(user, password):
            raise ClickHouseError(f"Code: 516. DB::Exception: {user}: Authentication failed: password is incorrect, "
                                  "or there is no user with such name. (AUTHENTICATION_FAILED)", code=516)

    def _query(self, environ, start_response, method: str, params: dict):
        settings = sorted(k for k in params if k not in TRANSPORT_PARAMETERS and not k.startswith("param_"))
        if settings:
            raise ClickHouseError(f"Code: 164. DB::Exception: Cannot modify '{settings[0]}' setting in readonly mode. "
                                  "(READONLY)", code=164)
        sql = params.get("query", "")
        if sql.strip():  # an INSERT's data follows in the body: refuse before reading it
            check_read_only(sql)
        if method == "POST":
            body = self._body(environ)
            sql = f"{sql}\n{body}" if sql and body else sql or body
        if not sql.strip():
            raise ClickHouseError("Code: 62. DB::Exception: Empty query. (SYNTAX_ERROR)", code=62)
        default_format = params.get("default_format") or "TabSeparated"
        database = params.get("database") or None
        for name in (default_format, database or "x"):
            if not _IDENTIFIER.match(name):
                raise ClickHouseError(f"Code: 36. DB::Exception: Invalid name {name!r}. (BAD_ARGUMENTS)", code=36)
        query_params = {k[6:]: v for k, v in params.items() if k.startswith("param_")}
        output = self.reader.raw(sql, default_format, database=database, params=query_params)
        output_format = format_clause(sql) or default_format
        match = _FORMAT_PREFIX.match(output_format)
        content_type = CONTENT_TYPES[match.group(1)] if match else "application/octet-stream"
        headers = [("X-ClickHouse-Format", output_format),
                   ("X-ClickHouse-Query-Id", params.get("query_id") or str(uuid.uuid4()))]
        return self._respond(start_response, "200 OK", output, content_type, headers)

    @staticmethod
    def _body(environ) -> str:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_QUERY_BYTES:
            raise ClickHouseError("Code: 202. DB::Exception: Query is too large. (QUERY_IS_TOO_LARGE)", code=202)
        raw = environ["wsgi.input"].read(length) if length else b""
        if environ.get("HTTP_CONTENT_ENCODING", "").lower() == "gzip":
            raw = gzip.decompress(raw)
        return raw.decode("utf-8", "replace")

    # ---------------------------------------------------------------- response

    def _respond(self, start_response, status: str, body: bytes, content_type: str, headers=()):
        start_response(status, [
            ("Content-Type", f"{content_type}; charset=UTF-8"),
            ("Content-Length", str(len(body))),
            ("X-ClickHouse-Server-Display-Name", "cluetrain"),
            ("X-ClickHouse-Timezone", "UTC"),
            *headers,
        ])
        return [body]

    def _error(self, start_response, exc: ClickHouseError):
        code = exc.code or error_code(str(exc)) or 1000
        text = _DUPLICATE_PREFIX.sub("", str(exc))
        body = f"Code: {code}. DB::Exception: {text} (version {self.version})\n".encode()
        headers = [("X-ClickHouse-Exception-Code", str(code))]
        if code in (194, 516):
            headers.append(("WWW-Authenticate", 'Basic realm="ClickHouse server HTTP API"'))
        return self._respond(start_response, HTTP_STATUS.get(code, "500 Internal Server Error"), body,
                             "text/plain", headers)
