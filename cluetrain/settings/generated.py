"""A generated block of a document: the text between two HTML-comment markers that a
generator writes and a test checks (the README's settings table, deploy/README.md's
operators' settings and exit codes). One definition of the markers' syntax and of the
rewrite, for every such table."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable


class GeneratedBlock:
    def __init__(self, name: str):
        self.start, self.end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
        self._pattern = re.compile(f"{re.escape(self.start)}\n(.*?)\n{re.escape(self.end)}", re.S)

    def find(self, text: str) -> str | None:
        """The block's current text, None without markers."""
        block = self._pattern.search(text)
        return block.group(1) if block else None

    def rewrite(self, path: Path, content: Callable[[str], str]) -> None:
        """Replace the block of the file with `content(current block)`."""
        text = path.read_text()
        current = self.find(text)
        if current is None:
            raise SystemExit(f"{path}: no {self.start} ... {self.end} block")
        path.write_text(self._pattern.sub(lambda _: f"{self.start}\n{content(current)}\n{self.end}", text, count=1))
