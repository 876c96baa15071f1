"""Multiple contrast test for a dose-response signal (DoseFinding's ``MCTtest``).

With group means ``ybar`` of covariance ``S`` and contrasts ``c_m`` (columns of C), the statistics are
``t_m = c_m' ybar / sqrt(c_m' S c_m)``; jointly they follow a multivariate t with ``df`` degrees of
freedom (``df = N - k`` for raw data; ``inf``, the multivariate normal, for summary data) and
correlation ``C'SC`` scaled to unit diagonal.  The critical value solves ``P(max_m T_m < c) = 1 -
alpha`` and the multiplicity-adjusted p-value of contrast m is ``1 - P(max T < t_m)``; two-sided
versions use ``|T|`` (Bretz, Pinheiro & Branson 2005, Biometrics 61:738; Hothorn, Bretz & Westfall
2008, Biom J 50:346; Pinheiro et al. 2014, Stat Med 33:1646).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from .data import DoseData
from .errors import DoseInputError
from .mods import CandidateSet, Direction, Mods, mods
from .mvprob import DEFAULT_CONTROL, MaxT, MVControl
from .opt_contr import OptContr, opt_contr
from .results import MCTResult

Alternative = Literal["one.sided", "two.sided"]


def resolve_models(
    models: Mods | CandidateSet | str, data: DoseData, *, direction: Direction = "increasing",
    scal: float | None = None, off: float | None = None,
) -> Mods:
    """Candidate shapes resolved at the data's doses (a ready ``Mods`` is checked and kept)."""
    if isinstance(models, Mods):
        if not np.allclose(np.asarray(models.doses), data.doses):
            raise DoseInputError("the candidate models were resolved at other doses than the data's")
        return models
    return mods(models, data.doses, direction=direction, scal=scal, off=off)


def mct_test(
    data: DoseData,
    models: Mods | CandidateSet | str,
    *,
    alpha: float = 0.025,
    alternative: Alternative = "one.sided",
    direction: Direction = "increasing",
    scal: float | None = None,
    off: float | None = None,
    contrasts: OptContr | None = None,
    control: MVControl = DEFAULT_CONTROL,
) -> MCTResult:
    """Model-based multiple contrast test of ``data`` against candidate shapes ``models``."""
    if not 0 < alpha < 1:
        raise DoseInputError(f"alpha={alpha} must lie in (0, 1)")
    if alternative not in ("one.sided", "two.sided"):
        raise DoseInputError(f"alternative must be 'one.sided' or 'two.sided', not {alternative!r}")
    if contrasts is None:
        mods_obj = resolve_models(models, data, direction=direction, scal=scal, off=off)
        contrasts = opt_contr(mods_obj, cov=data.cov)
    cm = contrasts.cont_mat
    if cm.shape[0] != data.k:
        raise DoseInputError(f"the contrast matrix has {cm.shape[0]} rows for {data.k} doses")
    se = np.sqrt(np.einsum("km,kl,lm->m", cm, data.cov, cm))
    t = cm.T @ data.means / se
    corr = contrasts.corr(data.cov)
    two = alternative == "two.sided"
    dist = MaxT(corr, data.df, two, control)
    crit = dist.quantile(alpha)
    stat = np.abs(t) if two else t
    p = np.array([dist.sf(float(s)) for s in stat])
    p = np.clip(p, 0.0, 1.0)
    return MCTResult(
        names=contrasts.names, families=contrasts.families, doses=data.doses, cont_mat=cm, cor_mat=corr,
        t_stats=t, p_adj=p,
        critical_value=crit, df=data.df, alpha=alpha, alternative=alternative,
    )
