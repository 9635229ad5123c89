"""The README's settings table, generated from the declarations (a test checks that the
README holds exactly this; `python -m cluetrain.settings README.md` rewrites it there)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from cluetrain.settings.model import declarations

START, END = "<!-- settings-table:start -->", "<!-- settings-table:end -->"
BLOCK = re.compile(f"{re.escape(START)}\n(.*?)\n{re.escape(END)}", re.S)


def markdown_table(names: Iterable[str] | None = None) -> str:
    """Every setting's row; with `names` (CLUETRAIN_* names), only theirs, in that order
    (deploy/README.md's operators' table: the rows it lists, kept in step by a test)."""
    lines = ["| variable | type | default | meaning |", "|---|---|---|---|"]
    chosen = declarations()
    if names is not None:
        by_name = {d.env_name: d for d in chosen}
        chosen = [by_name[n] for n in names]
    for d in chosen:
        default = d.type.format(d.default)
        kind = f"{d.type.kind}, secret" if d.secret else d.type.kind
        lines.append(f"| `{d.env_name}` | {kind} | {f'`{default}`' if default else '(empty)'} | {d.doc} |")
    return "\n".join(lines)


def readme_table(text: str) -> str | None:
    """The table between the markers of a README's text, None without markers."""
    block = BLOCK.search(text)
    return block.group(1) if block else None


def rewrite_readme(path: Path) -> None:
    text = path.read_text()
    if readme_table(text) is None:
        raise SystemExit(f"{path}: no {START} ... {END} block")
    path.write_text(BLOCK.sub(lambda _: f"{START}\n{markdown_table()}\n{END}", text, count=1))


# deploy/README.md's table of the settings operators set: its rows name the settings, the
# rest of each row is generated (`python -m cluetrain.settings --operators deploy/README.md`).
OPERATORS_START, OPERATORS_END = "<!-- operator-settings:start -->", "<!-- operator-settings:end -->"
OPERATORS_BLOCK = re.compile(f"{re.escape(OPERATORS_START)}\n(.*?)\n{re.escape(OPERATORS_END)}", re.S)


def operators_table(text: str) -> tuple[str, list[str]] | None:
    """(the table, the setting names its rows start with) of a document, None without markers."""
    block = OPERATORS_BLOCK.search(text)
    if block is None:
        return None
    return block.group(1), re.findall(r"^\| `(CLUETRAIN_[A-Z0-9_]+)`", block.group(1), re.M)


def rewrite_operators(path: Path) -> None:
    text = path.read_text()
    found = operators_table(text)
    if found is None:
        raise SystemExit(f"{path}: no {OPERATORS_START} ... {OPERATORS_END} block")
    table = markdown_table(found[1])
    path.write_text(OPERATORS_BLOCK.sub(lambda _: f"{OPERATORS_START}\n{table}\n{OPERATORS_END}", text, count=1))
