"""The Jetstream connector against a local WebSocket server replaying hand-written frames
(Jetstream's event shapes, app.bsky.feed.post records): mapping, roles, langs, deletes
and edits, malformed frames, a dropped connection, a restart from the stored cursor,
followers, and the errors a person acts on."""
from __future__ import annotations

import io
import threading

import pytest

from cluetrain.kafka.memory import MemoryBroker
from cluetrain.settings import Settings
from cluetrain.sources.bluesky import REWIND_US, JetstreamConnector
from cluetrain.sources.live import LiveSource
from cluetrain.sources.reconnect import ConnectorError
from tests.support.live_servers import (T0_US, BlueskyApi, JetstreamServer, delete_frame, identity_frame,
                                        post_frame, post_uri, sent_records)

ACME = "did:plc:acme"
ACME_AGENT = "did:plc:jane"  # an employee of acme, own account
ALICE = "did:plc:alice"
BOB = "did:plc:bob"
HANDLES = {"acme.bsky.social": ACME, "jane.bsky.social": ACME_AGENT}


def accounts_file(tmp_path, body: str | None = None):
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "accounts.toml"
    path.write_text(body or '[brands.acme]\nbluesky = ["acme.bsky.social"]\n'
                            '[brands.acme.teams.care]\nbluesky = ["jane.bsky.social"]\n')
    return path


def conversation() -> list[bytes]:
    """Alice mentions @acme (facet), Bob chimes in, Jane (employee) answers, acme answers,
    Alice edits then deletes her first post; noise around it."""
    root = post_uri(ALICE, "a1")
    return [
        identity_frame(BOB, T0_US),
        post_frame(BOB, "noise", T0_US + 1_000, "nothing to do with any brand"),
        post_frame(ALICE, "a1", T0_US + 2_000, "@acme.bsky.social my order never came", mentions=(ACME,),
                   langs=("en-US",)),
        post_frame(BOB, "b1", T0_US + 3_000, "same here", reply_to=(root, root), langs=()),
        post_frame(ACME_AGENT, "j1", T0_US + 4_000, "Sorry! DM us", reply_to=(root, post_uri(BOB, "b1"))),
        post_frame(ACME, "c1", T0_US + 5_000, "Fixed, thanks", reply_to=(root, root), langs=("fr",)),
        post_frame(ALICE, "a2", T0_US + 6_000, "hey @acme.bsky.social, again", langs=("en",)),  # @handle, no facet
        post_frame(ACME, "c2", T0_US + 7_000, "our new product!", mentions=()),  # the brand's own post: no conversation
        post_frame(ALICE, "a1", T0_US + 8_000, "my order never came (edited)", operation="update"),
        delete_frame(ALICE, "a1", T0_US + 9_000),
        delete_frame(BOB, "noise", T0_US + 9_500),  # a post we never sent: nothing
    ]


@pytest.fixture
def api():
    server = BlueskyApi(HANDLES, {ALICE: 25_000, BOB: 3})
    yield server
    server.close()


def settings_for(tmp_path, jetstream, api, **extra) -> Settings:
    return Settings.from_env({}, partitions=2, live_accounts=str(accounts_file(tmp_path)),
                             live_state_dir=str(tmp_path / "live"), jetstream_url=jetstream.url,
                             bluesky_api=api.url, live_retries=3, **extra)


def run_until(settings, broker, jetstream, *, frames_expected: int, log=None):
    """Run the connector until the server has sent everything and the connector has handled it."""
    stop = threading.Event()
    with LiveSource(settings, producer=broker.producer()) as source:
        connector = JetstreamConnector(settings, source, stop=stop, log=log or io.StringIO())
        thread = threading.Thread(target=connector.run)
        thread.start()
        try:
            for _ in range(200):
                if jetstream.sent.is_set() and connector.store.cursor() is not None and \
                        int(connector.store.cursor()) >= frames_expected:
                    break
                stop.wait(0.05)
        finally:
            stop.set()
            thread.join(10)
    return connector


def test_a_conversation_is_mapped_by_the_documented_rules(tmp_path, api):
    jetstream = JetstreamServer(conversation())
    settings = settings_for(tmp_path, jetstream, api)
    broker = MemoryBroker(2)
    run_until(settings, broker, jetstream, frames_expected=T0_US + 9_500)
    jetstream.close()
    records = {(r["event_id"], r["kind"]): r for r in sent_records(broker, settings)}
    root = post_uri(ALICE, "a1")
    mention = records[(root, "mention")]
    assert (mention["brand"], mention["conversation_id"], mention["author_role"], mention["lang"]) == \
        ("acme", root, "customer", "en")
    assert mention["created_at"] == "2026-09-21T14:13:20.002Z"  # time_us, not the record's createdAt
    bob = records[(post_uri(BOB, "b1"), "reply")]
    assert (bob["in_reply_to"], bob["conversation_id"], bob["author_role"], bob["lang"]) == (root, root, "customer", None)
    jane = records[(post_uri(ACME_AGENT, "j1"), "reply")]
    assert (jane["author_role"], jane["in_reply_to"]) == ("employee", post_uri(BOB, "b1"))
    assert records[(post_uri(ACME, "c1"), "reply")]["author_role"] == "brand"
    assert records[(post_uri(ACME, "c1"), "reply")]["lang"] == "fr"
    assert records[(post_uri(ALICE, "a2"), "mention")]["brand"] == "acme"  # plain @handle in the text
    assert (post_uri(ACME, "c2"), "mention") not in records
    assert not any(r[0] == post_uri(BOB, "noise") for r in records)
    edit, delete = records[(root, "edit")], records[(root, "delete")]
    assert edit["raw"] and edit["text"] == "my order never came (edited)" and edit["brand"] == "acme"
    assert delete["raw"] and delete["conversation_id"] == root
    assert len(records) == 7


