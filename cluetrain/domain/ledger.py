"""The event ids a conversation has seen, and the author of each customer message applied,
in one compact bytes object (a set of strings costs ~60 bytes per id, this ~len + 2).

"A duplicate event_id is processed once" holds at any time, not only within the
lateness (DESIGN.md § Crash safety), so every id stays; the ledger only stores them
densely. Layout:

    SEP id SEP id AUTH author SEP ...

with ids and authors UTF-8 encoded and escaped so that SEP and AUTH never occur inside
them (ESC -> ESC ESC_ESC, SEP -> ESC ESC_SEP, AUTH -> ESC ESC_AUTH: injective). So
`SEP id SEP` or `SEP id AUTH` matches exactly one entry, never a part of one.
Lookups are linear scans (memchr speed); conversations are short.
"""
from __future__ import annotations

SEP, AUTH, ESC = b"\x00", b"\x01", b"\x02"


def _esc(s: str) -> bytes:
    b = s.encode("utf-8", "surrogatepass")
    if b"\x00" in b or b"\x01" in b or b"\x02" in b:
        b = b.replace(ESC, b"\x02\x04").replace(SEP, b"\x02\x03").replace(AUTH, b"\x02\x05")
    return b


def _unesc(b: bytes) -> str:
    if ESC in b:
        out, i = bytearray(), 0
        while i < len(b):
            if b[i] == 2:
                out += {3: SEP, 4: ESC, 5: AUTH}[b[i + 1]]
                i += 2
            else:
                out.append(b[i])
                i += 1
        b = bytes(out)
    return b.decode("utf-8", "surrogatepass")


def has(ledger: bytes | None, event_id: str) -> bool:
    if not ledger:
        return False
    k = SEP + _esc(event_id)
    return k + SEP in ledger or k + AUTH in ledger


def add(ledger: bytes | None, event_id: str) -> bytes:
    """The ledger with `event_id` seen (callers check `has` first)."""
    return (ledger or SEP) + _esc(event_id) + SEP


def author(ledger: bytes | None, event_id: str) -> str | None:
    """The author recorded for `event_id` (an applied customer message), or None."""
    if not ledger:
        return None
    k = SEP + _esc(event_id) + AUTH
    i = ledger.find(k)
    if i < 0:
        return None
    start = i + len(k)
    return _unesc(ledger[start:ledger.index(SEP, start)])


def set_author(ledger: bytes | None, event_id: str, author_id: str) -> bytes:
    """Record `author_id` for `event_id` (marking it seen if it was not)."""
    e, a = _esc(event_id), _esc(author_id)
    if ledger:
        plain = SEP + e + SEP
        i = ledger.find(plain)
        if i >= 0:
            return ledger[:i] + SEP + e + AUTH + a + ledger[i + len(plain) - 1:]
        i = ledger.find(SEP + e + AUTH)
        if i >= 0:  # a new author for the same id: replace the entry
            end = ledger.index(SEP, i + 1)
            return ledger[:i] + SEP + e + AUTH + a + ledger[end:]
    return (ledger or SEP) + e + AUTH + a + SEP


def entries(ledger: bytes | None) -> list:
    """[event_id | [event_id, author], ...] in the order seen (the persisted form)."""
    if not ledger:
        return []
    out = []
    for part in ledger[1:-1].split(SEP):
        eid, auth, who = part.partition(AUTH)
        out.append([_unesc(eid), _unesc(who)] if auth else _unesc(eid))
    return out


def from_entries(items) -> bytes | None:
    """Inverse of `entries`."""
    if not items:
        return None
    parts = [_esc(x) if isinstance(x, str) else _esc(x[0]) + AUTH + _esc(x[1]) for x in items]
    return SEP + SEP.join(parts) + SEP
