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

    @property
    def template(self) -> str:
        return f"sections/{self.id}.html"
