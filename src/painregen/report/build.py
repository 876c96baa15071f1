"""Build the report for a Dataset: run the pipeline, draw the figures, write report.html (+ PNG/PDF figures)."""

from __future__ import annotations

from pathlib import Path

from painregen import __version__
from painregen.evidence import models as m
from painregen.report.html import figure_svg, render_report, save_figure
from painregen.report.pipeline import Analysis, run_analysis


def _figures(analysis: Analysis, directory: Path) -> dict[str, str]:
    from painregen.meta.plots import forest

    figures: dict[str, str] = {}
    for d in analysis.domains:
        if d.result is None:
            continue
        xlabel = f"{analysis.measure} ({d.domain} outcomes; > 0 favours treatment)"
        fig = forest(d.result, labels=d.labels, xlabel=xlabel)
        save_figure(fig, directory / "figures", f"forest_{d.domain}")
        figures[f"Forest plot: {d.domain} outcomes"] = figure_svg(fig)
    return figures


def methods_lines(analysis: Analysis) -> list[str]:
    return [
        f"painregen {__version__}.",
        f"Effect sizes: {analysis.measure} computed as metafor's escalc defines it; each treated cohort compared "
        "with its control inside its experiment, outcome and timepoint; a control shared by k treated cohorts "
        "entered each comparison with n/k animals; SDs recovered from SEM, 95% CI, IQR or range as stated per row "
        "(SEM x sqrt(n); t quantile; Wan et al. 2014); signs set so that positive means benefit.",
        f"Pooling: random-effects model per outcome domain, tau² by {analysis.method} (Viechtbauer 2005), Wald-type "
        "z tests and confidence intervals, prediction intervals as metafor's predict.rma, I² and H² as metafor "
        "defines them; Q-profile confidence intervals for tau².",
        "The latest timepoint of each comparison enters the pooled estimate.",
    ]


def write_report(ds: m.Dataset, out: Path, *, measure: str = "SMD", method: str = "REML",
                 title: str = "painregen evidence report") -> Path:
    """Write ``out`` (an .html file) and its figures beside it; returns the report path."""
    import matplotlib

    matplotlib.use("Agg")
    analysis = run_analysis(ds, measure=measure, method=method)
    figures = _figures(analysis, out.parent)
    html = render_report(analysis, figures, title=title, methods=methods_lines(analysis))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out
