"""Customer Support on Twitter (Thought Vector, Kaggle; CC BY-NC-SA 4.0) → events.

Input: the `twcs.csv` columns tweet_id, author_id, inbound, created_at, text,
response_tweet_id, in_response_to_tweet_id (see data/README.md). Output: event dicts
in the JSON Lines format, every one accepted by `validate_record`
(DESIGN.md § Events (JSON Lines interchange format; Avro on the topics)).

Mapping rules
-------------
Threads. Each tweet's parent is `in_response_to_tweet_id`. A tweet's *thread root* is
found by following parents up while the parent is in the file; when a parent is
missing from the file, the earliest reachable ancestor is the root (it goes out as a
reply whose `in_reply_to` still names the missing tweet).

Kinds and roles.
- inbound root (customer tweet starting a thread) → kind "mention", role "customer".
- inbound tweet answering another tweet → kind "reply", role "customer" (answering
  another customer makes it a peer reply downstream).
- brand tweet (inbound False) answering a tweet → kind "reply", role "brand", author_id
  the account's handle as written (e.g. "AmazonHelp"); or role "employee" when the
  text ends with an agent's signature (below): author_id "<brand>/<signature>".
- brand tweet starting a thread (outbound root: a campaign post, or an answer to a
  DM/phone call outside Twitter) → skipped, counted as `outbound_root`. It cannot be a
  mention (mentions are customers' posts) and it cannot be a reply (no in_reply_to).
  It is then treated as missing from the file: each tweet answering it goes out as a
  reply with `in_reply_to` = the brand tweet's id and starts its own conversation
  (a campaign tweet answered by 11 customers gives 11 conversations, not one turn).
- `event_id` = tweet_id; `conversation_id` = the event_id of the thread root, so
  every conversation_id is the event_id of an event that is output.
- `author_followers` and `lang` are null (not in the data).
- `created_at` ("Tue Oct 31 22:10:47 +0000 2017") → RFC 3339 UTC "2017-10-31T22:10:47Z".
- `text` unchanged (HTML entities such as "&amp;" stay as in the data).

Brand of a conversation (one per thread, lower-cased handle):
1. the brand account that posts most in the thread (ties: the earliest to post);
2. if no brand account posts, the first @handle of the root that is a known brand
   handle (any account with an outbound tweet in the file, compared case-insensitively);
3. else the root's first @handle that is not numeric (customers are numeric ids);
4. else the thread is skipped (`no_brand`, one count per tweet): a record without a
   brand would only be rejected by the pipeline.
Tweets by another brand account inside a thread of brand X (seen once in the sample:
supermarkets bantering in one thread) are skipped as `other_brand_in_thread`: counted
as X's answers they would falsify X's metrics. Their children keep their in_reply_to.

Agent signatures (twcs_signatures.py): a brand tweet ending with an agent's signature
("... ^KC", "-Becky", per-brand unmarked styles) is the employee's: author_id
"<brand>/<signature>", e.g. "sprintcare/KC", "chipotletweets/Becky".

Rows that cannot be read (wrong number of fields, non-integer id, bad date or inbound
flag) are skipped as `bad_row`; a repeated tweet_id as `duplicate_tweet_id`; tweets
whose parent chain loops as `reply_cycle` (reading: twcs_csv.py). Output is sorted by
(created_at, event_id).
"""
from __future__ import annotations

import csv
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field

from cluetrain.sources.twcs_csv import COLUMNS, Tweet, read_tweets
from cluetrain.sources.twcs_signatures import BRAND_STYLES, find_signature
from cluetrain.domain.events import format_rfc3339

__all__ = ["BRAND_STYLES", "COLUMNS", "TwcsImport", "find_signature", "import_twcs", "main"]

_HANDLE = re.compile(r"@(\w{1,50})")


@dataclass
class TwcsImport:
    """Result of `import_twcs`: the events and what was left out, by reason."""

    events: list[dict]
    skipped: dict[str, int] = field(default_factory=dict)
    # brand (lower-case) -> signature style (e.g. "^INITIALS", "-Name") -> count
    signature_styles: dict[str, dict[str, int]] = field(default_factory=dict)
    rows: int = 0

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def summary(self) -> str:
        kinds = Counter(
            e["kind"] if e["kind"] == "mention" else f"reply/{e['author_role']}" for e in self.events
        )
        brands = len({e["brand"] for e in self.events})
        skipped = ", ".join(f"{k} {v}" for k, v in sorted(self.skipped.items())) or "none"
        return (
            f"{self.rows} rows -> {len(self.events)} events "
            f"({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}), "
            f"{brands} brands; skipped: {skipped}"
        )


