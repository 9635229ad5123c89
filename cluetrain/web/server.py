"""The process that owns the results serves them: the dashboard page and, for the
embedded store, the read-only ClickHouse HTTP interface (DESIGN.md § Reading the
results: who owns the embedded store).

`Endpoints(settings, address).start()` opens a read-only reader on the configured
target and serves, each on a threaded WSGI server in daemon threads:
- `http://host:port/`: cluetrain.web.dashboard.create_app(query) when that module is
  installed, else a page that says the dashboard is not available; behind basic auth
  with the SQL endpoint's credentials when they have a password;
- `http://host:sql_port/`: clickhouse_http.ClickHouseHttpApp (embedded store only; a
  ClickHouse server has its own HTTP interface).
"""
from __future__ import annotations

import ipaddress
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cluetrain.runtime.processes import ProcessError, ensure_port_free
from cluetrain.settings import Settings, SettingsError
from cluetrain.sinks.backends import open_backend

from .clickhouse_http import ClickHouseHttpApp, Credentials, basic_auth

@dataclass(frozen=True)
class Address:
    host: str = "127.0.0.1"
    port: int = 8080
    sql_port: int = 8123

    def url(self, port: int) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{port}/"

    def as_args(self) -> list[str]:
        return ["--host", self.host, "--port", str(self.port), "--sql-port", str(self.sql_port)]


def sql_credentials(settings: Settings) -> Credentials:
    """The SQL endpoint's user: CLUETRAIN_SQL_USER with CLUETRAIN_SQL_PASSWORD or the
    first line of CLUETRAIN_SQL_PASSWORD_FILE (a secret file, e.g. systemd credentials)."""
    password = settings.sql_password
    if settings.sql_password_file:
        try:
            lines = Path(settings.sql_password_file).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise SettingsError(f"CLUETRAIN_SQL_PASSWORD_FILE: cannot read {settings.sql_password_file}: "
                                f"{exc.strerror}") from None
        password = lines[0].strip() if lines else ""
    return Credentials(settings.sql_user, password)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # no access log on stderr (URLs may carry a password)
        pass


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


def _placeholder_app(environ, start_response):
    body = (b"<!doctype html><title>cluetrain</title><p>The dashboard page is not installed in this version "
            b"(cluetrain.web.dashboard). The SQL endpoint and <code>cluetrain query</code> read the results.")
    start_response("200 OK", [("Content-Type", "text/html; charset=UTF-8"),
                                               ("Content-Length", str(len(body)))])
    return [body]


def require_credentials(app, credentials: Credentials):
    """The dashboard behind the SQL endpoint's credentials (HTTP basic auth) when it has a password."""
    def guarded(environ, start_response):
        user, password = basic_auth(environ.get("HTTP_AUTHORIZATION", "")) or ("", "")
        if credentials.accepts(user, password):
            return app(environ, start_response)
        body = b"Authentication required: the user and password of CLUETRAIN_SQL_USER / CLUETRAIN_SQL_PASSWORD.\n"
        start_response("401 Unauthorized", [("Content-Type", "text/plain; charset=UTF-8"),
                                            ("Content-Length", str(len(body))),
                                            ("WWW-Authenticate", 'Basic realm="cluetrain"')])
        return [body]
    return guarded


def dashboard_app(query):
    try:
        from cluetrain.web.dashboard import create_app
    except ImportError:
        return _placeholder_app
    return create_app(query)


class Endpoints:
    """The dashboard and (embedded store) the SQL endpoint, served from this process."""

    def __init__(self, settings: Settings, address: Address, *, create: bool = False):
        self.settings = settings
        self.address = address
        self.create = create  # the worker: it creates the embedded store's directory anyway
        self.reader = None
        self.servers: list[WSGIServer] = []

    @property
    def serves_sql(self) -> bool:
        return self.settings.embedded_clickhouse

    def check(self) -> Credentials:
        """Fail fast, before anything starts: ports taken, or a network address without a password."""
        credentials = sql_credentials(self.settings)
        ports = [self.address.port] + ([self.address.sql_port] if self.serves_sql else [])
        for port in ports:
            ensure_port_free(self.address.host, port)
        if not credentials.password and not _is_loopback(self.address.host):
            raise ProcessError(f"serving the results on {self.address.host} makes them reachable from the network: "
                               "set CLUETRAIN_SQL_PASSWORD or CLUETRAIN_SQL_PASSWORD_FILE")
        return credentials

    def start(self) -> "Endpoints":
        credentials = self.check()
        s = self.settings
        if self.create and s.embedded_clickhouse:
            os.makedirs(s.clickhouse, exist_ok=True)
        self.reader = open_backend(s.clickhouse, s.database, read_only=True)
        dashboard = dashboard_app(self.reader.query)
        self._serve(self.address.port, require_credentials(dashboard, credentials) if credentials.password else dashboard)
        if self.serves_sql:
            import chdb

            self._serve(self.address.sql_port,
                        ClickHouseHttpApp(self.reader, credentials, version=chdb.engine_version))
        return self

    def _serve(self, port: int, app) -> None:
        server = make_server(self.address.host, port, app, server_class=_ThreadingWSGIServer,
                             handler_class=_QuietHandler)
        self.servers.append(server)
        threading.Thread(target=server.serve_forever, name=f"http-{port}", daemon=True).start()

    def describe(self) -> str:
        lines = [f"dashboard: {self.address.url(self.address.port)}"]
        if self.serves_sql:
            lines.append(f"SQL (ClickHouse HTTP, read-only, user {self.settings.sql_user}): "
                         f"{self.address.url(self.address.sql_port)}")
        return "\n".join(lines)

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()
        self.servers = []
        if self.reader is not None:
            self.reader.close()
            self.reader = None

    def __enter__(self) -> "Endpoints":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
