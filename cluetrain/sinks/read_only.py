"""Which SQL a read-only reader may run, decided before the engine sees it.

The embedded store has no users: its read-only sessions also run with ClickHouse's
`readonly = 1` (which refuses writes, DDL, settings changes and file/url table
functions), but clickhouse-local still allows `INTO OUTFILE`, `KILL QUERY` and several
statements in one call. So a statement must also start with a reading keyword, be one
statement, and write no file. Errors carry ClickHouse's own codes and messages
(DESIGN.md § Reading the results: read-only access to the embedded store).
"""
from __future__ import annotations

import re

from .backends import ClickHouseError

READING_KEYWORDS = ("SELECT", "WITH", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "EXISTS")

# ClickHouse error codes (src/Common/ErrorCodes.cpp) used by the read-only refusals.
SYNTAX_ERROR = 62
READONLY = 164
INTO_OUTFILE_NOT_ALLOWED = 358

# Literals, quoted identifiers and comments: their content is never a keyword.
_OPAQUE = re.compile(r"""
      '(?:[^'\\]|\\.|'')*'?
    | "(?:[^"\\]|\\.|"")*"?
    | `(?:[^`\\]|\\.|``)*`?
    | --[^\n]*
    | \#[^\n]*
    | /\*.*?(?:\*/|\Z)
""", re.S | re.X)
_FIRST_WORD = re.compile(r"[\s(]*([A-Za-z]+)")
_OUTFILE = re.compile(r"\bINTO\s+OUTFILE\b", re.I)
_FORMAT = re.compile(r"\bFORMAT\s+([A-Za-z][A-Za-z0-9_]*)\s*;?\s*$", re.I)


def scrub(sql: str) -> str:
    """SQL with every literal, quoted identifier and comment blanked (same length)."""
    return _OPAQUE.sub(lambda m: " " * len(m.group(0)), sql)


def check_read_only(sql: str) -> None:
    """Raise ClickHouseError (with ClickHouse's code) unless `sql` is one reading statement."""
    text = scrub(sql)
    body = text.rstrip().removesuffix(";")
    if ";" in body:
        raise ClickHouseError("Code: 62. DB::Exception: Syntax error (Multi-statements are not allowed). (SYNTAX_ERROR)",
                              retryable=False, code=SYNTAX_ERROR)
    first = _FIRST_WORD.match(body)
    if first is None or first.group(1).upper() not in READING_KEYWORDS:
        raise ClickHouseError("Code: 164. DB::Exception: Cannot execute query in readonly mode: only "
                              f"{', '.join(READING_KEYWORDS)} statements are allowed. (READONLY)",
                              retryable=False, code=READONLY)
    if _OUTFILE.search(body):
        raise ClickHouseError("Code: 358. DB::Exception: INTO OUTFILE is not allowed. (INTO_OUTFILE_NOT_ALLOWED)",
                              retryable=False, code=INTO_OUTFILE_NOT_ALLOWED)


def format_clause(sql: str) -> str | None:
    """The name in a trailing `FORMAT name` clause, if the statement has one."""
    match = _FORMAT.search(scrub(sql))
    return match.group(1) if match else None


def without_format_clause(sql: str) -> str:
    """The statement without its trailing FORMAT clause (and trailing `;`)."""
    match = _FORMAT.search(scrub(sql))
    return (sql[:match.start()] if match else sql.rstrip().removesuffix(";")).rstrip()
