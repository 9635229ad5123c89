"""Reading the rows of a twcs CSV (Customer Support on Twitter) into tweets.

Rows that cannot be read (wrong number of fields, non-integer id, bad date or inbound
flag, empty author) are counted as `bad_row`, a repeated tweet_id as
`duplicate_tweet_id`; the mapping of tweets to events is twcs.py's.
"""
from __future__ import annotations

import csv
import os
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

COLUMNS = (
    "tweet_id", "author_id", "inbound", "created_at", "text",
    "response_tweet_id", "in_response_to_tweet_id",
)
_DATE_FORMAT = "%a %b %d %H:%M:%S %z %Y"


class NotTwcs(ValueError):
    """The file is not a twcs CSV (empty, or a header without the COLUMNS): a usage error
    of `cluetrain import-twcs` and `cluetrain run` alike (exit code 2)."""


@dataclass(slots=True)
class Tweet:
    tid: str  # the tweet_id as a canonical decimal string
    author: str
    inbound: bool
    ms: int  # created_at, epoch ms
    text: str
    parent: str | None  # in_response_to_tweet_id; None for none or a self-reply


def read_tweets(path: str | os.PathLike, skipped: Counter[str]) -> tuple[dict[str, Tweet], int]:
    """The readable tweets of the file by tweet id (in file order) and the number of
    non-empty rows; unreadable rows are counted in `skipped`.

    Raises NotTwcs (a ValueError) if the file is empty or the header lacks one of the COLUMNS.
    """
    tweets: dict[str, Tweet] = {}
    rows = 0
    csv.field_size_limit(max(csv.field_size_limit(), 10 * 1024 * 1024))
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            raise NotTwcs(f"{os.fspath(path)}: empty file (expected a twcs CSV header)")
        header = [h.strip().lstrip("\ufeff") for h in header]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise NotTwcs(f"{os.fspath(path)}: not a twcs CSV: missing column(s) {', '.join(missing)}")
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
            tweets[tid] = Tweet(tid, author, inbound_s == "True", ms, row[i_text], parent)
    return tweets, rows


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
