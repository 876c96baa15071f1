"""The PRISMA 2020 flow diagram (template for new reviews with database searches, Page et al. 2021) drawn with
matplotlib from :class:`~painregen.review.prisma.PrismaCounts`; written as SVG, PNG or PDF by file extension."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from painregen.review.flow import PrismaCounts

FORMATS = (".svg", ".png", ".pdf")
MAX_REASONS = 6


def _reasons(reasons: dict[str, int], labels: dict[str, str]) -> list[str]:
    items = list(reasons.items())
    shown = [f"  {labels.get(k, k).split(' (')[0][:46]}: {n:,}" for k, n in items[:MAX_REASONS]]
    if len(items) > MAX_REASONS:
        shown.append(f"  other reasons: {sum(n for _, n in items[MAX_REASONS:]):,}")
    return shown


def _box(ax: Any, x: float, y: float, w: float, h: float, lines: list[str], *, shade: str = "white") -> None:
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="square,pad=0", facecolor=shade, edgecolor="#333333",
                                linewidth=1.0))
    ax.text(x + 0.012, y + h - 0.012, "\n".join(lines), ha="left", va="top", fontsize=8.2, linespacing=1.35,
            family="DejaVu Sans")


def _arrow(ax: Any, x0: float, y0: float, x1: float, y1: float) -> None:
    ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops={"arrowstyle": "-|>", "color": "#333333", "lw": 1.0})


def prisma_figure(c: PrismaCounts, *, title: str | None = None) -> Any:
    """A matplotlib Figure of the PRISMA 2020 flow."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(9.2, 10.5))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    lx, rx, w = 0.1, 0.56, 0.4
    bands = (("Identification", 0.80, 0.985), ("Screening", 0.215, 0.79), ("Included", 0.02, 0.205))
    for label, y0, y1 in bands:
        ax.add_patch(plt.Rectangle((0.01, y0), 0.06, y1 - y0, facecolor="#a9c8e8", edgecolor="none"))
        ax.text(0.04, (y0 + y1) / 2, label, rotation=90, ha="center", va="center", fontsize=9, weight="bold")
    if title:
        ax.text(0.5, 0.997, title, ha="center", va="top", fontsize=9, style="italic")
    src = [f"  {name}: {n:,}" for name, n in c.sources.items()]
    _box(ax, lx, 0.81, w, 0.165, [f"Records identified from databases (n = {c.records_identified:,})", *src[:6]])
    _box(ax, rx, 0.81, w, 0.165, ["Records removed before screening:", f"  Duplicate records removed "
                                   f"(n = {c.duplicates_removed:,})"])
    _arrow(ax, lx + w, 0.89, rx, 0.89)
    ta_reasons = _reasons(c.records_excluded_reasons, c.reason_labels)
    _box(ax, lx, 0.64, w, 0.12, [f"Records screened (n = {c.records_screened:,})"] +
         ([f"  awaiting a decision: {c.records_awaiting:,}"] if c.records_awaiting else []))
    _box(ax, rx, 0.60, w, 0.16, [f"Records excluded (n = {c.records_excluded:,})", *ta_reasons])
    _arrow(ax, lx + w / 2, 0.81, lx + w / 2, 0.76)
    _arrow(ax, lx + w, 0.70, rx, 0.70)
    _box(ax, lx, 0.47, w, 0.09, [f"Reports sought for retrieval (n = {c.reports_sought:,})"])
    _box(ax, rx, 0.47, w, 0.09, [f"Reports not retrieved (n = {c.reports_not_retrieved:,})"])
    _arrow(ax, lx + w / 2, 0.64, lx + w / 2, 0.56)
    _arrow(ax, lx + w, 0.515, rx, 0.515)
    ft_reasons = _reasons(c.reports_excluded_reasons, c.reason_labels)
    _box(ax, lx, 0.26, w, 0.15, [f"Reports assessed for eligibility (n = {c.reports_assessed:,})"] +
         ([f"  awaiting a decision: {c.reports_awaiting:,}"] if c.reports_awaiting else []))
    _box(ax, rx, 0.225, w, 0.205, [f"Reports excluded (n = {c.reports_excluded:,})", *ft_reasons])
    _arrow(ax, lx + w / 2, 0.47, lx + w / 2, 0.41)
    _arrow(ax, lx + w, 0.335, rx, 0.335)
    _box(ax, lx, 0.04, w, 0.13, [f"Studies included in review (n = {c.studies_included:,})",
                                 f"  linked to evidence studies: {c.linked_studies:,}"])
    _arrow(ax, lx + w / 2, 0.26, lx + w / 2, 0.17)
    return fig


def write_prisma(c: PrismaCounts, path: Path, *, title: str | None = None) -> Path:
    """Write the diagram to ``path`` (.svg, .png or .pdf)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path}: the diagram is written as {', '.join(FORMATS)} (by the file's extension)")
    fig = prisma_figure(c, title=title)
    try:
        fig.savefig(path, dpi=200 if suffix == ".png" else None)
    finally:
        plt.close(fig)
    return path
