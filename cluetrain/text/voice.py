"""Human voice vs template replies: locality-sensitive keys of a brand-side message.

A template reply is a brand-side message whose text, once names, handles, numbers,
links and signatures are masked, is a near-duplicate of other replies of the same
brand ("I'm sorry for the trouble. Please DM us your order number so we can look into
it. ^JK"). `template_keys(text)` returns MinHash-LSH band keys of that masked text:
two replies are near-duplicates when they share at least one key.

The keys depend on the text alone (no state, no corpus, no order of arrival), so a
streaming worker computes them per message and stays deterministic; grouping by
(brand, key) in ClickHouse finds the templates.

How: mask (handles dropped; links, e-mails, numbers, names -> placeholders; agent
signatures and part counters cut) -> lower-case words (CJK: characters) -> set of word
bigrams -> per bigram one blake2b digest read as BANDS x ROWS 16-bit hashes (one per
MinHash permutation; cached, brands reuse their phrases) -> column-wise minimum = the
MinHash signature -> one key per band, "<band>:<its ROWS minima in hex>". Two texts
whose bigram sets have Jaccard similarity J share a band with probability
1 - (1 - J^ROWS)^BANDS: with 8 x 3, 0.97 at J = 0.7, 0.66 at J = 0.5, 0.20 at J = 0.3.
On synthetic replies (tests/unit/text/test_voice.py) pair precision is 0.86, recall 0.91.
"""
from __future__ import annotations

import re
import struct
import unicodedata
from functools import lru_cache

from cluetrain.text.caching import TextCaches
from hashlib import blake2b, blake2s

BANDS = 8
ROWS = 3
SHINGLE = 2
_VALUES = BANDS * ROWS
assert _VALUES <= 32, "one blake2 digest gives at most 32 16-bit hashes"
if _VALUES <= 16:  # blake2s: 32 bytes, about twice as fast as blake2b's 64
    _DIGEST = blake2s
    _UNPACK = struct.Struct("<16H").unpack
else:
    _DIGEST = lambda data: blake2b(data, digest_size=2 * _VALUES)  # noqa: E731
    _UNPACK = struct.Struct(f"<{_VALUES}H").unpack
_KEY = "%d:" + "%04x" * ROWS  # band number, then its ROWS minima in hex: "3:1a2b3c4d5e6f"

_URL = re.compile(r"(?:https?://|www\.)\S+")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_HANDLE = re.compile(r"(?<![\w@])[@＠]\w+")
_COUNTER = re.compile(r"\(?\b\d{1,2}/\d{1,2}\)?\s*$")
# Agent signatures closing a reply: ^JK, -KC, - Nick, *TMH, /KB, ~AT, =JJ, ^Helen ...
_SIGNATURE = re.compile(r"(?:\s|^)(?:\^|[-–—~*=/]{1,2})\s?[A-Za-z][A-Za-z.]{0,15}\s*$")
_UNMARKED_SIG = re.compile(r"(?<=[.!?)])\s+(?:[A-Z][a-z]{1,12}|[A-Z]{2,3})\s*$")
# A capitalised word inside a sentence is a name (customer, agent, place, product):
# "sorry for the wait, Anthony!", "Hi Sarah", "the Echo app". Sentence starts are kept.
_NAME = re.compile(r"(?<=[^\s.!?:]\s)[A-Z][a-z]+(?:\s[A-Z][a-z]+)*")
_EMAIL_HINT = re.compile(r"\w@")
_NUMBERISH = re.compile(r"(?<!\S)\S*\d\S*")
_DIGIT = re.compile("[0-9]").search  # an ASCII digit (cheaper than any() over the ten)
_TAIL = 48  # signatures and part counters are looked for in the last _TAIL characters
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|<\w+>")


def mask(text: str) -> str:
    """The reply with its variable parts replaced by placeholders (<url>, <num>, <name>)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if "http" in text or "www." in text:
        text = _URL.sub(" <url> ", text)
    if "@" in text or "＠" in text:
        if _EMAIL_HINT.search(text):
            text = _EMAIL.sub(" <email> ", text)
        text = _HANDLE.sub(" ", text)
    text = text.strip()
    cut = text.rfind(" ", 0, max(0, len(text) - _TAIL)) if len(text) > _TAIL else -1
    head, tail = (text[:cut], text[cut:]) if cut > 0 else ("", text)
    for _ in range(2):  # "... ^JK 1/2": the counter, then the signature
        if "/" in tail:
            tail = _COUNTER.sub("", tail).rstrip()
        tail = _SIGNATURE.sub("", tail).rstrip()
    text = head + _UNMARKED_SIG.sub("", tail)
    text = _NAME.sub("<name>", text)
    if _DIGIT(text):
        text = _NUMBERISH.sub(" <num> ", text)
    return text


def words(text: str) -> list[str]:
    """The masked, normalised words the shingles are made of (CJK: one per character)."""
    toks = _WORD.findall(mask(text).lower())
    if not text.isascii() and any(t[0] >= "\u3000" for t in toks):
        toks = [c for t in toks for c in (t if t[0] >= "\u3000" else (t,))]
    return toks


def shingles(text: str) -> set[str]:
    """Word SHINGLEs of the masked text (the whole text when it has fewer words)."""
    return _shingles_of(words(text))


def _shingles_of(toks: list[str] | tuple[str, ...]) -> set[str]:
    if len(toks) <= SHINGLE:
        return {" ".join(toks)} if toks else set()
    if SHINGLE == 2:
        return {a + " " + b for a, b in zip(toks, toks[1:])}
    return {" ".join(toks[i:i + SHINGLE]) for i in range(len(toks) - SHINGLE + 1)}


@lru_cache(maxsize=1 << 16)
def _shingle_hashes(shingle: str) -> tuple[int, ...]:
    """The 16-bit hashes of one shingle (cached: brands reuse their phrases)."""
    return _UNPACK(_DIGEST(shingle.encode("utf-8")).digest())


def signature(text: str) -> list[int] | None:
    """BANDS x ROWS MinHash values (16-bit) of the text's shingles; None without words.

    One blake2b call per shingle gives 32 independent 16-bit hashes (one per MinHash
    permutation); the signature is their column-wise minimum over the shingles.
    """
    return _signature_of(shingles(text))


def _signature_of(sh: set[str]) -> list[int] | None:
    if not sh:
        return None
    rows = list(map(_shingle_hashes, sh))
    if len(rows) == 1:
        return list(rows[0])
    return list(map(min, zip(*rows)))


def template_keys(text: str) -> list[str]:
    """MinHash-LSH band keys of the masked text ("<band>:<12 hex>"); [] if no words.

    Deterministic (same text -> same keys, in any process) and order-independent:
    it depends on this one text only.
    """
    toks = words(text)
    if CACHES.enabled and len(toks) <= _MEMO_MAX_WORDS:  # masked templates repeat: same words, same keys
        return list(_keys_memo(tuple(toks)))
    return _keys_of(toks)


def _keys_of(toks: list[str] | tuple[str, ...]) -> list[str]:
    sig = _signature_of(_shingles_of(toks))
    if sig is None:
        return []
    return [_KEY % (b, *sig[b * ROWS:(b + 1) * ROWS]) for b in range(BANDS)]


_MEMO_MAX_WORDS = 200  # longer texts are not cached (bounded memory per entry)


@lru_cache(maxsize=8192)
def _keys_memo(toks: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_keys_of(toks))


def jaccard(a: str, b: str) -> float:
    """Exact Jaccard similarity of the two texts' shingle sets (for tests and tuning)."""
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb) if sa or sb else 0.0


CACHES = TextCaches(_keys_memo)