def test_a_dropped_connection_resumes_from_the_cursor_without_gap_or_duplicate(tmp_path, api):
    frames = conversation()
    jetstream = JetstreamServer(frames, drop_after=4)  # cut right after Bob's reply
    settings = settings_for(tmp_path, jetstream, api)
    broker = MemoryBroker(2)
    log = io.StringIO()
    run_until(settings, broker, jetstream, frames_expected=T0_US + 9_500, log=log)
    jetstream.close()
    assert "reconnecting" in log.getvalue()
    assert len(jetstream.requests) == 2
    resumed_at = int(jetstream.requests[1].split("cursor=")[1])
    assert resumed_at == T0_US + 3_000 - REWIND_US  # the last handled frame, rewound
    ids = [(r["event_id"], r["kind"]) for r in sent_records(broker, settings)]
    assert len(ids) == len(set(ids)) == 7  # the replayed overlap was skipped


def test_a_restart_continues_the_stored_conversations(tmp_path, api):
    frames = conversation()
    first = JetstreamServer(frames[:4])
    settings = settings_for(tmp_path, first, api)
    broker = MemoryBroker(2)
    run_until(settings, broker, first, frames_expected=T0_US + 3_000)
    first.close()
    second = JetstreamServer(frames)  # the new process asks from its cursor; the server holds it all
    run_until(settings.replace(jetstream_url=second.url), broker, second, frames_expected=T0_US + 9_500)
    second.close()
    assert "cursor=" in second.requests[0]
    ids = [(r["event_id"], r["kind"]) for r in sent_records(broker, settings)]
    assert len(ids) == len(set(ids)) == 7
    reply = next(r for r in sent_records(broker, settings) if r["event_id"] == post_uri(ACME, "c1"))
    assert reply["brand"] == "acme" and reply["conversation_id"] == post_uri(ALICE, "a1")


def test_malformed_frames_go_to_dead_letters_and_the_stream_goes_on(tmp_path, api):
    frames = [b"{not json", b'{"kind": "commit"}',
              post_frame(ALICE, "a1", T0_US + 1_000, "@acme.bsky.social help", mentions=(ACME,))]
    jetstream = JetstreamServer(frames)
    settings = settings_for(tmp_path, jetstream, api)
    broker = MemoryBroker(2)
    connector = run_until(settings, broker, jetstream, frames_expected=T0_US + 1_000)
    jetstream.close()
    records = sent_records(broker, settings)
    malformed = [r for r in records if r.get("kind") == "malformed"]
    assert [m["reason"][:8] for m in malformed] == ["not JSON", "no did o"]
    assert malformed[0]["frame"] == "{not json" and connector.malformed == 2
    assert any(r.get("kind") == "mention" for r in records)


def test_followers_come_from_the_profile_api_only_when_configured_and_are_cached(tmp_path, api):
    root = post_uri(ALICE, "a1")
    frames = [post_frame(ALICE, "a1", T0_US + 1, "@acme.bsky.social hi", mentions=(ACME,)),
              post_frame(ALICE, "a2", T0_US + 2, "hello?", reply_to=(root, root))]
    for followers, expected in (("off", None), ("on", 25_000)):
        jetstream = JetstreamServer(frames)
        settings = settings_for(tmp_path / followers, jetstream, api, bluesky_followers=followers)
        broker = MemoryBroker(2)
        run_until(settings, broker, jetstream, frames_expected=T0_US + 2)
        jetstream.close()
        assert {r["author_followers"] for r in sent_records(broker, settings)} == {expected}
    assert api.profile_requests == [ALICE]  # asked once, then cached


def test_an_unknown_brand_handle_is_one_clear_error(tmp_path, api):
    (tmp_path / "accounts.toml").write_text('[brands.acme]\nbluesky = ["acme-typo.bsky.social"]\n')
    settings = Settings.from_env({}, live_accounts=str(tmp_path / "accounts.toml"), bluesky_api=api.url,
                                 live_state_dir=str(tmp_path / "live"))
    with LiveSource(settings, producer=MemoryBroker(4).producer()) as source:
        with pytest.raises(ConnectorError, match="unknown handle acme-typo.bsky.social"):
            JetstreamConnector(settings, source)


def test_an_unreachable_jetstream_fails_after_the_configured_retries(tmp_path, api):
    settings = Settings.from_env({}, live_accounts=str(accounts_file(tmp_path)), bluesky_api=api.url,
                                 live_state_dir=str(tmp_path / "live"), live_retries=2,
                                 jetstream_url="ws://127.0.0.1:9/subscribe")  # discard port: refused
    log = io.StringIO()
    with LiveSource(settings, producer=MemoryBroker(4).producer()) as source:
        connector = JetstreamConnector(settings, source, log=log)
        with pytest.raises(ConnectorError, match="unreachable after 2 attempts"):
            connector.run()
    assert log.getvalue().count("reconnecting in") == 2
