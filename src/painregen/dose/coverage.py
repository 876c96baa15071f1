"""Coverage of the saturation window's intervals, and how often the verdict claims a decline, by simulation.

Studies are simulated as in :mod:`.simulate` (group means ``ybar ~ N(mu, sigma^2/n)`` and pooled variance
``s^2 ~ sigma^2 chi2_{N-k}/(N-k)``, exact sufficient statistics of normal one-way data) from a true curve.  Each
study is analysed as :func:`painregen.dose.mcp_mod` analyses a real one -- the contrast test, fits of the
significant candidate families, selection, MED and saturation dose -- and, if the test is significant, given the
intervals of the bootstrap of the whole selection (:mod:`.bootstrap`: ``n_boot`` replicates of the group means
and pooled variance, each retested, refitted and reselected).  Reported, among detected studies:

* the coverage of the true MED (TD of the true curve for ``delta``) and of the true saturation dose (ED_p of the
  true curve within the tested range) by the nominal ``level`` intervals (an upper limit "not reached" is
  +infinity), with its binomial standard error;
* the rate of "decline" verdicts (:func:`painregen.dose.window.decline_batch`) -- false when the truth is
  monotone -- and of plateau verdicts (saturation at or below the second-highest dose, no decline, the top-dose
  group not above the curve);
* how often each family was selected.

Everything is vectorised: the bootstrap replicates of ``chunk`` studies are fitted together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .bootstrap import percentile_limits, replicate_means
from .errors import DoseInputError
from .model_defs import get_model
from .mods import CandidateSet, mods
from .mvprob import MaxT
from .opt_contr import opt_contr
from .reselect import NOT_ESTIMABLE_SATURATION, Design, analyse
from .results import ResultMixin, num
from .target_dose import Curves, curve_ed, curve_td
from .window import decline_batch, top_batch


@dataclass(frozen=True, eq=False, repr=False)
class CoverageResult(ResultMixin):
    """Coverage of the window's intervals over ``n_sim`` simulated studies (module docstring)."""

    truth: str
    n_sim: int
    n_detected: int
    n_boot: int
    level: float
    true_med: float | None
    true_saturation: float | None
    med_coverage: float | None
    saturation_coverage: float | None
    decline_rate: float
    plateau_rate: float
    monotone_truth: bool
    selected: dict[str, float] = field(default_factory=dict)

    def _se(self, p: float | None) -> float | None:
        return None if p is None or self.n_detected == 0 else float(np.sqrt(p * (1 - p) / self.n_detected))

    def _title(self) -> str:
        return f"CoverageResult: {self.truth}, {self.n_detected}/{self.n_sim} studies detected"

    def summary(self) -> pd.DataFrame:
        rows = {"detected": self.n_detected / self.n_sim, "med_coverage": self.med_coverage,
                "saturation_coverage": self.saturation_coverage, "decline_rate": self.decline_rate,
                "plateau_rate": self.plateau_rate}
        return pd.DataFrame({"quantity": list(rows), "value": list(rows.values())})

    def to_dict(self) -> dict[str, Any]:
        return {"truth": self.truth, "n_sim": self.n_sim, "n_detected": self.n_detected, "n_boot": self.n_boot,
                "level": self.level, "true_med": num(self.true_med), "true_saturation": num(self.true_saturation),
                "med_coverage": num(self.med_coverage), "med_coverage_se": num(self._se(self.med_coverage)),
                "saturation_coverage": num(self.saturation_coverage),
                "saturation_coverage_se": num(self._se(self.saturation_coverage)),
                "decline_rate": self.decline_rate, "false_decline": self.monotone_truth,
                "plateau_rate": self.plateau_rate, "selected": dict(self.selected)}


