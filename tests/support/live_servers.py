"""Local stand-ins for the networks, speaking their real protocols (no network here):
a Jetstream WebSocket server, the Bluesky public API's two XRPC calls, and a Mastodon
streaming server (server-sent events). They replay payloads written by hand to the
services' published schemas (Jetstream's README event shapes; Bluesky lexicons
app.bsky.feed.post, com.atproto.identity.resolveHandle, app.bsky.actor.getProfile;
Mastodon's Status and Notification entities and streaming events)."""
from __future__ import annotations

import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson

T0_US = 1_790_000_000_000_000  # 2026-09-21 14:13:20 UTC


# --- Bluesky -----------------------------------------------------------------------

def post_uri(did: str, rkey: str) -> str:
    return f"at://{did}/app.bsky.feed.post/{rkey}"


def post_frame(did: str, rkey: str, time_us: int, text: str, *, reply_to: tuple[str, str] | None = None,
               mentions: tuple[str, ...] = (), langs=("en",), operation: str = "create") -> bytes:
    """A Jetstream commit frame of app.bsky.feed.post; reply_to = (root uri, parent uri);
    mentions: DIDs, as mention facets over their '@…' in the text."""
    record: dict = {"$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-09-21T14:13:20.000Z",
                    "langs": list(langs)}
    if reply_to:
        record["reply"] = {"root": {"uri": reply_to[0], "cid": "bafyroot"}, "parent": {"uri": reply_to[1], "cid": "bafyp"}}
    if mentions:
        start = text.encode().find(b"@")
        record["facets"] = [{"index": {"byteStart": max(start, 0), "byteEnd": max(start, 0) + 5},
                             "features": [{"$type": "app.bsky.richtext.facet#mention", "did": d}]} for d in mentions]
    return orjson.dumps({"did": did, "time_us": time_us, "kind": "commit", "commit": {
        "rev": f"3l{time_us}", "operation": operation, "collection": "app.bsky.feed.post", "rkey": rkey,
        "record": record, "cid": f"bafy{rkey}"}})


def delete_frame(did: str, rkey: str, time_us: int) -> bytes:
    return orjson.dumps({"did": did, "time_us": time_us, "kind": "commit", "commit": {
        "rev": f"3l{time_us}", "operation": "delete", "collection": "app.bsky.feed.post", "rkey": rkey}})


def identity_frame(did: str, time_us: int) -> bytes:
    return orjson.dumps({"did": did, "time_us": time_us, "kind": "identity",
                         "identity": {"did": did, "handle": "someone.bsky.social", "seq": 1, "time": "2026-09-21T14:13:20Z"}})


class JetstreamServer:
    """Serves `frames` (bytes, in time_us order) to each connection from its `cursor`
    (frames with time_us >= cursor, as Jetstream replays); the first connection is cut
    abruptly after `drop_after` frames. `requests` = the paths asked for."""

    def __init__(self, frames: list[bytes], *, drop_after: int | None = None):
        from websockets.sync.server import serve

        self.frames = frames
        self.drop_after = drop_after
        self.requests: list[str] = []
        self.sent = threading.Event()  # set once a connection has sent every frame it had
        self._server = serve(self._handle, "127.0.0.1", 0, compression=None)
        self.url = f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/subscribe"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _handle(self, ws) -> None:
        path = ws.request.path
        self.requests.append(path)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
        cursor = int(query["cursor"][0]) if "cursor" in query else 0
        first = len(self.requests) == 1
        sent = 0
        for frame in self.frames:
            if _time_us(frame, cursor) < cursor:
                continue
            if first and self.drop_after is not None and sent == self.drop_after:
                ws.socket.close()  # abrupt: no close frame, like a dropped link
                return
            ws.send(frame.decode())
            sent += 1
        self.sent.set()
        try:
            ws.recv()  # stay open (a live stream) until the client leaves
        except Exception:
            pass

    def close(self) -> None:
        self._server.shutdown()


def _time_us(frame: bytes, default: int) -> int:
    try:
        return int(orjson.loads(frame).get("time_us", default))
    except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError):
        return default  # a malformed frame: sent wherever it stands


