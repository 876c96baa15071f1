"""MCP-Mod on one study: compose the contrast test, model fits, selection, MED and the saturation window.

Bretz, Pinheiro & Branson (2005, Biometrics 61:738) and Pinheiro, Bornkamp, Glimm & Bretz (2014, Stat
Med 33:1646), as DoseFinding's ``MCPMod``: test first; fit the families of the significant contrasts
(or all, or one); select; estimate the target dose.  Modelling needs at least ``MIN_DOSES`` distinct
doses including control; with fewer, only the test is reported.  A candidate family that cannot be fitted is
left out with a note; the window's bootstrap repeats the whole selection (:mod:`.bootstrap`).  Under aveAIC the
MED is that of the model-averaged curve (:class:`.selection.ModelAverage`), the same quantity as the window's;
``med_dosefinding`` keeps DoseFinding's own aveAIC estimate (the weighted mean of the models' TDs).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .data import DoseData
from .errors import DoseInputError
from .fit_mod import fit_mod
from .mct_test import Alternative, mct_test, resolve_models
from .model_defs import get_model
from .mods import CandidateSet, Direction, Mods
from .mvprob import DEFAULT_CONTROL, MVControl
from .reselect import Design
from .results import FitResult, MCPModResult
from .selection import ModelAverage, Selection, select_model, weighted_dose
from .target_dose import TargetDose, td
from .window import format_p, saturation_window, unidentified

FIT_FAILURES = (np.linalg.LinAlgError, FloatingPointError, ZeroDivisionError, OverflowError)

MIN_DOSES = 4


def _families_to_fit(fit: str | Sequence[str], mods_obj: Mods, significant: np.ndarray) -> list[str]:
    fams = [c.family for c in mods_obj.candidates]
    if isinstance(fit, str) and fit == "significant":
        return list(dict.fromkeys(f for f, s in zip(fams, significant, strict=True) if s))
    if isinstance(fit, str) and fit == "all":
        return list(dict.fromkeys(fams))
    wanted = [fit] if isinstance(fit, str) else list(fit)
    return [get_model(w).name for w in wanted]


def mcp_mod(
    data: DoseData,
    models: Mods | CandidateSet | str,
    *,
    alpha: float = 0.025,
    alternative: Alternative = "one.sided",
    direction: Direction = "increasing",
    scal: float | None = None,
    off: float | None = None,
    fit: str | Sequence[str] = "significant",
    select: str = "aic",
    delta: float | None = None,
    p: float = 0.9,
    n_boot: int = 1000,
    n_perm: int = 2000,
    seed: int = 2014,
    control: MVControl = DEFAULT_CONTROL,
) -> MCPModResult:
    """Run MCP-Mod and the saturation-window analysis on ``data``.

    ``fit`` is ``"significant"`` (DoseFinding's default), ``"all"`` or a family name (or names);
    ``select`` is ``aic``, ``maxT``, ``aveAIC`` or a family name; ``delta`` is the clinically relevant
    effect defining the MED (target dose); ``p`` the fraction of the maximum effect defining saturation.
    """
    if delta is not None and not delta > 0:
        raise DoseInputError(f"delta={delta} must be positive")
    mods_obj = resolve_models(models, data, direction=direction, scal=scal, off=off)
    mct = mct_test(data, mods_obj, alpha=alpha, alternative=alternative, control=control)
    dirn: Direction = mods_obj.direction
    min_p = float(np.min(mct.p_adj))
    notes: list[str] = []
    if data.k < MIN_DOSES:
        msg = (f"Only {data.k} dose levels including control: the dose-response test is reported "
               f"(smallest adjusted p {format_p(min_p)}), but a curve, MED and saturation dose are not identified "
               f"(at least {MIN_DOSES} are needed).")
        notes.append(msg)
        return MCPModResult(data, mct, (), Selection(select, None, {}), None, unidentified(msg, p, delta),
                            False, dirn, tuple(notes))
    fits: list[FitResult] = []
    families = _families_to_fit(fit, mods_obj, mct.significant)
    for fam in families:
        mdef = get_model(fam)
        if len(mdef.coef_names) > data.k:
            notes.append(f"{fam} not fitted: {len(mdef.coef_names)} parameters for {data.k} dose levels")
            continue
        try:
            f = fit_mod(data, fam, scal=mods_obj.fixed["scal"], off=mods_obj.fixed["off"])
        except FIT_FAILURES as exc:
            notes.append(f"{fam} could not be fitted ({type(exc).__name__}: {exc}); left out")
            continue
        if not np.all(np.isfinite(f.coefs)) or not np.isfinite(f.aic):
            notes.append(f"{fam} could not be fitted (non-finite estimates); left out")
            continue
        fits.append(f)
        notes.extend(f.notes)
    if not mct.any_significant:
        msg = (f"No evidence of a dose-response (MCT smallest adjusted p {format_p(min_p)} at alpha = {alpha:g});"
               " no MED or window is estimated.")
        return MCPModResult(data, mct, tuple(fits), Selection(select, None, {}), None,
                            unidentified(msg, p, delta), True, dirn, tuple(notes))
    selection = select_model(fits, mct, select)
    if selection.selected is None:
        msg = "Dose-response detected, but no model could be fitted; no window is estimated."
        return MCPModResult(data, mct, tuple(fits), selection, None, unidentified(msg, p, delta), True, dirn,
                            tuple(notes))
    by_name = {f.model: f for f in fits}
    curve: FitResult | ModelAverage = by_name[selection.selected]
    med_df = None
    if selection.method == "aveAIC":
        curve = ModelAverage(tuple(fits), tuple(selection.weights[f.model] for f in fits))
        if delta is not None:
            med_df = weighted_dose({n: td(by_name[n], delta, dirn).dose for n in selection.weights},
                                   selection.weights)
    method = selection.method if selection.method in ("aic", "maxT", "aveAIC") else selection.selected
    fam_all = tuple(dict.fromkeys(c.family for c in mods_obj.candidates))
    design = Design.of(data, fam_all if fit in ("significant", "all") else tuple(by_name), tuple(mct.families),
                       mct.cont_mat, mct.critical_value, mods_obj.fixed, alternative == "two.sided",
                       significant_only=fit == "significant")
    window = saturation_window(data, curve, delta=delta, p=p, direction=dirn, n_boot=n_boot, seed=seed,
                               n_perm=n_perm, mct_p=min_p, design=design, method=method)
    med = None
    if delta is not None:
        if isinstance(curve, ModelAverage):
            med = TargetDose("TD", float(delta), float("nan") if window.med is None else window.med, float("nan"))
        else:
            med = td(curve, delta, dirn)
            med_df = med.dose
    return MCPModResult(data, mct, tuple(fits), selection, med, window, True, dirn, (*notes, *window.notes), med_df)
