"""Dose-response windows: the dose-finding experiments (one product at >= 3 doses plus a control, i.e. >= 4
distinct doses with vehicle), their observed dose-response, and the review's Table 3 of dose windows. The
modelling step (MCP-Mod, saturation window) waits for painregen.dose to expose it."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

import painregen.dose
from painregen import kb
from painregen.evidence import models as m
from painregen.report.output import ReportOutput, mpl_text
from painregen.report.pipeline import Analysis, label_of
from painregen.report.sections.base import Section

MIN_TREATED_DOSES = 3  # + the vehicle control = 4 distinct doses
MAX_PANELS = 12


def dose_finding(ds: m.Dataset) -> list[dict[str, Any]]:
    """Experiments in which one product (in one unit and basis) was given at >= 3 distinct doses, with a control."""
    out = []
    for s in ds.studies:
        for e in s.experiments:
            if not any(c.role is m.Role.control for c in e.cohorts):
                continue
            groups: dict[tuple[str, str, str], dict[float, str]] = {}
            for c in e.cohorts:
                i = c.intervention
                if c.role is m.Role.treated and i is not None and i.dose is not None:
                    groups.setdefault((i.product, i.dose.unit, i.dose.basis.value), {})[i.dose.amount] = c.cohort_id
            for (product, unit, basis), doses in groups.items():
                if len(doses) >= MIN_TREATED_DOSES:
                    out.append({"study": s.study_id, "experiment": e.experiment_id, "model": label_of("model", e.model),
                                "product": label_of("product", product), "route": label_of("route", _route(e)),
                                "unit": unit, "basis": basis, "doses": sorted(doses), "n_doses": len(doses) + 1,
                                "cohorts": [doses[d] for d in sorted(doses)]})
    return out


def _route(e: m.Experiment) -> str | None:
    return next((c.intervention.route for c in e.cohorts if c.intervention is not None and c.intervention.route), None)


def observed(frame: pd.DataFrame, series: list[dict[str, Any]]) -> pd.DataFrame:
    """Per dose-finding experiment and cohort: the effect at the latest timepoint on the experiment's primary
    outcome (its first evoked outcome, else its first outcome with effects)."""
    rows = []
    for sr in series:
        g = frame[(frame["study"] == sr["study"]) & (frame["experiment"] == sr["experiment"])
                  & frame["cohort"].isin(sr["cohorts"])]
        if g.empty:
            continue
        evoked = g[g["domain"] == "evoked"]
        outcome = (evoked if len(evoked) else g)["outcome"].iloc[0]
        for r in g[g["outcome"] == outcome].itertuples():
            rows.append({"study": sr["study"], "experiment": sr["experiment"], "product": sr["product"],
                         "unit": sr["unit"], "basis": sr["basis"], "outcome": outcome, "cohort": r.cohort,
                         "dose": float(r.dose), "yi": float(r.yi), "vi": float(r.vi)})
    return pd.DataFrame(rows, columns=["study", "experiment", "product", "unit", "basis", "outcome", "cohort", "dose",
                                       "yi", "vi"])


def curves(obs: pd.DataFrame, measure: str) -> Figure:
    """One panel per product (and unit): each dose-finding experiment's effects against dose (log axis)."""
    keys: list[tuple[str, str, str]] = sorted({(str(p), str(u), str(b)) for p, u, b in
                                               zip(obs["product"], obs["unit"], obs["basis"], strict=True)})
    keys = keys[:MAX_PANELS]
    ncol = min(3, len(keys))
    nrow = math.ceil(len(keys) / ncol)
    fig = Figure(figsize=(4.0 * ncol, 3.2 * nrow))
    axes = np.atleast_1d(fig.subplots(nrow, ncol, squeeze=False)).ravel()
    for ax, (product, unit, basis) in zip(axes, keys, strict=False):
        g = obs[(obs["product"] == product) & (obs["unit"] == unit) & (obs["basis"] == basis)]
        for _, e in g.groupby(["study", "experiment"], sort=False):
            e = e.sort_values("dose")
            ax.errorbar(e["dose"], e["yi"], yerr=1.96 * np.sqrt(e["vi"]), marker="o", markersize=3, linewidth=0.8,
                        capsize=2, alpha=0.8)
        ax.set_xscale("log")
        ax.axhline(0, color="grey", linewidth=0.6)
        ax.set_title(mpl_text(f"{product} ({g['study'].nunique()} studies)"), fontsize=9)
        ax.set_xlabel(mpl_text(f"dose ({unit} {basis.replace('_', ' ')})"), fontsize=8)
        ax.set_ylabel(f"{measure} vs vehicle", fontsize=8)
    for ax in axes[len(keys):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def kb_windows() -> list[dict[str, Any]]:
    """The review's Table 3 (painregen.kb "dose_windows")."""
    entries = kb.load("dose_windows")
    assert isinstance(entries, list)
    return [{"product": w.get("product_text"), "model": w.get("model_text"), "setting": w.get("setting"),
             "doses": w.get("doses") or [], "unit": w.get("dose_unit"), "pattern": w.get("pattern"),
             "med": w.get("med"), "saturation": w.get("saturation"), "implication": w.get("implication")}
            for w in entries]


def build(a: Analysis, out: ReportOutput) -> Section:
    series = dose_finding(a.dataset)
    obs = observed(a.frame, series) if not a.frame.empty else pd.DataFrame()
    tables = {"studies": out.csv("dose_finding.csv", [s | {"doses": ";".join(f"{d:g}" for d in s["doses"]),
                                                          "cohorts": ";".join(s["cohorts"])} for s in series],
                                 columns=["study", "experiment", "model", "product", "route", "unit", "basis", "doses",
                                          "n_doses", "cohorts"], top=True)}
    figures = {}
    if len(obs):
        tables["observed"] = out.csv("dose_observed.csv", obs)
        figures["observed"] = out.figure(curves(obs, a.measure), "dose_observed", (
            f"Observed dose-response of the dose-finding experiments: {a.measure} of each dose against its vehicle "
            "control at the latest timepoint, on the experiment's primary (first evoked) outcome, with 95% CIs; "
            "one line per experiment. No model is fitted."))
    engine = hasattr(painregen.dose, "mcp_mod")
    ctx = {"series": series[: out.top_n], "n_series": len(series), "products": sorted({s["product"] for s in series}),
           "kb": kb_windows(), "engine": engine}
    methods = [f"Dose-finding experiments: one product given at >= {MIN_TREATED_DOSES} doses in one unit and basis "
               "with a vehicle control in the same experiment. Their observed effects are shown; MCP-Mod and the "
               "saturation window are not yet computed by the report."]
    return Section("dose", "Dose-response windows", ctx, figures=figures, tables=tables, methods=methods)
