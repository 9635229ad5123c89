"""Customer Support on Twitter (Thought Vector, Kaggle; CC BY-NC-SA 4.0) → events.

Input: the `twcs.csv` columns tweet_id, author_id, inbound, created_at, text,
response_tweet_id, in_response_to_tweet_id (see data/README.md). Output: event dicts
in the JSON Lines format of DESIGN.md, every one accepted by `validate_record`.

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

Agent signatures. Agents sign the brand account's tweets at the end of the text,
optionally followed by a part counter ("1/2", "(2/2)", "...1/2"), a link (attached
media) and punctuation, which are looked through.
- marked signatures, any brand: a marker `^ - – — ~ * / =` (or "--"), an optional space,
  then initials (1-4 capitals, dotted like "S.D." too; 1 letter only after "^";
  lower-case initials like "^cr" only after "^") or a first name ("Becky",
  "KellenF", "RayButler"). The marker must follow a space, punctuation or an emoji,
  not a letter or digit ("e-Mail", "T-Mobile", URLs are not signatures); "/" must
  follow white space; "^" may follow anything ("2/2^ML", "top up.^SB"). Names that
  are ordinary words ("Thanks", "Cheers", ...) are not signatures.
- per-brand styles seen in the data (see BRAND_STYLES): some brands sign without a
  marker after the end of a sentence — a first name (sainsburys "... for you. Robbie",
  GWRHelp "Phil.", Morrisons, ArgosHelpers, AirAsiaSupport "=) Yana") or initials
  (sprintcare "connection. KB", GloCare "much?EE", AmazonHelp Japanese "...。ET");
  AirAsiaSupport and Morrisons glue "-Name" to the previous word ("Thanks-Sha"),
  sprintcare "-AB" ("go-DD"); NeweggService signs with one letter ("-J").
Initials are upper-cased ("^cr" → "CR", "S.D." → "SD"); names are kept as written.
The author_id of an employee is "<brand>/<signature>", e.g. "sprintcare/KC",
"chipotletweets/Becky".

Rows that cannot be read (wrong number of fields, non-integer id, bad date or inbound
flag) are skipped as `bad_row`; a repeated tweet_id as `duplicate_tweet_id`; tweets
whose parent chain loops as `reply_cycle`. Output is sorted by (created_at, event_id).
"""
from __future__ import annotations

import csv
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from cluetrain.streams.domain.events import format_rfc3339

COLUMNS = (
    "tweet_id", "author_id", "inbound", "created_at", "text",
    "response_tweet_id", "in_response_to_tweet_id",
)


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


# ---------------------------------------------------------------- signatures

# Per-brand signature habits found in the data (keys: lower-case handles).
BRAND_STYLES: dict[str, set[str]] = {
    # "unmarked-name": a first name after the end of the last sentence
    "sainsburys": {"unmarked-name"},
    "tesco": {"unmarked-name"},
    "gwrhelp": {"unmarked-name"},
    "morrisons": {"unmarked-name", "glued-name"},
    "argoshelpers": {"unmarked-name"},
    "airasiasupport": {"unmarked-name", "glued-name"},
    "idea_cares": {"unmarked-name"},
    # "unmarked-initials": initials after the end of the last sentence or a link
    "sprintcare": {"unmarked-initials", "glued-initials"},
    "glocare": {"unmarked-initials"},
    "amazonhelp": {"unmarked-initials"},
    # "glued-name" / "glued-initials": "-Name" / "-AB" right after a word ("Thanks-Sha",
    # "go-DD"); other brands need a space or punctuation before the marker
    # "single-letter": one-letter initial after "-"
    "neweggservice": {"single-letter"},
}

