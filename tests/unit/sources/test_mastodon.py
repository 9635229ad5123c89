"""The Mastodon connector against a local server-sent-events server replaying hand-written
Status and Notification entities: mapping, edits and deletes, malformed events, a stream
that ends (reconnect with back-off), a refused token."""
from __future__ import annotations

import io
import threading

import orjson
import pytest

from cluetrain.kafka.memory import MemoryBroker
from cluetrain.settings import Settings
from cluetrain.sources.live import LiveSource
from cluetrain.sources.mastodon import MastodonConnector, html_to_text, sse_events, stream_path
from cluetrain.sources.reconnect import ConnectorError
from tests.support.live_servers import MastodonServer, sent_records, sse, status

TOKEN = "t0ken"


def connector_for(tmp_path, server, log, **extra):
    (tmp_path / "accounts.toml").write_text(
        '[brands.acme]\nmastodon = ["acme@example.social"]\n'
        '[brands.acme.employees]\nmastodon = ["joe@example.social"]\n')
    values = dict(partitions=2, live_accounts=str(tmp_path / "accounts.toml"), live_state_dir=str(tmp_path / "live"),
                  mastodon_url=server.url, mastodon_stream="hashtag:acme", mastodon_token=TOKEN, live_retries=2)
    settings = Settings.from_env({}, **{**values, **extra})
    broker = MemoryBroker(2)
    source = LiveSource(settings, producer=broker.producer())
    return settings, broker, source, MastodonConnector(settings, source, log=log)


def sessions():
    first = [
        sse("update", status("1", "alice@other.social", "@acme where is my parcel?", mentions=("acme@example.social",),
                             followers=1200)),
        sse("update", status("2", "acme@example.social", "@alice sorry, looking", reply_to="1",
                             mentions=("alice@other.social",), language="en")),
        sse("update", status("3", "dm@other.social", "@acme private", mentions=("acme@example.social",),
                             visibility="direct")),
        sse("update", "{broken"),
    ]
    second = [
        sse("update", status("2", "acme@example.social", "@alice sorry, looking", reply_to="1",
                             mentions=("alice@other.social",))),  # replayed by the server: skipped
        sse("update", status("4", "joe@example.social", "@alice it ships today", reply_to="2",
                             mentions=("alice@other.social",), language=None)),
        sse("status.update", {**status("1", "alice@other.social", "@acme where is my parcel?? (edit)",
                                       mentions=("acme@example.social",)), "edited_at": "2026-09-21T14:20:00.000Z"}),
        sse("notification", {"id": "77", "type": "favourite", "account": {"acct": "x"}}),
        sse("delete", "4"),
    ]
    return [first, second]


def test_statuses_are_mapped_and_a_dropped_stream_reconnects(tmp_path):
    server = MastodonServer(sessions(), token=TOKEN)
    log = io.StringIO()
    settings, broker, source, connector = connector_for(tmp_path, server, log, live_retries=1)
    with source:
        with pytest.raises(ConnectorError, match="unreachable after 1 attempts"):
            connector.run()  # two sessions, then the server only ends streams: gives up
    server.close()
    assert server.requests[0] == "/api/v1/streaming/hashtag?tag=acme"
    assert "reconnecting in" in log.getvalue()
    host = server.host
    records = {(r.get("event_id"), r["kind"]): r for r in sent_records(broker, settings)}
    mention = records[(f"{host}/1", "mention")]
    assert (mention["brand"], mention["author_id"], mention["author_followers"], mention["text"]) == \
        ("acme", "alice@other.social", 1200, "@acme where is my parcel?")
    brand = records[(f"{host}/2", "reply")]
    assert (brand["author_role"], brand["conversation_id"], brand["in_reply_to"]) == ("brand", f"{host}/1", f"{host}/1")
    joe = records[(f"{host}/4", "reply")]
    assert (joe["author_role"], joe["conversation_id"], joe["lang"]) == ("employee", f"{host}/1", None)
    assert records[(f"{host}/1", "edit")]["text"] == "@acme where is my parcel?? (edit)"
    assert records[(f"{host}/4", "delete")]["brand"] == "acme"
    malformed = [r for r in records.values() if r.get("kind") == "malformed"]
    assert len(malformed) == 1 and malformed[0]["frame"] == "{broken"
    assert (f"{host}/3", "mention") not in records  # a direct message is no public conversation
    assert len(records) == 6


def test_a_refused_token_is_one_clear_error_without_retries(tmp_path):
    server = MastodonServer([], token=TOKEN)
    settings, broker, source, connector = connector_for(tmp_path, server, io.StringIO(), mastodon_token="wrong")
    with source, pytest.raises(ConnectorError, match="refused the token .*401.*CLUETRAIN_MASTODON_TOKEN"):
        connector.run()
    server.close()
    assert len(server.requests) == 1


def test_notifications_need_a_token_and_streams_are_named(tmp_path):
    server = MastodonServer([])
    with pytest.raises(ConnectorError, match="CLUETRAIN_MASTODON_TOKEN: required"):
        connector_for(tmp_path, server, io.StringIO(), mastodon_stream="notifications", mastodon_token="")
    server.close()
    assert stream_path("public:local") == "/api/v1/streaming/public/local"
    with pytest.raises(ConnectorError, match="expected public"):
        stream_path("home")


def test_server_sent_events_and_html_content_are_read_as_mastodon_sends_them():
    chunks = [b":thump\n", b"\n", b"event: update\n", b"data: {\"a\":\n", b"data: 1}\n", b"\n", b"event: delete\n",
              b"data: 42\n", b"\n"]
    assert list(sse_events(chunks)) == [("update", '{"a":\n1}'), ("delete", "42")]
    assert orjson.loads('{"a":\n1}') == {"a": 1}
    assert html_to_text('<p>Hi <span class="h-card"><a href="x">@<span>acme</span></a></span> &amp; co</p>'
                        '<p>line 2<br/>line 3</p>') == "Hi @acme & co\nline 2\nline 3"
