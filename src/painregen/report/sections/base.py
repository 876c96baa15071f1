"""What every report section returns: a context dict for its partial template, its figures, its full tables
(CSV) and the methods sentences that describe what it computed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from painregen.report.output import CsvRef, FigureRef


@dataclass
class Section:
    id: str
    title: str
    context: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, FigureRef] = field(default_factory=dict)
    tables: dict[str, CsvRef] = field(default_factory=dict)
    methods: list[str] = field(default_factory=list)
    failure: str | None = None  # why the section could not be computed (then only this note is shown)
    studies: list[str] | None = None  # the studies its numbers come from (None: every study analysed)
    source: str = "evidence"  # "evidence", or "knowledge base" for tables curated from the literature

    @property
    def template(self) -> str:
        return "sections/failed.html" if self.failure is not None else f"sections/{self.id}.html"
