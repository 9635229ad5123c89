"""The dashboard as a WSGI application: create_app(query).

Routes: `/` the page, `/conversation?brand=&id=` a drill-down, `/api/dashboard?...`
the live JSON (the page polls it every second; `since=<fingerprint>` answers
{"unchanged": true} when nothing was stored since), `/api/conversation?...`, and
`/static/*`. Every failure is a page or JSON error that says what to do, never a
trace: ClickHouse unreachable (503), empty database (200, the page waits for data),
unknown brand or conversation (404), a bad filter (400).
"""
from __future__ import annotations

import json
import threading
from importlib import resources
from urllib.parse import parse_qs

from cluetrain.sinks.snapshots import snapshot_query

from .conversation import UnknownConversation, load_conversation
from .filters import FilterError, Filters, parse_filters
from .pages import conversation_page, dashboard_page, error_page
from .render import sections
from .snapshot import load_snapshot
from .store import EmptyStore, Query, StoreNotMigrated, StoreUnavailable, UnknownBrand, read_clock

STATIC = resources.files(__package__).joinpath("static")
CONTENT_TYPES = {"css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8"}
CACHE_ENTRIES = 32


class ViewerError(Exception):
    """An error page: HTTP status, title, one line of message, a hint (HTML)."""

    def __init__(self, status: str, title: str, message: str, hint: str, *, retry: bool = False):
        super().__init__(message)
        self.status, self.title, self.message, self.hint = status, title, message, hint
        self.retry = retry  # the state may change by itself: the page polls and reloads

    @property
    def calm(self) -> bool:
        return self.status.startswith("200")


def explain(error: Exception) -> ViewerError:
    if isinstance(error, StoreNotMigrated):
        return ViewerError("503 Service Unavailable", "The database is behind this version", str(error),
                           "Run the pipeline (<code>cluetrain run</code> or <code>cluetrain worker</code>) once "
                           "with the user that migrates: it adds the missing tables and views.", retry=True)
    if isinstance(error, StoreUnavailable):
        return ViewerError("503 Service Unavailable", "ClickHouse is not answering", str(error),
                           "Check that the server is running and that <code>--clickhouse</code> names it; "
                           "this page retries every second.", retry=True)
    if isinstance(error, EmptyStore):
        return ViewerError("200 OK", "No data yet", "The database holds no event.",
                           "Start <code>cluetrain run --input FILE --dashboard</code> or "
                           "<code>cluetrain ingest</code>: this page shows the figures as soon as events arrive.", retry=True)
    if isinstance(error, UnknownBrand):
        known = ", ".join(error.known) or "none yet"
        return ViewerError("404 Not Found", "Unknown brand", f"No brand named {error.brand!r} in this database.",
                           f'Known brands: {known}. <a href="./">Show all brands</a>.')
    if isinstance(error, UnknownConversation):
        return ViewerError("404 Not Found", "Unknown conversation", f"No conversation {error.args[0]!r} here.",
                           '<a href="./">Back to the dashboard</a>.')
    if isinstance(error, FilterError):
        return ViewerError("400 Bad Request", "This view cannot be shown", str(error), '<a href="./">Reset the filters</a>.')
    raise error


class Dashboard:
    def __init__(self, query: Query):
        lock = threading.Lock()

        def serialized(sql: str):  # one query at a time: the embedded store is not thread-safe
            with lock:
                return query(sql)

        self.query = serialized
        self.cache: dict[Filters, dict] = {}
        self.cache_lock = threading.Lock()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "/") or "/"
        params = environ.get("QUERY_STRING", "")
        json_route = path.startswith("/api/")
        try:
            if path.startswith("/static/"):
                return self.static(path[len("/static/"):], start_response)
            if path == "/":
                filters = parse_filters(params)
                status, body = "200 OK", dashboard_page(self.snapshot(filters), filters)
            elif path == "/conversation":
                status, body = "200 OK", self.conversation_page(params)
            elif path == "/api/dashboard":
                status, body = "200 OK", self.api_dashboard(params)
            elif path == "/api/conversation":
                status, body = "200 OK", json.dumps(self.conversation(params)[0])
            else:
                raise ViewerError("404 Not Found", "No such page", f"Nothing at {path}.", '<a href="./">Dashboard</a>.')
        except Exception as error:  # noqa: BLE001 - explain() re-raises what it does not know
            viewer = error if isinstance(error, ViewerError) else explain(error)
            status = viewer.status
            body = (json.dumps({"error": {"title": viewer.title, "message": viewer.message, "hint": viewer.hint}})
                    if json_route else error_page(viewer.title, viewer.message, viewer.hint,
                                                  retry_api=f"api/dashboard?{params}" if viewer.retry else "",
                                                  calm=viewer.calm))
        content_type = "application/json" if json_route else "text/html; charset=utf-8"
        return _respond(start_response, status, content_type, body.encode("utf-8"))

    def snapshot(self, filters: Filters) -> dict:
        clock = read_clock(self.query)
        with self.cache_lock:
            cached = self.cache.get(filters)
        if cached is not None and cached["fingerprint"] == clock.fingerprint:
            return cached
        # the views' values, read from their snapshots while those are fresh (sinks/snapshots.py)
        snapshot = load_snapshot(snapshot_query(self.query), filters, clock)
        with self.cache_lock:
            if len(self.cache) >= CACHE_ENTRIES:
                self.cache.pop(next(iter(self.cache)))
            self.cache[filters] = snapshot
        return snapshot

    def api_dashboard(self, params: str) -> str:
        filters = parse_filters(params)
        since = parse_qs(params).get("since", [""])[-1]
        snapshot = self.snapshot(filters)
        if since and since == snapshot["fingerprint"]:
            return json.dumps({"unchanged": True, "fingerprint": since})
        return json.dumps({"fingerprint": snapshot["fingerprint"], "as_of": snapshot["as_of"],
                           "sections": sections(snapshot, filters), "data": snapshot})

    def conversation(self, params: str) -> tuple[dict, int]:
        values = {k: v[-1] for k, v in parse_qs(params).items()}
        if not values.get("brand") or not values.get("id"):
            raise FilterError("a conversation needs its brand and id (conversation?brand=...&id=...)")
        clock = read_clock(self.query)
        return load_conversation(self.query, values["brand"], values["id"]), clock.as_of_s

    def conversation_page(self, params: str) -> str:
        conversation, as_of = self.conversation(params)
        return conversation_page(conversation, parse_filters(params), as_of)

    def static(self, name: str, start_response):
        resource = STATIC.joinpath(name)
        extension = name.rpartition(".")[2]
        if "/" in name or extension not in CONTENT_TYPES or not resource.is_file():
            return _respond(start_response, "404 Not Found", "text/plain", b"not found")
        return _respond(start_response, "200 OK", CONTENT_TYPES[extension], resource.read_bytes(),
                        cache="max-age=300")


def _respond(start_response, status: str, content_type: str, body: bytes, cache: str = "no-store"):
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body))),
                            ("Cache-Control", cache), ("X-Content-Type-Options", "nosniff")])
    return [body]


def create_app(query: Query):
    """The dashboard's WSGI application over `query(sql) -> (columns, rows)`, which runs
    read-only SQL on the store with its database selected."""
    return Dashboard(query)
