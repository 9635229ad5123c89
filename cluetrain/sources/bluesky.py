"""`cluetrain ingest --source bluesky`: Bluesky posts through Jetstream (JSON over WebSocket).

Jetstream frames (`kind: commit` of collection `app.bsky.feed.post`) become Posts, then
events by the rules of sources/conversations.py (DESIGN.md § Live sources: mapping):

- event_id = the post's `at://<did>/app.bsky.feed.post/<rkey>`; reply.root / reply.parent
  give the conversation and in_reply_to, and their URIs name their authors' DIDs;
- mentions: the record's mention facets (DIDs) and `@handle` in the text;
- created_at = the frame's `time_us`, when Jetstream received the post: clients set the
  record's `createdAt` freely, so it cannot time an answer;
- `update` of a post = an edit, `delete` = a delete: tombstones (conversations.py).

Resume: the cursor is the last handled frame's `time_us`; a reconnect asks for it minus
REWIND_US (Jetstream's advice for gapless playback), and the posts replayed in that
overlap are skipped by event_id (cursor.py).
"""
from __future__ import annotations

import re
import sys
import threading
import urllib.error
import urllib.parse
from pathlib import Path

import orjson

from cluetrain.domain.events import format_rfc3339
from cluetrain.settings import Settings
from cluetrain.sources.accounts import NetworkAccounts, load_accounts
from cluetrain.sources.conversations import ConversationMapper, Mapped, Post, non_event
from cluetrain.sources.cursor import ConnectorStore
from cluetrain.sources.feed import LiveFeed
from cluetrain.sources.http_client import error_detail, get_json
from cluetrain.sources.live import LiveSource
from cluetrain.sources.profiles import ProfileLookup
from cluetrain.sources.reconnect import ConnectorError, Dropped, run_reconnecting

POST = "app.bsky.feed.post"
MENTION_FACET = "app.bsky.richtext.facet#mention"
REWIND_US = 5_000_000
RECV_POLL_S = 1.0  # how often a quiet connection checks `stop` and saves its cursor
_HANDLE_IN_TEXT = re.compile(r"@([a-zA-Z0-9][a-zA-Z0-9.-]*[a-zA-Z0-9])")


def author_of(uri: object) -> str | None:
    """The DID in `at://<did>/<collection>/<rkey>`."""
    if isinstance(uri, str) and uri.startswith("at://"):
        return uri[5:].split("/", 1)[0] or None
    return None


def resolve_handles(accounts: NetworkAccounts, api: str, retries: int) -> tuple[NetworkAccounts, dict[str, str]]:
    """Every handle of the file replaced by its DID; also {brand handle: DID} for @handles in texts."""
    resolved: dict[str, str] = {}

    def resolve(name: str) -> str:
        if name.startswith("did:"):
            return name
        if name not in resolved:
            url = f"{api.rstrip('/')}/xrpc/com.atproto.identity.resolveHandle?handle={urllib.parse.quote(name)}"
            result: dict = {}

            def once():
                try:
                    result.update(get_json(url, timeout=10))
                except urllib.error.HTTPError as exc:
                    if exc.code == 400:  # the API's answer for a handle that resolves to nobody
                        raise ConnectorError(f"bluesky: unknown handle {name} in CLUETRAIN_LIVE_ACCOUNTS "
                                             f"({error_detail(exc)})") from None
                    raise Dropped(f"resolving {name} at {api}: {error_detail(exc)}") from None
                except (OSError, orjson.JSONDecodeError) as exc:
                    raise Dropped(f"resolving {name} at {api}: {exc}") from None

            run_reconnecting("bluesky", once, retries=retries)
            if not isinstance(result.get("did"), str):
                raise ConnectorError(f"bluesky: {api} answered no DID for handle {name}")
            resolved[name] = result["did"]
        return resolved[name]

    dids = accounts.resolve(resolve)
    handles = {h: resolved[h] for h in accounts.brand_accounts if h in resolved}
    return dids, handles


