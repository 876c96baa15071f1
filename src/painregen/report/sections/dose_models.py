"""MCP-Mod and the saturation window on each dose-finding experiment (``painregen.dose.mcp_mod``), from the group
summaries the evidence records: the vehicle control as dose 0 and each treated cohort at its dose, on the
experiment's primary outcome at the latest time at which every group was measured (summary data, DoseFinding's
"general" type: means with S = diag(SE²))."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from painregen.dose.dataset_dr import normalise_amount, weights_of
from painregen.dose.plots import dose_label
from painregen.evidence import models as m
from painregen.evidence.dispersion import DispersionError, to_mean_sd
from painregen.io.figures import new_figure
from painregen.report.output import inch_layout, mpl_text

P_SATURATION = 0.9
Z95 = 1.959963984540054


@dataclass(frozen=True)
class DoseSeries:
    """One dose-finding experiment's groups on one outcome at one time (dose 0 = vehicle control)."""

    study: str
    experiment: str
    product: str
    unit: str
    basis: str
    outcome: str
    time_days: float
    greater_is_better: bool
    doses: tuple[float, ...]
    means: tuple[float, ...]
    sds: tuple[float, ...]
    ns: tuple[float, ...]
    per_kg: float | None = None  # a dose of 1 `unit` expressed per kg body weight in `kg_unit` (None: no weight)
    kg_unit: str | None = None
    kg_imputed: bool = False  # the species' typical body weight was used

    @property
    def ses(self) -> tuple[float, ...]:
        return tuple(s / math.sqrt(n) for s, n in zip(self.sds, self.ns, strict=True))

    @property
    def pooled_sd(self) -> float:
        """Pooled within-group SD (degrees-of-freedom weighted)."""
        num = sum((n - 1) * s**2 for s, n in zip(self.sds, self.ns, strict=True))
        return math.sqrt(num / sum(n - 1 for n in self.ns))


def engine() -> tuple[Callable[..., Any], Callable[..., Any], type[Exception]] | None:
    """``(mcp_mod, from_summary, DoseInputError)`` from painregen.dose, or None while it does not provide them."""
    try:
        from painregen.dose.data import from_summary
        from painregen.dose.errors import DoseInputError
        from painregen.dose.mcp_mod import mcp_mod
    except ImportError:
        return None
    return mcp_mod, from_summary, DoseInputError


def spec_for(max_dose: float) -> str:
    """Candidate shapes with DoseFinding guesstimates scaled to the largest dose: linear; Emax with ED50 at 20%
    and sigmoid Emax with ED50 at 50% (h = 3) of it (as the web workbench); and a quadratic (umbrella) peaking
    at 60% of it (delta = b2/|b1| = -1/(2 x peak))."""
    return f"linear,emax:{0.2 * max_dose:g},sigEmax:{0.5 * max_dose:g}/3,quadratic:{-1 / (1.2 * max_dose):g}"


def series_of(ds: m.Dataset, row: dict[str, Any]) -> DoseSeries | str:
    """The group summaries of a dose-finding experiment (a row of ``dose.dose_finding``), or why there are none."""
    study = next(s for s in ds.studies if s.study_id == row["study"])
    e = next(x for x in study.experiments if x.experiment_id == row["experiment"])
    cohorts = {c.cohort_id: c for c in e.cohorts}
    controls = {cohorts[c].control_cohort for c in row["cohorts"]}
    if len(controls) != 1 or next(iter(controls)) not in cohorts:
        ctrl = [c.cohort_id for c in e.cohorts if c.role is m.Role.control]
        if len(ctrl) != 1:
            return "the treated cohorts do not share one control cohort"
        controls = {ctrl[0]}
    members = [(str(next(iter(controls))), 0.0), *zip(row["cohorts"], row["doses"], strict=True)]
    outcomes = [o for o in e.outcomes if any(ob.outcome_id == o.outcome_id for ob in e.observations)]
    evoked = [o for o in outcomes if o.domain is not None and o.domain.value == "evoked"]
    if not outcomes:
        return "no outcome observed"
    out = (evoked or outcomes)[0]
    obs = [o for o in e.observations if o.outcome_id == out.outcome_id]
    times = [t for t in sorted({o.time_days for o in obs}, reverse=True)
             if all(any(o.cohort_id == c and o.time_days == t for o in obs) for c, _ in members)]
    if not times:
        return f"no time at which every group was measured on {out.outcome_id}"
    means, sds, ns = [], [], []
    for c, _ in members:
        o = next(o for o in obs if o.cohort_id == c and o.time_days == times[0])
        try:
            conv = to_mean_sd(o.average_type.value, o.average, o.error_type.value, error=o.error,
                              lower=o.error_low, upper=o.error_high, n=o.n)
        except DispersionError as exc:
            return f"cohort {c}: {exc}"
        means.append(conv.mean)
        sds.append(conv.sd)
        ns.append(float(o.n))
    one = normalise_amount(1.0, row["unit"], row["basis"], weights_of(e))
    return DoseSeries(row["study"], row["experiment"], row["product"], row["unit"], row["basis"], out.outcome_id,
                      float(times[0]), bool(out.greater_is_better), tuple(d for _, d in members), tuple(means),
                      tuple(sds), tuple(ns), one.per_kg, one.unit, one.imputed and row["basis"] != "per_kg")


