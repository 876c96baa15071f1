"""Review process: the PRISMA 2020 flow diagram, agreement of the screeners per stage and reviewer pair, agreement
of the extractors per field and item, and the studies that entered from a single extractor.

The review summary is read from the registry by :func:`painregen.review.summary.review_summary` and handed to
``write_report(..., review=...)`` by the caller (the CLI, the demo, the workbench's report job)."""

from __future__ import annotations

from painregen.report.output import ReportOutput
from painregen.report.pipeline import Analysis
from painregen.report.sections.base import Section


def build(a: Analysis, out: ReportOutput) -> Section | None:
    data = a.review() if callable(a.review) else a.review
    if data is None:
        return None
    from painregen.review.prisma_plot import prisma_figure

    counts = data["prisma"]
    fig = prisma_figure(counts)
    try:
        figures = {"prisma": out.figure(fig, "prisma_flow", "PRISMA 2020 flow diagram, counted from the recorded "
                                        "search imports, duplicate decisions and screening decisions.")}
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
    pairs = [{"stage": st["stage"], "reviewer_a": p["reviewers"][0], "reviewer_b": p["reviewers"][1], "n": p["n"],
              "percent": p["percent"], "kappa": p["cohen_kappa"]["estimate"], "kappa_se": p["cohen_kappa"]["se"],
              "ac1": p["gwet_ac1"]["estimate"], "ac1_se": p["gwet_ac1"]["se"]}
             for st in data["agreement"] for p in st["pairs"]]
    stages = [{"stage": st["stage"], "n": st["n_records"], "percent": st["overall"]["percent"],
               "fleiss": st["overall"]["fleiss_kappa"]["estimate"], "ac1": st["overall"]["gwet_ac1"]["estimate"]}
              for st in data["agreement"] if st["overall"]]
    tables = {"pairs": out.csv("review_agreement_pairs.csv", pairs),
              "fields": out.csv("review_extraction_agreement.csv", data["fields"])}
    # the fields the extractors disagreed on most come first (the CSV file keeps every field in name order)
    worst = sorted(data["fields"], key=lambda r: (r["percent"], r["field"]))
    ctx = {"counts": counts.to_dict(), "stages": stages, "pairs": pairs, "fields": worst[: out.top_n],
           "n_fields": len(data["fields"]), "single": data["single"]}
    methods = [
        "Review process: records from each database search were deduplicated (normalised DOI/PMID, then field "
        "similarity; uncertain pairs decided by a reviewer); two reviewers screened each record independently "
        "(blinded to each other) at title/abstract and full text, conflicts were resolved by a third reviewer. "
        "Agreement: percentage, Cohen's kappa (Cohen 1960; SE of Fleiss, Cohen & Everitt 1969) and Gwet's AC1 "
        "(Gwet 2008) per reviewer pair; Fleiss' kappa and AC1 over each stage. Data and appraisal answers were "
        "extracted twice and compared cell by cell; every discrepancy was reconciled and recorded with who decided.",
    ]
    return Section("review", "Review process", ctx, figures=figures, tables=tables, methods=methods)
