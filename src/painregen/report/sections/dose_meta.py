"""Pooled dose-response across studies: one-stage restricted-cubic-spline model per cell product (evoked outcomes).

painregen.dose.meta_dr (Orsini et al. 2012 knots; Crippa et al. 2019 one-stage model): each treated-vs-vehicle SMD
contrast with the shared-control covariance, random effects for study and contrast; Wald test of non-linearity,
the pooled curve with its 95% band, the plateau dose and an Emax fit on the same contrasts.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from painregen.dose.meta_dr import StratifiedDoseResponse, dataset_dose_response
from painregen.report.output import ReportOutput
from painregen.report.pipeline import Analysis, label_of
from painregen.report.sections.base import Section

DOMAIN, UNIT, MEASURE = "evoked", "cells", "SMD"


def _figure(strat: StratifiedDoseResponse) -> Figure:
    fig = Figure(figsize=(7.0, 4.2))
    ax = fig.subplots()
    for product, res in strat.results.items():
        c = res.curve
        line = ax.plot(c.dose, c.fit, label=label_of("product", product))[0]
        ax.fill_between(c.dose, c.ci_low, c.ci_high, color=line.get_color(), alpha=0.15, linewidth=0)
    ax.axhline(0.0, color="grey", linewidth=0.6)
    ax.set_xscale("symlog", linthresh=1e4)
    ax.set_xlim(left=0.0)
    ax.set_xlabel("cells per animal (per administration)")
    ax.set_ylabel(f"pooled {MEASURE} vs vehicle ({DOMAIN})")
    ax.legend(fontsize="small", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def build(a: Analysis, out: ReportOutput) -> Section | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            strat = dataset_dose_response(a.dataset, measure=MEASURE, domain=DOMAIN, unit=UNIT, by="product")
    except ValueError:
        return None
    if not isinstance(strat, StratifiedDoseResponse) or not strat.results:
        return None
    rows: list[dict[str, Any]] = []
    for product, res in strat.results.items():
        e = res.emax
        rows.append({"product": label_of("product", product), "k": res.k, "studies": res.n_studies,
                     "nonlinear_p": res.nonlinear_p, "plateau_dose": res.plateau_dose,
                     "max_effect": float(np.nanmax(res.curve.fit)),
                     "ed50": e.ed50 if e else None, "eMax": e.eMax if e else None})
    fig = out.figure(_figure(strat), "dose_meta_evoked", f"Pooled dose-response of {DOMAIN} outcomes by cell "
                     "product (restricted cubic splines, 95% band).")
    table = out.csv("dose_meta.csv", rows, top=True)
    skipped = [{"product": label_of("product", k), "reason": v} for k, v in strat.skipped.items()]
    methods = [f"Pooled dose-response: one-stage random-effects model (Crippa et al. 2019) of {MEASURE} contrasts "
               "against vehicle with the shared-control covariance, restricted cubic splines with knots at the 5th, "
               "35th, 65th and 95th dose percentiles (Orsini et al. 2012), random effects for study and contrast "
               "(REML); Wald test of non-linearity; plateau dose = the smallest dose after which the pooled curve "
               "rises by no more than 5% of its maximum; an Emax model profiled over ED50 on the same contrasts. "
               "Doses are cells per animal as administered (routes pooled)."]
    return Section("dose_meta", "Pooled dose-response across studies", {"rows": rows, "skipped": skipped,
                   "domain": DOMAIN, "measure": MEASURE}, figures={"curve": fig}, tables={"table": table},
                   methods=methods)
