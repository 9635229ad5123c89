"""JSON Lines I/O for events, one JSON object per line.

DESIGN.md § Events (JSON Lines interchange format; Avro on the topics).

Writing uses orjson: compact objects, UTF-8, one per line, each ended by "\\n".
Reading hands back raw bytes so that the caller decides how to decode and where
undecodable input goes (dead letters keep the raw bytes).
"""
from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator
from typing import BinaryIO, TextIO

import orjson

PathOrFile = str | os.PathLike | BinaryIO | TextIO


def dumps_event(event: dict) -> bytes:
    """One event as a JSON line (with the trailing newline)."""
    return orjson.dumps(event, option=orjson.OPT_APPEND_NEWLINE)


def write_jsonl(events: Iterable[dict], path_or_file: PathOrFile) -> int:
    """Write events, one JSON object per line ending in "\\n"; return how many.

    `path_or_file` is a path (the file is created or truncated) or an open file:
    binary files get bytes, text files (io.TextIOBase, e.g. sys.stdout) get str.
    An open file is flushed but not closed.
    """
    if isinstance(path_or_file, (str, os.PathLike)):
        with open(path_or_file, "wb") as f:
            return _write(events, f.write, 1 << 16)
    if isinstance(path_or_file, io.TextIOBase):
        write_text = path_or_file.write
        n = _write(events, lambda b: write_text(b.decode("utf-8")), 1 << 16)
    else:
        n = _write(events, path_or_file.write, 1 << 16)
    path_or_file.flush()
    return n


def _write(events: Iterable[dict], write, chunk_bytes: int) -> int:
    dumps, opt = orjson.dumps, orjson.OPT_APPEND_NEWLINE
    buf: list[bytes] = []
    size = n = 0
    for event in events:
        line = dumps(event, option=opt)
        buf.append(line)
        size += len(line)
        n += 1
        if size >= chunk_bytes:
            write(b"".join(buf))
            buf.clear()
            size = 0
    if buf:
        write(b"".join(buf))
    return n


def read_jsonl_lines(path_or_file: str | os.PathLike | BinaryIO) -> Iterator[tuple[int, bytes]]:
    """Yield (line number, raw bytes without the line ending) for each non-blank line.

    Line numbers are 1-based and count blank lines too, so they point into the file.
    "\\n" and "\\r\\n" endings are both removed; nothing is decoded or parsed here.
    """
    if isinstance(path_or_file, (str, os.PathLike)):
        with open(path_or_file, "rb") as f:
            yield from _lines(f)
    else:
        yield from _lines(path_or_file)


def _lines(f: BinaryIO) -> Iterator[tuple[int, bytes]]:
    for number, line in enumerate(f, 1):
        if line.endswith(b"\n"):
            line = line[:-1]
            if line.endswith(b"\r"):
                line = line[:-1]
        if line.strip():
            yield number, line