def import_twcs(path: str | os.PathLike) -> TwcsImport:
    """Read a twcs CSV (see the module docstring for the rules) into events.

    Raises ValueError if the header lacks one of the twcs columns; bad rows are
    skipped and counted, never fatal.
    """
    skipped: Counter[str] = Counter()
    tweets, rows = read_tweets(path, skipped)
    known_brands = {t.author.lower() for t in tweets.values() if not t.inbound}
    threads = _threads(tweets, skipped)

    events: list[tuple[int, str, dict]] = []
    styles: dict[str, Counter[str]] = {}
    for root_id, members in threads.items():
        root = tweets[root_id]
        brand = _thread_brand(root, members, known_brands)
        if brand is None:
            skipped["no_brand"] += len(members)
            continue
        outbound_root = not root.inbound and root.parent is None
        for t in members:
            if t is root and outbound_root:
                skipped["outbound_root"] += 1
                continue
            if not t.inbound and t.author.lower() != brand:
                skipped["other_brand_in_thread"] += 1
                continue
            conv = _child_of(t, root_id, tweets) if outbound_root else root_id
            events.append((t.ms, t.tid, _event(t, conv, brand, styles)))
    events.sort(key=lambda x: (x[0], x[1]))
    return TwcsImport(
        events=[e for _, _, e in events],
        skipped=dict(sorted(skipped.items())),
        signature_styles={b: dict(c.most_common()) for b, c in sorted(styles.items())},
        rows=rows,
    )


def _event(t: Tweet, conv: str, brand: str, styles: dict[str, Counter[str]]) -> dict:
    """The event of tweet `t` in conversation `conv`; counts the signature styles met."""
    if t.inbound and t.parent is None:
        kind, role, author = "mention", "customer", t.author
    elif t.inbound:
        kind, role, author = "reply", "customer", t.author
    else:
        kind = "reply"
        sig = find_signature(t.text, brand)
        if sig is None:
            role, author = "brand", t.author
        else:
            role, author = "employee", f"{brand}/{sig[0]}"
            styles.setdefault(brand, Counter())[sig[1]] += 1
    return {
        "kind": kind,
        "event_id": t.tid,
        "conversation_id": conv,
        "in_reply_to": t.parent if kind == "reply" else None,
        "brand": brand,
        "author_id": author,
        "author_role": role,
        "author_followers": None,
        "text": t.text,
        "lang": None,
        "created_at": format_rfc3339(t.ms),
    }


def _threads(tweets: dict[str, Tweet], skipped: Counter[str]) -> dict[str, list[Tweet]]:
    """Tweets grouped by thread root (in-file ancestry), in file order; tweets whose
    parent chain loops are counted as `reply_cycle`."""
    # Path memoisation: every tweet on a walk up gets the root found at its end.
    root_of: dict[str, str | None] = {}
    for tid in tweets:
        if tid in root_of:
            continue
        path_ids: list[str] = []
        on_path: set[str] = set()
        cur = tid
        result: str | None
        while True:
            if cur in root_of:
                result = root_of[cur]
                break
            if cur in on_path:
                result = None  # loop
                break
            path_ids.append(cur)
            on_path.add(cur)
            parent = tweets[cur].parent
            if parent is None or parent not in tweets:
                result = cur
                break
            cur = parent
        for p in path_ids:
            root_of[p] = result

    threads: dict[str, list[Tweet]] = {}
    for tid, tweet in tweets.items():
        root = root_of[tid]
        if root is None:
            skipped["reply_cycle"] += 1
            continue
        threads.setdefault(root, []).append(tweet)
    return threads


def _child_of(tweet: Tweet, root_id: str, tweets: dict[str, Tweet]) -> str:
    """The ancestor of `tweet` (itself included) whose parent is `root_id`."""
    cur = tweet
    while cur.parent != root_id:
        cur = tweets[cur.parent]
    return cur.tid


def _thread_brand(root: Tweet, members: list[Tweet], known_brands: set[str]) -> str | None:
    posts: Counter[str] = Counter()
    first: dict[str, tuple[int, str]] = {}
    for t in members:
        if not t.inbound:
            handle = t.author.lower()
            posts[handle] += 1
            key = (t.ms, t.tid)
            if handle not in first or key < first[handle]:
                first[handle] = key
    if posts:
        return min(posts, key=lambda h: (-posts[h], first[h], h))
    handles = [h.lower() for h in _HANDLE.findall(root.text)]
    for h in handles:
        if h in known_brands:
            return h
    for h in handles:
        if not h.isdigit():
            return h
    return None


def main(argv: list[str] | None = None) -> int:
    """`python -m cluetrain.sources.twcs CSV [OUT.jsonl]`: import and print a summary."""
    from cluetrain.sources.jsonl import write_jsonl

    args = sys.argv[1:] if argv is None else argv
    if not args or len(args) > 2:
        print("usage: python -m cluetrain.sources.twcs CSV [OUT.jsonl]", file=sys.stderr)
        return 2
    try:
        result = import_twcs(args[0])
    except (OSError, ValueError, csv.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if len(args) == 2:
        write_jsonl(result.events, args[1])
    print(result.summary(), file=sys.stderr)
    for brand, counts in result.signature_styles.items():
        print(f"  {brand}: {counts}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