def fit(series: DoseSeries, eng: tuple[Callable[..., Any], Callable[..., Any], type[Exception]]) -> Any:
    """MCP-Mod with the saturation window; MED for an effect of one pooled SD over vehicle."""
    mcp_mod, from_summary, _ = eng
    data = from_summary(list(series.doses), list(series.means), list(series.ses), n=list(series.ns))
    return mcp_mod(data, spec_for(max(series.doses)), direction="increasing" if series.greater_is_better
                   else "decreasing", delta=series.pooled_sd, p=P_SATURATION)


def _kg(s: DoseSeries, dose: float | None) -> float | None:
    return None if dose is None or s.per_kg is None else dose * s.per_kg


def result_row(s: DoseSeries, res: Any) -> dict[str, Any]:
    """One experiment's MCP-Mod result; doses as given, and the MED and saturation dose also per kg body weight
    (``*_kg`` in ``kg_unit``; ``kg_imputed``: the species' typical weight was used)."""
    w = res.window
    return {"study": s.study, "experiment": s.experiment, "product": s.product, "unit": s.unit, "basis": s.basis,
            "outcome": s.outcome, "time_days": s.time_days, "n_doses": len(s.doses),
            "doses": ";".join(f"{d:g}" for d in s.doses), "mct_p": float(np.min(res.mct.p_adj)),
            "detected": bool(res.mct.any_significant), "model": res.selected_model, "delta": s.pooled_sd,
            "med": w.med, "med_ci_low": w.med_ci[0], "med_ci_high": w.med_ci[1], "saturation": w.saturation,
            "saturation_ci_low": w.saturation_ci[0], "saturation_ci_high": w.saturation_ci[1],
            "plateau": w.plateau, "decline": w.decline.detected, "verdict": w.verdict,
            "med_kg": _kg(s, w.med), "saturation_kg": _kg(s, w.saturation), "kg_unit": s.kg_unit,
            "kg_imputed": s.kg_imputed}


def _x(doses: np.ndarray, lowest: float) -> np.ndarray:
    """Log10 dose, with dose 0 (vehicle) drawn one decade below the lowest dose."""
    return np.where(doses > 0, np.log10(np.maximum(doses, 1e-300)), math.log10(lowest) - 1.0)


def curves(product: str, items: list[tuple[DoseSeries, Any]], label: Callable[[str], str] = str) -> Figure:
    """One panel per experiment: group means with 95% CIs, the selected model's curve and the window."""
    ncol = min(3, len(items))
    nrow = math.ceil(len(items) / ncol)
    fig = new_figure(figsize=(4.0 * ncol, 3.3 * nrow))
    axes = np.atleast_1d(fig.subplots(nrow, ncol, squeeze=False)).ravel()
    for ax, (s, res) in zip(axes, items, strict=False):
        d = np.array(s.doses)
        lowest = float(d[d > 0].min())
        ax.errorbar(_x(d, lowest), s.means, yerr=Z95 * np.array(s.ses), fmt="o", color="black", capsize=3)
        if res.selected_model is not None:
            grid = np.logspace(math.log10(lowest) - 0.3, math.log10(d.max()), 120)
            ax.plot(np.log10(grid), res.fit(res.selected_model).predict(grid), color="tab:blue")
        w = res.window
        if w.med is not None and w.saturation is not None and w.med <= w.saturation:
            ax.axvspan(math.log10(w.med), math.log10(w.saturation), color="tab:green", alpha=0.15, linewidth=0)
        if w.saturation is not None:
            ax.axvline(math.log10(w.saturation), color="tab:green", linestyle="--", linewidth=0.9)
        ticks = _x(d, lowest)
        ax.set_xticks(ticks, ["0"] + [dose_label(x) for x in d[1:]], fontsize=7)
        ax.set_title(mpl_text(f"{label(s.study)} ({res.selected_model or 'no model'})"), fontsize=9)
        ax.set_xlabel(mpl_text(f"dose ({s.unit} {s.basis.replace('_', ' ')}; log scale)"), fontsize=8)
        ax.set_ylabel(mpl_text(s.outcome), fontsize=8)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in axes[len(items):]:
        ax.set_visible(False)
    fig.suptitle(mpl_text(product), fontsize=10)
    inch_layout(fig, nrow, ncol, left=0.75, right=0.15, bottom=0.65, top=0.6, gap_w=0.8, gap_h=0.9)
    return fig