class JetstreamConnector:
    def __init__(self, settings: Settings, source: LiveSource, *, stop: threading.Event | None = None,
                 log=sys.stderr):
        self.settings = settings
        self.stop = stop or threading.Event()
        self.log = log
        accounts = load_accounts(settings.live_accounts, "bluesky")
        self.accounts, self.brand_handles = resolve_handles(accounts, settings.bluesky_api, settings.live_retries)
        self.profiles = (ProfileLookup(settings.bluesky_api, settings.bluesky_profile_rate, log=log)
                         if settings.bluesky_followers == "on" else None)
        self.store = ConnectorStore(Path(settings.live_state_dir) / "bluesky.sqlite3")
        self.mapper = ConversationMapper(self.accounts, self.store,
                                         self.profiles.followers if self.profiles else None)
        self.feed = LiveFeed(source, self.store, self.mapper)
        self.malformed = 0

    def url(self) -> str:
        query = [("wantedCollections", POST)]
        cursor = self.store.cursor()
        if cursor is not None:
            query.append(("cursor", str(max(0, int(cursor) - REWIND_US))))
        return f"{self.settings.jetstream_url}?{urllib.parse.urlencode(query)}"

    def run(self) -> None:
        try:
            run_reconnecting("bluesky", self.connect_once, retries=self.settings.live_retries, stop=self.stop,
                             log=self.log)
        finally:
            self.feed.save()
            self.store.close()

    def connect_once(self) -> None:
        from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI, WebSocketException
        from websockets.sync.client import connect

        url = self.url()
        progressed = False
        try:
            with connect(url, open_timeout=10, close_timeout=2, max_size=2**22, compression=None) as ws:
                while not self.stop.is_set():
                    try:
                        frame = ws.recv(timeout=RECV_POLL_S)
                    except TimeoutError:
                        self.feed.send(None, None)
                        continue
                    self.feed.send(*self.handle(frame))
                    progressed = True
        except InvalidURI as exc:
            raise ConnectorError(f"bluesky: CLUETRAIN_JETSTREAM_URL: {exc}") from None
        except InvalidStatus as exc:
            raise Dropped(f"{self.settings.jetstream_url} answered HTTP {exc.response.status_code}",
                          progressed=progressed) from None
        except ConnectionClosed as exc:
            raise Dropped(f"connection closed ({exc})", progressed=progressed) from None
        except (OSError, WebSocketException) as exc:
            raise Dropped(f"{self.settings.jetstream_url}: {exc or type(exc).__name__}", progressed=progressed) from None

    def handle(self, raw: str | bytes) -> tuple[Mapped | None, str | None]:
        """One frame -> (its line or None, the cursor after it)."""
        try:
            frame = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            return self._malformed(raw, f"not JSON: {exc}"), None
        if not isinstance(frame, dict) or not isinstance(frame.get("time_us"), int) or \
                not isinstance(frame.get("did"), str):
            return self._malformed(raw, "no did or time_us"), None
        cursor = str(frame["time_us"])
        commit = frame.get("commit")
        if frame.get("kind") != "commit":
            return None, cursor  # identity and account events carry no post
        if not isinstance(commit, dict) or not isinstance(commit.get("rkey"), str):
            return self._malformed(raw, "commit without rkey"), cursor
        if commit.get("collection") != POST:
            return None, cursor
        uri = f"at://{frame['did']}/{POST}/{commit['rkey']}"
        at = format_rfc3339(frame["time_us"] // 1000)
        operation, record = commit.get("operation"), commit.get("record")
        if operation == "delete":
            return self.mapper.tombstone("delete", uri, at, "bluesky"), cursor
        if operation not in ("create", "update") or not isinstance(record, dict):
            return self._malformed(raw, f"{operation!r} commit without a record"), cursor
        text = record.get("text") if isinstance(record.get("text"), str) else ""
        if operation == "update":
            return self.mapper.tombstone("edit", uri, at, "bluesky", text), cursor
        return self.mapper.map(self._post(uri, frame["did"], record, text, at)), cursor

    def _post(self, uri: str, did: str, record: dict, text: str, at: str) -> Post:
        reply = record.get("reply") if isinstance(record.get("reply"), dict) else {}
        parent = _ref_uri(reply.get("parent"))
        root = _ref_uri(reply.get("root")) if parent else None
        langs = record.get("langs") if isinstance(record.get("langs"), list) else ()
        return Post(event_id=uri, author_id=did, text=text, created_at=at, langs=tuple(langs),
                    parent_id=parent, root_id=root or parent, parent_author=author_of(parent),
                    root_author=author_of(root), mentioned=self._mentions(record, text))

    def _mentions(self, record: dict, text: str) -> tuple[str, ...]:
        found: list[str] = []
        for facet in record.get("facets") or ():
            for feature in (facet.get("features") or ()) if isinstance(facet, dict) else ():
                if isinstance(feature, dict) and feature.get("$type") == MENTION_FACET and \
                        isinstance(feature.get("did"), str):
                    found.append(feature["did"])
        for handle in _HANDLE_IN_TEXT.findall(text):
            did = self.brand_handles.get(handle.lower())
            if did is not None:
                found.append(did)
        return tuple(found)

    def _malformed(self, raw: str | bytes, reason: str) -> Mapped:
        """A frame we cannot read: to dead letters (kind 'malformed'), never dropped silently."""
        self.malformed += 1
        frame = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        return non_event("malformed", "bluesky", reason=reason, frame=frame[:10_000])


def _ref_uri(ref: object) -> str | None:
    uri = ref.get("uri") if isinstance(ref, dict) else None
    return uri if isinstance(uri, str) and uri.startswith("at://") else None
