"""The README's settings table, generated from the declarations (a test checks that the
README holds exactly this; `python -m cluetrain.settings README.md` rewrites it there)."""
from __future__ import annotations

import re
from pathlib import Path

from cluetrain.settings.model import declarations

START, END = "<!-- settings-table:start -->", "<!-- settings-table:end -->"
BLOCK = re.compile(f"{re.escape(START)}\n(.*?)\n{re.escape(END)}", re.S)


def markdown_table() -> str:
    lines = ["| variable | type | default | meaning |", "|---|---|---|---|"]
    for d in declarations():
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