class _QuietHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def reply(self, status: int, body: dict) -> None:
        data = orjson.dumps(body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class BlueskyApi:
    """com.atproto.identity.resolveHandle and app.bsky.actor.getProfile over HTTP."""

    def __init__(self, handles: dict[str, str], followers: dict[str, int]):
        self.profile_requests: list[str] = []
        api = self

        class Handler(_QuietHandler):
            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(url.query)
                if url.path == "/xrpc/com.atproto.identity.resolveHandle":
                    handle = query.get("handle", [""])[0]
                    if handle in handles:
                        return self.reply(200, {"did": handles[handle]})
                    return self.reply(400, {"error": "InvalidRequest", "message": "Unable to resolve handle"})
                if url.path == "/xrpc/app.bsky.actor.getProfile":
                    actor = query.get("actor", [""])[0]
                    api.profile_requests.append(actor)
                    return self.reply(200, {"did": actor, "handle": "x.bsky.social",
                                            "followersCount": followers.get(actor, 0)})
                self.reply(404, {"error": "MethodNotImplemented"})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# --- Mastodon ----------------------------------------------------------------------

def status(status_id: str, acct: str, text: str, *, reply_to: str | None = None, mentions: tuple[str, ...] = (),
           followers: int = 10, language: str | None = "en", visibility: str = "public",
           created_at: str = "2026-09-21T14:13:20.000Z") -> dict:
    """A Mastodon Status entity (the fields the connector reads, and a few it does not)."""
    username = acct.split("@")[0]
    return {
        "id": status_id, "uri": f"https://example.social/users/{username}/statuses/{status_id}",
        "created_at": created_at, "in_reply_to_id": reply_to, "in_reply_to_account_id": "1" if reply_to else None,
        "sensitive": False, "spoiler_text": "", "visibility": visibility, "language": language,
        "content": f"<p>{text}</p>", "edited_at": None, "replies_count": 0, "reblogs_count": 0,
        "account": {"id": "9", "username": username, "acct": acct, "display_name": username.title(),
                    "followers_count": followers, "following_count": 1, "statuses_count": 5},
        "mentions": [{"id": "1", "username": m.split("@")[0], "acct": m, "url": f"https://x/@{m}"} for m in mentions],
        "tags": [], "emojis": [], "media_attachments": [],
    }


def sse(event: str, data: dict | str) -> bytes:
    payload = data if isinstance(data, str) else orjson.dumps(data).decode()
    return f"event: {event}\ndata: {payload}\n\n".encode()


class MastodonServer:
    """GET /api/v1/streaming/... as server-sent events: each connection gets the next
    list of `sessions` (then the stream ends, as a dropped link would); a wrong token
    gets 401 as Mastodon answers. `requests` = the paths asked for."""

    def __init__(self, sessions: list[list[bytes]], *, token: str | None = None):
        self.requests: list[str] = []
        server = self

        class Handler(_QuietHandler):
            def do_GET(self):
                server.requests.append(self.path)
                if token is not None and self.headers.get("Authorization") != f"Bearer {token}":
                    return self.reply(401, {"error": "The access token is invalid"})
                if not self.path.startswith("/api/v1/streaming/"):
                    return self.reply(404, {"error": "Record not found"})
                index = len(server.requests) - 1
                events = sessions[index] if index < len(sessions) else []
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(b":)\n\n")  # Mastodon's heartbeat comment
                for chunk in events:
                    self.wfile.write(chunk)
                    self.wfile.flush()
                self.close_connection = True

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.host = f"127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# --- what a live source sent ---------------------------------------------------------

def sent_records(broker, settings) -> list[dict]:
    """Every non-tick record on the input topics of a MemoryBroker, in send order: events
    as their JSON dicts, lines sent raw (invalid, tombstones) as parsed JSON (or
    {unparsable: bytes}) with raw=True."""
    from cluetrain.codec.headers import JSON, header_values
    from cluetrain.codec.wire import decode_event

    found = []
    for topic, kind in ((settings.topic_mentions, "mention"), (settings.topic_replies, "reply")):
        for partition in range(settings.partitions):
            for record in broker.records(topic, partition):
                clock, tick, _, content_type = header_values(record.headers)
                if tick:
                    continue
                if content_type == JSON:
                    try:
                        body = {**orjson.loads(record.value), "raw": True}
                    except orjson.JSONDecodeError:
                        body = {"unparsable": record.value, "raw": True}
                else:
                    body = decode_event(record.value, topic_kind=kind, content_type=None, clock_ms=None,
                                        max_future_s=10**9, max_text_bytes=10**6).to_json_dict()
                found.append((clock, record.offset, body))
    return [body for _, _, body in sorted(found, key=lambda f: (f[0], f[1]))]