_NOT_NAMES = frozenset(
    """thanks thank thx ty cheers regards rgds sorry please enjoy team yes no hi hello
    hey ok okay bye love help care support mobile fi in out up off on dm us here there
    now soon today tomorrow tonight yesterday great good nice cool awesome wow oops
    sigh edit update updated correction and or the a an to it is be we you they""".split()
)
# Words in capitals that may end a tweet without being initials (unmarked styles only;
# "KB" is left out on purpose: sprintcare's agent KB signs without a marker).
_NOT_INITIALS = frozenset(
    """DM OK US UK EU ID PM AM TV PC IT HD FAQ BTW LOL FYI NB PS ETA ATM USA GB MB TB
    UPS DHL NFL NBA PIN SIM SMS APP IOS OS XL XXL VIP ISP LTE""".split()
)

_TAIL = re.compile(
    r"(?:\s*(?:\.\.\.|…)?\s*\(?\d{1,2}/\d{1,2}\)?"  # part counter: " 1/2", "(2/2)", "...1/2"
    r"|\s*https?://\S+"  # a trailing link (media or quoted tweet) after the signature
    r"|\s+|\.|…)$"
)
_MARKED = re.compile(
    r"(?P<marker>\^|--|[-–—~*/=])[ \t]?"
    r"(?P<token>[A-Z](?:\.[A-Z]){1,3}\.?|[A-Z]{1,2}[a-z]+(?:[A-Z][a-z]*)*|[A-Z]{1,4}|[a-z]{2,3})$"
)
_UNMARKED_NAME = re.compile(r"(?:[.!?…:;)=\n]|[^\x00-\u024f])\s*(?P<token>[A-Z][a-z]{1,14})$")
_UNMARKED_INITIALS = re.compile(
    r"(?:[.!?。！？)]|[^\x00-\u024f]|https?://\S+\s)\s*(?P<token>[A-Z]{2,3})$"
)
_NAME = re.compile(r"[A-Z]{1,2}[a-z]+(?:[A-Z][a-z]*)*")


def find_signature(text: str, brand: str) -> tuple[str, str] | None:
    """The agent signature ending a brand tweet: (normalised signature, style) or None.

    `brand` is the lower-case handle (it selects the per-brand styles). The style is a
    short label such as "^INITIALS", "- Name", "unmarked Name" used for reporting.
    """
    styles = BRAND_STYLES.get(brand, ())
    body = _strip_tail(text)
    m = _MARKED.search(body)
    if m:
        marker, token = m.group("marker"), m.group("token")
        start = m.start()
        before = body[start - 1] if start > 0 else ""
        spaced = body[m.end("marker"):m.start("token")] != ""
        is_name = _NAME.fullmatch(token) is not None
        glued = "glued-name" in styles if is_name else "glued-initials" in styles
        ok = _marker_context_ok(marker, before, glued)
        is_lower = token.islower()
        is_single = len(token) == 1
        if ok and is_lower and marker != "^":
            ok = False
        if ok and is_single and marker != "^" and "single-letter" not in styles:
            ok = False
        if ok and is_name and token.lower() in _NOT_NAMES:
            ok = False
        if ok:
            sig, kind = _normalise(token)
            return sig, f"{marker}{' ' if spaced else ''}{kind}"
    if "unmarked-name" in styles:
        m = _UNMARKED_NAME.search(body)
        if m and m.group("token").lower() not in _NOT_NAMES:
            return m.group("token"), "unmarked Name"
    if "unmarked-initials" in styles:
        m = _UNMARKED_INITIALS.search(body)
        if m and m.group("token") not in _NOT_INITIALS:
            return m.group("token"), "unmarked INITIALS"
    return None


def _strip_tail(text: str) -> str:
    """Remove trailing white space, dots and part counters ("1/2", "(2/2)", "...1/2")."""
    body = text
    while True:
        stripped = _TAIL.sub("", body)
        if stripped == body:
            return body
        body = stripped


def _marker_context_ok(marker: str, before: str, glued: bool) -> bool:
    if marker == "^" or before == "":
        return True
    if marker == "/":
        return before.isspace()
    if before.isalnum():
        return glued and before.isalpha()
    return True


def _normalise(token: str) -> tuple[str, str]:
    letters = token.replace(".", "")
    if letters.isupper() or (letters.islower() and len(letters) <= 3):
        return letters.upper(), "INITIALS"
    return token, "Name"


# ---------------------------------------------------------------- import

