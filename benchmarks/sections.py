"""Sections of benchmarks/RESULTS.md written by the separate benchmark scripts (bench_dedup.py, ...): each
owns the text between its ``<!-- name:begin -->`` and ``<!-- name:end -->`` markers and leaves the rest."""

from __future__ import annotations

import re
from pathlib import Path


def write_section(path: Path, name: str, text: str) -> None:
    """Replace the section ``name`` of ``path`` by ``text`` (appended at the end when it is not there yet)."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    block = f"{begin}\n{text}{end}\n"
    if begin in old:
        new = re.sub(re.escape(begin) + r".*?" + re.escape(end) + r"\n?", lambda _m: block, old, flags=re.S)
    else:
        new = old.rstrip("\n") + "\n\n" + block
    path.write_text(new, encoding="utf-8")
