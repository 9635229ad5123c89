"""From a post on an open network to an event of DESIGN.md § Events, or to nothing.

The rules (DESIGN.md § Live sources: mapping), the same for Bluesky and Mastodon:

- A post already sent is skipped (a replay after a reconnect).
- A reply belongs to its root's conversation (Bluesky `reply.root`; Mastodon has no
  root in its payloads, so: the conversation of the parent when we sent the parent,
  else the parent itself). Its brand: the conversation's, if we sent a post of it;
  else the brand whose official account wrote the root or the parent; else the first
  brand it mentions. None of these: not a brand conversation, skipped.
- A post that is no reply and mentions a brand account (facet or @handle) starts a
  conversation (kind mention, conversation_id = its own id) — unless its author is on
  that brand's side: a brand's own announcements start no customer turn.
- Role from the account lists (brand account, listed employee of that brand, else
  customer); lang from the post's languages (first tag's ISO 639-1 part, else null).
- Deletes and edits of a post we sent become tombstones {kind: delete|edit, ...}: sent to
  the input topic like an invalid line, the worker files them in dead_letters (reason
  `unknown kind: 'delete'`); no metric changes and nothing is lost silently.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import orjson

from cluetrain.domain.events import FIELDS
from cluetrain.sources.accounts import NetworkAccounts
from cluetrain.sources.cursor import ConnectorStore, SentPost

_LANG_TAG = re.compile(r"([a-zA-Z]{2})(?:[-_].*)?")


@dataclass(frozen=True, slots=True)
class Post:
    """A post, network-neutral; account ids are DIDs (Bluesky) or user@server (Mastodon)."""
    event_id: str
    author_id: str
    text: str
    created_at: str  # RFC 3339
    langs: tuple[str, ...] = ()
    parent_id: str | None = None
    root_id: str | None = None
    parent_author: str | None = None
    root_author: str | None = None
    mentioned: tuple[str, ...] = ()  # account ids, in the post's order
    followers: int | None = None


@dataclass(frozen=True, slots=True)
class Mapped:
    """An event (JSON bytes, one line) and what the store must remember once it is delivered."""
    line: bytes
    sent: SentPost | None


def non_event(kind: str, network: str, **fields) -> Mapped:
    """A line for dead letters (a tombstone, a malformed frame): every field of the event
    format (None unless given), so that the worker's reason is `unknown kind: '<kind>'`."""
    record = {name: fields.pop(name, None) for name in FIELDS}
    record.update(kind=kind, network=network, **fields)
    return Mapped(orjson.dumps(record), None)


def iso639_1(langs) -> str | None:
    for tag in langs or ():
        m = _LANG_TAG.fullmatch(tag) if isinstance(tag, str) else None
        if m:
            return m.group(1).lower()
    return None


class ConversationMapper:
    def __init__(self, accounts: NetworkAccounts, store: ConnectorStore,
                 followers: Callable[[str], int | None] | None = None):
        """`followers(author_id)`: asked only for the authors of events, when the post has no count."""
        self.accounts = accounts
        self.store = store
        self.followers = followers
        self._pending: dict[str, SentPost] = {}  # mapped, not yet saved: a reply in the same batch sees its root

    def map(self, post: Post) -> Mapped | None:
        if post.event_id in self._pending or self.store.post(post.event_id) is not None:
            return None
        if post.parent_id is not None:
            conversation = post.root_id or self._conversation_of(post.parent_id)
            brand = (self._brand_of_conversation(conversation) or self.accounts.brand_of(post.root_author or "")
                     or self.accounts.brand_of(post.parent_author or "") or self._mentioned_brand(post))
            kind, in_reply_to = "reply", post.parent_id
        else:
            conversation, brand = post.event_id, self._mentioned_brand(post)
            kind, in_reply_to = "mention", None
            if brand is not None and self.accounts.role(brand, post.author_id) != "customer":
                return None
        if brand is None:
            return None
        followers = post.followers
        if followers is None and self.followers is not None:
            followers = self.followers(post.author_id)
        event = {
            "kind": kind, "event_id": post.event_id, "conversation_id": conversation, "in_reply_to": in_reply_to,
            "brand": brand, "author_id": post.author_id, "author_role": self.accounts.role(brand, post.author_id),
            "author_followers": followers, "text": post.text, "lang": iso639_1(post.langs),
            "created_at": post.created_at,
        }
        sent = SentPost(post.event_id, brand, conversation)
        self._pending[post.event_id] = sent
        return Mapped(orjson.dumps(event), sent)

    def tombstone(self, kind: str, event_id: str, at: str, network: str, text: str | None = None) -> Mapped | None:
        """A delete or an edit of a post we sent (others concern no brand: None)."""
        sent = self._pending.get(event_id) or self.store.post(event_id)
        if sent is None:
            return None
        return non_event(kind, network, event_id=event_id, conversation_id=sent.conversation_id, brand=sent.brand,
                         text=text, created_at=at)

    def saved(self) -> list[SentPost]:
        """The posts mapped since the last call, for the store (after their delivery)."""
        posts, self._pending = list(self._pending.values()), {}
        return posts

    def _conversation_of(self, parent_id: str) -> str:
        parent = self._pending.get(parent_id) or self.store.post(parent_id)
        return parent.conversation_id if parent is not None else parent_id

    def _brand_of_conversation(self, conversation: str) -> str | None:
        for sent in self._pending.values():
            if sent.conversation_id == conversation:
                return sent.brand
        return self.store.conversation_brand(conversation)

    def _mentioned_brand(self, post: Post) -> str | None:
        for account in post.mentioned:
            brand = self.accounts.brand_of(account)
            if brand is not None:
                return brand
        return None
