"""Designing the next experiment: sample size per outcome domain from the pooled evidence.

For each pooled domain (SMD scale), the animals per group that a two-group t test needs for 80% power at the
pooled effect (R pwr.t.test; Cohen 1988), and the animals needed for 80% assurance, i.e. power averaged over the
prediction distribution of the effect in a new study, N(mu, se^2 + tau^2) (O'Hagan, Stevens & Campbell 2005),
where tau^2 is the sum of the three-level model's variance components.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from painregen.design.assurance import assurance
from painregen.design.ttest import pwr_t_test
from painregen.report.output import ReportOutput
from painregen.report.pipeline import Analysis
from painregen.report.sections.base import Section

TARGET = 0.8
ALPHA = 0.05


def _row(domain: str, mu: float, se: float, tau: float) -> dict[str, Any]:
    row: dict[str, Any] = {"domain": domain, "mu": mu, "se": se, "tau": tau, "n_power": None, "assurance_at": None,
                           "n_assurance": None, "note": ""}
    if mu <= 0:
        row["note"] = "no pooled benefit: a confirmatory experiment cannot be powered on this evidence"
        return row
    n_power = pwr_t_test(d=mu, power=TARGET, sig_level=ALPHA).n_per_group
    row["n_power"] = n_power
    row["assurance_at"] = assurance(mu, se, tau, n=n_power, sig_level=ALPHA).assurance
    try:
        row["n_assurance"] = assurance(mu, se, tau, target=TARGET, sig_level=ALPHA).n_per_group
    except ValueError:
        row["note"] = (f"{TARGET:.0%} assurance is out of reach: the chance that the true effect in a new study is "
                       "beneficial is too low, whatever the group size")
    return row


def build(a: Analysis, output: ReportOutput) -> Section | None:
    if a.measure not in ("SMD", "SMDH"):
        return None
    rows = []
    for d in a.domains:
        ml = d.multilevel
        if ml is None:
            continue
        tau = float(np.sqrt(np.sum(ml.sigma2)))
        rows.append(_row(d.domain, float(ml.b[0]), float(ml.se[0]), tau))
    if not rows:
        return None
    methods = [f"Next-experiment sample sizes: animals per group for {TARGET:.0%} power of a two-sided two-sample t "
               f"test (alpha {ALPHA}) at the pooled {a.measure} (pwr.t.test definition, Cohen 1988), and for "
               f"{TARGET:.0%} assurance, the power averaged over the prediction distribution N(mu, se² + tau²) of the "
               "effect in a new study (O'Hagan, Stevens & Campbell 2005), tau² summing the three-level variance "
               "components. `painregen power` and `painregen design` compute these for a planned study."]
    return Section("design", "Designing the next experiment", {"rows": rows, "measure": a.measure,
                                                                 "target": TARGET}, methods=methods)
