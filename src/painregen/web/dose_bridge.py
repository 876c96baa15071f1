"""The dose page's two calls into the library, kept apart so that they can move into :mod:`painregen.dose`.

:func:`series_groups` reads one dose series out of a Dataset (the control cohort as dose 0 and each treated
cohort at its dose, at the latest time at which every group was measured; SDs recovered by
:func:`painregen.evidence.dispersion.to_mean_sd`). :func:`run_mcp_mod` hands those groups to
``painregen.dose.mcp_mod``; while the dose package has no ``mcp_mod`` it says that the analysis is pending.
"""

from __future__ import annotations

import math
from typing import Any

from painregen.evidence import models as m
from painregen.evidence.dispersion import DispersionError, to_mean_sd


class SeriesError(ValueError):
    """The chosen series cannot be analysed (no control, no common timepoint, an unconvertible error)."""


def default_spec(max_dose: float) -> str:
    """Candidate shapes with guesstimates scaled to the largest dose (DoseFinding's guesstimates are in dose
    units): linear, Emax with ED50 at 20% and sigmoid Emax with ED50 at 50% (h = 3) of the largest dose."""
    return f"linear,emax:{0.2 * max_dose:g},sigEmax:{0.5 * max_dose:g}/3"


def _experiment(ds: m.Dataset, study: str, experiment: str) -> m.Experiment:
    for s in ds.studies:
        if s.study_id == study:
            for e in s.experiments:
                if e.experiment_id == experiment:
                    return e
    raise SeriesError(f"no experiment {experiment!r} in study {study!r}")


def series_groups(ds: m.Dataset, series: dict[str, Any], outcome: str) -> dict[str, Any]:
    """``{outcome, time_days, greater_is_better, groups: [{cohort, dose, n, mean, sd, se}]}`` of one series."""
    e = _experiment(ds, series["study"], series["experiment"])
    out = next((o for o in e.outcomes if o.outcome_id == outcome), None)
    if out is None:
        raise SeriesError(f"experiment {e.experiment_id} has no outcome {outcome!r}")
    cohorts = {c.cohort_id: c for c in e.cohorts}
    treated = [cohorts[c] for c in series["cohorts"]]
    controls = {c.control_cohort for c in treated if c.control_cohort}
    if len(controls) != 1 or next(iter(controls)) not in cohorts:
        raise SeriesError("the treated cohorts of this series do not share one control cohort")
    members = [(cohorts[next(iter(controls))], 0.0)] + [
        (c, c.intervention.dose.amount) for c in treated if c.intervention and c.intervention.dose]
    obs = [o for o in e.observations if o.outcome_id == outcome]
    times = [t for t in sorted({o.time_days for o in obs}, reverse=True)
             if all(any(o.cohort_id == c.cohort_id and o.time_days == t for o in obs) for c, _ in members)]
    if not times:
        raise SeriesError(f"no timepoint at which every group of the series was measured on {outcome!r}")
    groups = []
    for c, dose in members:
        o = next(o for o in obs if o.cohort_id == c.cohort_id and o.time_days == times[0])
        try:
            conv = to_mean_sd(o.average_type.value, o.average, o.error_type.value, error=o.error,
                              lower=o.error_low, upper=o.error_high, n=o.n)
        except DispersionError as exc:
            raise SeriesError(f"cohort {c.cohort_id}: {exc}") from None
        groups.append({"cohort": c.cohort_id, "dose": dose, "n": o.n, "mean": conv.mean, "sd": conv.sd,
                       "se": conv.sd / math.sqrt(o.n)})
    return {"outcome": outcome, "unit": out.unit, "time_days": times[0],
            "greater_is_better": out.greater_is_better, "groups": groups}


def _engine() -> Any:
    """``painregen.dose.mcp_mod.mcp_mod`` when the dose package provides it, else None."""
    try:
        from painregen.dose.mcp_mod import mcp_mod
    except ImportError:
        return None
    return mcp_mod if callable(mcp_mod) else None


def curve_svg(result: Any, unit: str | None) -> str:
    """Group means with 95% CIs against dose and the selected model's fitted curve, as SVG."""
    import numpy as np

    from painregen.io.figures import new_figure
    from painregen.report.html import figure_svg

    data = result.data
    fig = new_figure(figsize=(6.0, 4.0))
    ax = fig.subplots()
    ax.errorbar(data.doses, data.means, yerr=1.959963984540054 * data.se, fmt="o", color="black", capsize=3,
                label="group mean, 95% CI")
    if result.selected_model is not None:
        grid = np.linspace(0.0, float(data.doses[-1]), 200)
        ax.plot(grid, result.fit(result.selected_model).predict(grid), color="tab:blue",
                label=f"{result.selected_model} fit")
    ax.set_xlabel(f"dose ({unit})" if unit else "dose")
    ax.set_ylabel("response")
    ax.legend(frameon=False, fontsize="small")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return figure_svg(fig)


def run_mcp_mod(groups: dict[str, Any], spec: str, unit: str | None = None) -> dict[str, Any]:
    """MCP-Mod on the group means (summary data, "general" type): ``{status, message, result, figure}``;
    ``status`` is ``ok``, ``error`` (bad input) or ``pending`` (no MCP-Mod in painregen.dose)."""
    mcp_mod = _engine()
    if mcp_mod is None:
        return {"status": "pending", "result": None, "figure": None,
                "message": "MCP-Mod is pending: painregen.dose does not provide mcp_mod yet. The dose groups "
                           "below are what it will analyse."}
    from painregen.dose.data import from_summary
    from painregen.dose.errors import DoseInputError

    g = groups["groups"]
    direction = "increasing" if groups["greater_is_better"] else "decreasing"
    try:
        data = from_summary([x["dose"] for x in g], [x["mean"] for x in g], [x["se"] for x in g],
                            n=[x["n"] for x in g])
        result = mcp_mod(data, spec, direction=direction)
    except DoseInputError as exc:
        return {"status": "error", "result": None, "figure": None, "message": str(exc)}
    out = result.to_dict()
    return {"status": "ok", "result": out, "figure": curve_svg(result, unit),
            "message": out["window"].get("verdict") or "MCP-Mod done"}