_HANDLE = re.compile(r"@(\w{1,50})")
_DATE_FORMAT = "%a %b %d %H:%M:%S %z %Y"


def _parse_id(value: str) -> int:
    value = value.strip()
    if value.isdigit():
        return int(value)
    head, dot, tail = value.partition(".")
    if dot and head.isdigit() and (tail == "" or set(tail) == {"0"}):
        return int(head)
    f = float(value)  # e.g. "1.5e+06" (raises ValueError on junk)
    if not f.is_integer() or f < 0:
        raise ValueError(f"not a tweet id: {value!r}")
    return int(f)


def _parse_time_ms(value: str) -> int:
    dt = datetime.strptime(value.strip(), _DATE_FORMAT)
    return int(dt.timestamp()) * 1000


@dataclass(slots=True)
class _Tweet:
    tid: str
    author: str
    inbound: bool
    ms: int
    text: str
    parent: str | None


def import_twcs(path: str | os.PathLike) -> TwcsImport:
    """Read a twcs CSV (see the module docstring for the rules) into events.

    Raises ValueError if the header lacks one of the twcs columns; bad rows are
    skipped and counted, never fatal.
    """
    skipped: Counter[str] = Counter()
    tweets: dict[str, _Tweet] = {}
    rows = 0
    csv.field_size_limit(max(csv.field_size_limit(), 10 * 1024 * 1024))
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            raise ValueError(f"{os.fspath(path)}: empty file (expected a twcs CSV header)")
        header = [h.strip().lstrip("\ufeff") for h in header]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise ValueError(f"{os.fspath(path)}: not a twcs CSV: missing column(s) {', '.join(missing)}")
        idx = [header.index(c) for c in COLUMNS]
        width = len(header)
        i_tid, i_author, i_inbound, i_created, i_text, _i_resp, i_parent = idx
        for row in reader:
            if not row:
                continue
            rows += 1
            if len(row) != width:
                skipped["bad_row"] += 1
                continue
            try:
                tid = str(_parse_id(row[i_tid]))
                inbound_s = row[i_inbound].strip()
                if inbound_s not in ("True", "False"):
                    raise ValueError("inbound")
                parent_s = row[i_parent].strip()
                parent = str(_parse_id(parent_s)) if parent_s else None
                ms = _parse_time_ms(row[i_created])
                author = row[i_author].strip()
                if not author:
                    raise ValueError("author")
            except (ValueError, OverflowError):
                skipped["bad_row"] += 1
                continue
            if tid in tweets:
                skipped["duplicate_tweet_id"] += 1
                continue
            if parent == tid:
                parent = None  # a self-reply is no reply
            tweets[tid] = _Tweet(tid, author, inbound_s == "True", ms, row[i_text], parent)

    known_brands = {t.author.lower() for t in tweets.values() if not t.inbound}

    # Thread roots (in-file ancestry), with path memoisation and cycle detection.
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

    threads: dict[str, list[_Tweet]] = {}
    for tid, tweet in tweets.items():
        root = root_of[tid]
        if root is None:
            skipped["reply_cycle"] += 1
            continue
        threads.setdefault(root, []).append(tweet)

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
            if outbound_root:
                conv = _child_of(t, root_id, tweets)
            else:
                conv = root_id
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
            record = {
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
            events.append((t.ms, t.tid, record))
    events.sort(key=lambda x: (x[0], x[1]))
    return TwcsImport(
        events=[e for _, _, e in events],
        skipped=dict(sorted(skipped.items())),
        signature_styles={b: dict(c.most_common()) for b, c in sorted(styles.items())},
        rows=rows,
    )


def _child_of(tweet: _Tweet, root_id: str, tweets: dict[str, _Tweet]) -> str:
    """The ancestor of `tweet` (itself included) whose parent is `root_id`."""
    cur = tweet
    while cur.parent != root_id:
        cur = tweets[cur.parent]
    return cur.tid


def _thread_brand(root: _Tweet, members: list[_Tweet], known_brands: set[str]) -> str | None:
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
