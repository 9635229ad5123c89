"""`cluetrain ingest --source mastodon`: the Mastodon streaming API (server-sent events).

Streams (CLUETRAIN_MASTODON_STREAM): `public`, `public:local`, `hashtag:<tag>`, or
`notifications` (the token's account: mentions of the brand). Events `update` and
`notification` (type mention) carry a Status, mapped by sources/conversations.py
(DESIGN.md § Live sources: mapping):

- event_id = `<server>/<status id>` (ids are the streaming server's own), in_reply_to =
  `<server>/<in_reply_to_id>`; Mastodon payloads have no thread root, so a reply joins
  the conversation of the parent we sent, else the parent starts it;
- author = the account's `user@server`; mentions from `mentions[].acct`; followers from
  `account.followers_count`; lang from `language`; text = `content` without its HTML;
- created_at = the status' `created_at`; only `public` and `unlisted` statuses are taken
  (a direct mention is not a public conversation);
- `status.update` = an edit, `delete` = a delete: tombstones.

The stream has no cursor: after a reconnect, the statuses missed meanwhile are not
fetched again (README.md, Live sources: what is not covered).
"""
from __future__ import annotations

import html
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Iterable, Iterator

import orjson

from cluetrain.domain.events import format_rfc3339
from cluetrain.settings import Settings
from cluetrain.sources.accounts import load_accounts
from cluetrain.sources.conversations import ConversationMapper, Mapped, Post, non_event
from cluetrain.sources.cursor import ConnectorStore
from cluetrain.sources.feed import LiveFeed
from cluetrain.sources.http_client import error_detail, headers
from cluetrain.sources.live import LiveSource
from cluetrain.sources.reconnect import ConnectorError, Dropped, run_reconnecting

READ_TIMEOUT_S = 60.0  # servers send a heartbeat comment every ~15 s: silence this long is a dead link
PUBLIC_VISIBILITY = ("public", "unlisted")
_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p>", re.IGNORECASE)


def _now() -> str:
    """Mastodon's delete event carries no time: the moment we learnt of it."""
    return format_rfc3339(int(time.time() * 1000))


def stream_path(spec: str) -> str:
    kind, _, tag = spec.partition(":")
    if spec == "public":
        return "/api/v1/streaming/public"
    if spec == "public:local":
        return "/api/v1/streaming/public/local"
    if kind == "hashtag" and tag.strip():
        return "/api/v1/streaming/hashtag?" + urllib.parse.urlencode({"tag": tag.strip().lstrip("#")})
    if spec == "notifications":
        return "/api/v1/streaming/user/notification"
    raise ConnectorError(f"CLUETRAIN_MASTODON_STREAM: expected public, public:local, hashtag:<tag> or "
                         f"notifications, got {spec!r}")


def html_to_text(content: str) -> str:
    return html.unescape(_TAG.sub("", _BREAK.sub("\n", content))).strip()


def sse_events(lines: Iterable[bytes]) -> Iterator[tuple[str, str]]:
    """(event, data) per server-sent event; comments (heartbeats) skipped."""
    event, data = "message", []
    for raw in lines:
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "message", []
        elif line.startswith(":"):
            continue
        else:
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "event":
                event = value
            elif name == "data":
                data.append(value)


class MastodonConnector:
    def __init__(self, settings: Settings, source: LiveSource, *, stop: threading.Event | None = None,
                 log=sys.stderr):
        if not settings.mastodon_url:
            raise ConnectorError("CLUETRAIN_MASTODON_URL: required by --source mastodon (e.g. https://mastodon.social)")
        if settings.mastodon_stream == "notifications" and not settings.mastodon_token:
            raise ConnectorError("CLUETRAIN_MASTODON_TOKEN: required by CLUETRAIN_MASTODON_STREAM=notifications")
        self.settings = settings
        self.stop = stop or threading.Event()
        self.log = log
        self.server = urllib.parse.urlsplit(settings.mastodon_url).netloc.lower()
        self.url = settings.mastodon_url.rstrip("/") + stream_path(settings.mastodon_stream)
        self.accounts = load_accounts(settings.live_accounts, "mastodon")
        self.store = ConnectorStore(Path(settings.live_state_dir) / f"mastodon-{self.server}.sqlite3")
        self.mapper = ConversationMapper(self.accounts, self.store)
        self.feed = LiveFeed(source, self.store, self.mapper)
        self.malformed = 0

    def run(self) -> None:
        try:
            run_reconnecting("mastodon", self.connect_once, retries=self.settings.live_retries, stop=self.stop,
                             log=self.log)
        finally:
            self.feed.save()
            self.store.close()

    def connect_once(self) -> None:
        request = urllib.request.Request(self.url, headers=headers(self.settings.mastodon_token or None,
                                                                   Accept="text/event-stream"))
        progressed = False
        try:
            with urllib.request.urlopen(request, timeout=READ_TIMEOUT_S) as response:
                for event, data in sse_events(response):
                    self.feed.send(self.handle(event, data), None)
                    progressed = True
                    if self.stop.is_set():
                        return
            raise Dropped("the server ended the stream", progressed=progressed)
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                raise ConnectorError(f"mastodon: {self.settings.mastodon_url} refused the token ({error_detail(exc)}): "
                                     "check CLUETRAIN_MASTODON_TOKEN") from None
            if exc.code == 429 or exc.code >= 500:
                raise Dropped(f"{self.url}: {error_detail(exc)}", progressed=progressed) from None
            raise ConnectorError(f"mastodon: {self.url}: {error_detail(exc)}") from None
        except (OSError, ValueError) as exc:  # refused, reset, timeout; http.client's errors are OSErrors too
            raise Dropped(f"{self.url}: {exc or type(exc).__name__}", progressed=progressed) from None

    def handle(self, event: str, data: str) -> Mapped | None:
        if event == "delete":
            return self.mapper.tombstone("delete", f"{self.server}/{data.strip()}", _now(), "mastodon")
        if event not in ("update", "status.update", "notification"):
            return None
        try:
            payload = orjson.loads(data)
            if event == "notification":
                if payload.get("type") != "mention":
                    return None
                payload = payload["status"]
            status = self._post(payload)
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError) as exc:
            return self._malformed(event, data, f"{type(exc).__name__}: {exc}")
        if status is None:
            return None
        if event == "status.update":
            return self.mapper.tombstone("edit", status.event_id, payload.get("edited_at") or _now(), "mastodon",
                                         status.text)
        return self.mapper.map(status)

    def _post(self, status: dict) -> Post | None:
        if status.get("visibility") not in PUBLIC_VISIBILITY:
            return None
        account = status["account"]
        parent = status.get("in_reply_to_id")
        language = status.get("language")
        followers = account.get("followers_count")
        return Post(
            event_id=f"{self.server}/{status['id']}", author_id=self._acct(account["acct"]),
            text=html_to_text(status.get("content") or ""), created_at=status["created_at"],
            langs=(language,) if isinstance(language, str) else (),
            parent_id=f"{self.server}/{parent}" if parent else None,
            mentioned=tuple(self._acct(m["acct"]) for m in status.get("mentions") or ()),
            followers=followers if isinstance(followers, int) and not isinstance(followers, bool) else None)

    def _acct(self, acct: str) -> str:
        acct = acct.lower()
        return acct if "@" in acct else f"{acct}@{self.server}"

    def _malformed(self, event: str, data: str, reason: str) -> Mapped:
        self.malformed += 1
        return non_event("malformed", "mastodon", event=event, reason=reason, frame=data[:10_000])