def window_coverage(
    doses: ArrayLike, n: ArrayLike, sd: float, models: CandidateSet | str, *, truth: str, max_effect: float,
    delta: float, p: float = 0.9, select: str = "aic", alpha: float = 0.025, level: float = 0.95,
    n_sim: int = 200, n_boot: int = 1000, seed: int = 1, chunk: int = 16, reselect: bool = True,
) -> CoverageResult:
    """Simulate ``n_sim`` studies from the single-model SPEC ``truth`` (maximum effect ``max_effect``) and report
    the coverage of the MED and saturation intervals and the decline rate (module docstring). ``reselect=False``
    gives the intervals painregen reported before (only the selected family refitted in each replicate), for
    comparison."""
    d = np.unique(np.asarray(doses, dtype=float))
    nv = np.broadcast_to(np.asarray(n, dtype=float), d.shape).copy()
    if d.size < 4 or np.any(nv < 2) or not sd > 0:
        raise DoseInputError("coverage simulation needs >= 4 doses, n >= 2 per group and sd > 0")
    cand = mods(models, d)
    true = mods(truth, d, max_eff=max_effect)
    if len(true.candidates) != 1:
        raise DoseInputError("truth must name exactly one model")
    t_def = get_model(true.candidates.candidates[0].family)
    t_curve = Curves.single(t_def, np.array(true.coefs[true.names[0]]), true.fixed)
    mu = true.get_resp()[:, 0]
    df = float(nv.sum() - d.size)
    cm = opt_contr(cand, w=nv).cont_mat
    se_unit = np.sqrt(np.einsum("km,k,km->m", cm, 1.0 / nv, cm))
    crit = MaxT((cm.T * (1.0 / nv)) @ cm / np.outer(se_unit, se_unit), df, False).quantile(alpha)
    fams = tuple(dict.fromkeys(c.family for c in cand.candidates))
    design = Design.raw(d, nv, fams, tuple(c.family for c in cand.candidates), cm, crit, cand.fixed)
    rng = np.random.default_rng(seed)
    ybar = mu + sd / np.sqrt(nv) * rng.standard_normal((n_sim, d.size))
    s2 = sd**2 * rng.chisquare(df, n_sim) / df
    point = analyse(design, ybar, s2, s2 * df, method=select, delta=delta, p=p, direction="increasing")
    det = np.flatnonzero(point.significant)
    true_med = float(curve_td(t_curve, d[-1], delta)[0])
    true_sat = float(curve_ed(t_curve, d[-1], p)[0])
    if t_def.name in NOT_ESTIMABLE_SATURATION:
        true_sat = float("nan")
    covered_med = np.zeros(det.size, dtype=bool)
    covered_sat = np.zeros(det.size, dtype=bool)
    for start in range(0, det.size, chunk):
        rows = det[start:start + chunk]
        draws, rep = replicate_means(rng, ybar[rows], np.diag(1.0 / nv), s2[rows], df, n_boot)
        med_b, sat_b = np.empty(rows.size * n_boot), np.empty(rows.size * n_boot)
        chosen = np.repeat(point.chosen[rows], n_boot)
        for method, sub in ([(select, np.arange(chosen.size))] if reselect else
                            [(fams[j], np.flatnonzero(chosen == j)) for j in np.unique(chosen)]):
            boot = analyse(design, draws[sub], rep[sub], rep[sub] * df, method=method, delta=delta, p=p,
                           direction="increasing", rng=rng)
            med_b[sub], sat_b[sub] = boot.med, boot.saturation
        for values, truth_v, out in ((med_b, true_med, covered_med), (sat_b, true_sat, covered_sat)):
            lo, hi = percentile_limits(values.reshape(rows.size, n_boot), level)
            out[start:start + rows.size] = (lo <= truth_v) & (truth_v <= hi)
    cov = s2[det, None, None] * np.diag(1.0 / nv)[None]
    curves = point.curves.rows(det)
    dec = decline_batch(curves, d, ybar[det], cov, df, 1.0, level)
    above = top_batch(curves, d, ybar[det], cov, df, 1.0, level)[3]
    sat = point.saturation[det]
    plateau = np.isfinite(sat) & (sat <= d[-2]) & ~dec.detected & ~above
    nd = max(det.size, 1)
    monotone = t_def.name not in ("quadratic", "betaMod")
    return CoverageResult(
        truth=truth, n_sim=n_sim, n_detected=int(det.size), n_boot=n_boot, level=level,
        true_med=true_med if np.isfinite(true_med) else None,
        true_saturation=true_sat if np.isfinite(true_sat) else None,
        med_coverage=float(covered_med.mean()) if det.size and np.isfinite(true_med) else None,
        saturation_coverage=float(covered_sat.mean()) if det.size and np.isfinite(true_sat) else None,
        decline_rate=float(dec.detected.sum() / nd), plateau_rate=float(plateau.sum() / nd), monotone_truth=monotone,
        selected={f: float(np.mean(point.weights[det, j])) for j, f in enumerate(fams)} if det.size else {})


@dataclass(frozen=True)
class Scenario:
    """One row of the coverage table of docs/dose.md: a design, a true curve and a selection method."""

    name: str
    truth: str
    select: str = "aic"
    max_effect: float = 2.0
    n: int = 10
    doses: tuple[float, ...] = (0.0, 1.0, 3.0, 10.0, 30.0)
    sd: float = 1.0
    models: str = "linear,emax:3,emax:12,sigEmax:15/3,betaMod:0.5/0.5"  # painregen dose's default set at 30

    @property
    def delta(self) -> float:
        return self.max_effect / 2

    def run(self, n_sim: int, n_boot: int, seed: int, reselect: bool = True) -> CoverageResult:
        return window_coverage(self.doses, self.n, self.sd, self.models, truth=self.truth,
                               max_effect=self.max_effect, delta=self.delta, select=self.select, n_sim=n_sim,
                               n_boot=n_boot, seed=seed, reselect=reselect)


# vehicle + 4 doses (1, 3, 10, 30), 10 animals per group, SD 1, maximum effect 2 SD, MED for 1 SD
SCENARIOS: tuple[Scenario, ...] = (
    Scenario("Emax, plateau (ED50 3)", "emax:3"),
    Scenario("steep sigmoid Emax (ED50 5, h 3)", "sigEmax:5/3"),
    Scenario("Emax still rising (ED50 20)", "emax:20"),
    Scenario("inverted U (beta 1/1)", "betaMod:1/1"),
    Scenario("linear", "linear"),
    Scenario("Emax, plateau, weak (1.2 SD, n 8)", "emax:3", max_effect=1.2, n=8),
    Scenario("Emax, plateau, aveAIC", "emax:3", select="aveAIC"),
    Scenario("steep sigmoid Emax, aveAIC", "sigEmax:5/3", select="aveAIC"),
)
