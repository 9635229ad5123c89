"""The README's settings table, generated from the declarations (a test checks that the
README holds exactly this; `python -m cluetrain.settings README.md` rewrites it there)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from cluetrain.settings.generated import GeneratedBlock
from cluetrain.settings.model import declarations

README_BLOCK = GeneratedBlock("settings-table")
START, END = README_BLOCK.start, README_BLOCK.end


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
    return README_BLOCK.find(text)


def rewrite_readme(path: Path) -> None:
    README_BLOCK.rewrite(path, lambda _: markdown_table())


# deploy/README.md's table of the settings operators set: its rows name the settings, the
# rest of each row is generated (`python -m cluetrain.settings --operators deploy/README.md`).
OPERATORS_BLOCK = GeneratedBlock("operator-settings")
OPERATORS_START, OPERATORS_END = OPERATORS_BLOCK.start, OPERATORS_BLOCK.end


def _named_rows(table: str) -> list[str]:
    return re.findall(r"^\| `(CLUETRAIN_[A-Z0-9_]+)`", table, re.M)


def operators_table(text: str) -> tuple[str, list[str]] | None:
    """(the table, the setting names its rows start with) of a document, None without markers."""
    table = OPERATORS_BLOCK.find(text)
    return None if table is None else (table, _named_rows(table))


def rewrite_operators(path: Path) -> None:
    OPERATORS_BLOCK.rewrite(path, lambda table: markdown_table(_named_rows(table)))
