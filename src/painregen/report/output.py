"""Where a report's files go: figures (inline SVG + figures/*.svg|png|pdf) and the full tables as CSV files
beside report.html, linked relatively."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

FIGURE_DIR = "figures"
PUBLICATION_FORMATS = ("png", "pdf")  # written only when asked (painregen report --figures svg,png,pdf)
FIGURE_FORMATS = ("svg", *PUBLICATION_FORMATS)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_STEM = re.compile(r"[^A-Za-z0-9_.-]+")
_ID = re.compile(r'\sid="([^"]+)"')
_REF = re.compile(r'(\sid="|url\(#|href="#)([^")]+)')


def mpl_text(text: object) -> str:
    """User text made safe for matplotlib labels: '$' would start mathtext."""
    return str(text).replace("$", r"\$")


def tight_bbox(fig: Any, pad: float = 0.1) -> Any:
    """The figure's tight bounding box (inches), computed once and reused for every format: savefig's
    ``bbox_inches="tight"`` would draw the figure an extra time per format."""
    return fig.get_tightbbox().padded(pad)


def inch_layout(fig: Any, nrow: int, ncol: int, *, left: float, right: float, bottom: float, top: float,
                gap_w: float = 0.0, gap_h: float = 0.0) -> None:
    """Place a figure's ``nrow`` x ``ncol`` panels with margins and gaps given in inches (room for the tick and axis
    labels and titles the caller draws): what ``tight_layout`` would find, without measuring every text once more
    (a third of a multi-panel figure's time); the report crops the outer margins to the drawing."""
    width, height = fig.get_size_inches()
    axis_w = (width - left - right - (ncol - 1) * gap_w) / ncol
    axis_h = (height - bottom - top - (nrow - 1) * gap_h) / nrow
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height,
                        wspace=gap_w / axis_w, hspace=gap_h / axis_h)


def svg_text(fig: Any, salt: str, bbox: Any = "tight") -> str:
    """The figure as an SVG document: text kept as text (small, searchable), ids salted per figure so that
    several inline SVGs in one page never share an id, and no metadata block."""
    import io

    import matplotlib as mpl

    buf = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        fig.savefig(buf, format="svg", bbox_inches=bbox)
    return prefix_ids(_METADATA.sub("", buf.getvalue()), salt)


def prefix_ids(svg: str, prefix: str) -> str:
    """Prefix every element id of an SVG, and the references to them, so that ids stay unique when several
    SVGs are inlined in one page (matplotlib names groups ``figure_1``, ``axes_1``, ... in every figure)."""
    ids = set(_ID.findall(svg))
    return _REF.sub(lambda mt: f"{mt.group(1)}{prefix}-{mt.group(2)}" if mt.group(2) in ids else mt.group(0), svg)


@dataclass(frozen=True)
class FigureRef:
    """One figure of the report: inline SVG and the relative paths of its files."""

    key: str
    caption: str
    svg: str
    files: Mapping[str, str]


@dataclass(frozen=True)
class CsvRef:
    """A full table written beside the report: its relative link, its rows and how many the report shows
    (0: the report shows none of it as a table)."""

    name: str
    n_rows: int
    shown: int

    @property
    def truncated(self) -> bool:
        return 0 < self.shown < self.n_rows


@dataclass
class ReportOutput:
    """Collects the figures and CSV files of one report under ``directory`` (the folder of report.html)."""

    directory: Path
    top_n: int = 25
    formats: Sequence[str] = ()
    dpi: int = 200
    figures: list[FigureRef] = field(default_factory=list)
    tables: list[CsvRef] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / FIGURE_DIR).mkdir(exist_ok=True)

    def figure(self, fig: Any, stem: str, caption: str) -> FigureRef:
        """Write ``fig`` as figures/<stem>.svg plus the publication formats; returns it with its inline SVG."""
        stem = _STEM.sub("_", stem)
        bbox = tight_bbox(fig)
        text = svg_text(fig, stem, bbox)
        files = {"svg": f"{FIGURE_DIR}/{stem}.svg"}
        (self.directory / files["svg"]).write_text(text, encoding="utf-8")
        for ext in self.formats:
            files[ext] = f"{FIGURE_DIR}/{stem}.{ext}"
            fig.savefig(self.directory / files[ext], bbox_inches=bbox, dpi=self.dpi if ext == "png" else None)
        ref = FigureRef(stem, caption, text[text.index("<svg"):], files)
        self.figures.append(ref)
        return ref

    def csv(self, name: str, data: pd.DataFrame | Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None,
            *, top: bool = False) -> CsvRef:
        """Write a full table as ``name`` beside the report; ``top``: the report shows its first ``top_n`` rows."""
        frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(
            list(data), columns=None if columns is None else list(columns))
        frame.to_csv(self.directory / name, index=False, encoding="utf-8")
        ref = CsvRef(name, len(frame), min(len(frame), self.top_n) if top else 0)
        self.tables.append(ref)
        return ref

    def top(self, frame: pd.DataFrame) -> list[dict[str, Any]]:
        """The first ``top_n`` rows as records (NaN -> None) for a template."""
        head = frame.head(self.top_n)
        return [{str(k): (None if _isnan(v) else v) for k, v in r.items()} for r in head.to_dict(orient="records")]


def _isnan(v: Any) -> bool:
    return isinstance(v, float) and v != v
