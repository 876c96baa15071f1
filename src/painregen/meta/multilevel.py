"""Multilevel and multivariate meta-analysis: metafor's ``rma.mv``, fitted by REML or ML.

Model (Konstantopoulos 2011, Res Synth Methods 2:61-76; Berkey et al. 1998, Stat Med 17:2537): y = Xb + random
effects + e with e ~ N(0, V): V = diag(v), or a known sampling covariance given as blocks (e.g. effects sharing
a control group; Gleser & Olkin 2009, Handbook of Research Synthesis and Meta-Analysis, 2nd ed., ch. 19), as
metafor's ``rma.mv(yi, V, random = ...)``. Random effects: nested random intercepts (``clusters=[outer, inner]``,
metafor's ``random = ~ 1 | outer/inner``), or any list of metafor ``random`` formulas (crossed ``~ 1 | lab`` and
``~ 1 | strain``; ``~ inner | outer`` with ``struct`` CS, HCS, UN, ID, DIAG, AR, HAR; random slopes ``~ x | study``
with ``struct = "GEN"``; :mod:`painregen.meta.random_terms`). The (restricted) log-likelihood (Harville 1977,
JASA 72:320-338)::

    ML:   -1/2 [k log(2 pi) + log|M| + r'M^-1 r]
    REML: -1/2 [(k-p) log(2 pi) + log|M| + log|X'M^-1X| + r'M^-1 r] + 1/2 log|X'X|

is maximised over the variance parameters (:mod:`painregen.meta.mv_model`: the covariance model and its blocks;
:mod:`painregen.meta.varcomp`: likelihood, score and information; :mod:`painregen.meta.varcomp_opt`: Newton /
Fisher scoring with an active set and step halving, falling back to L-BFGS-B and Powell and to further starting
values, as metafor falls back between optimisers). Every quantity is assembled block by block (independent
groups of rows), so no k x k matrix is formed unless the random effects link all rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from painregen.meta.blocks import BlockGroup, apply_minv, check_vcov, evaluate, kept_vcov
from painregen.meta.control import Control
from painregen.meta.design import build_design
from painregen.meta.inference import Wald, critical_value, level_to_alpha, wald
from painregen.meta.mv_model import Layout, fit_model, model_blocks
from painregen.meta.random_terms import build_terms, contain_dfs, missing_mask
from painregen.meta.results_mv import RmaMvResult
from painregen.meta.rma import clean_inputs
from painregen.meta.wls import wls

FloatArray = np.ndarray
MV_TESTS = ("z", "t")
DFS = ("residual", "contain")


def _as_data(data: Any, k: int) -> dict[str, list[Any]]:
    if data is None:
        raise ValueError("random formulas name columns of data=: give a DataFrame or a mapping of columns")
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(dict(data))
    if len(frame) != k:
        raise ValueError(f"data has {len(frame)} rows but yi has {k}")
    return {str(c): frame[c].tolist() for c in frame.columns}


def rma_mv(
    yi: Any,
    vi: Any,
    *,
    clusters: Sequence[Any] | None = None,
    random: str | Sequence[str] | None = None,
    data: Any = None,
    struct: str | Sequence[str] = "CS",
    mods: Any = None,
    method: str = "REML",
    test: str = "z",
    dfs: str | Sequence[float] = "residual",
    level: float = 95,
    intercept: bool = True,
    control: Control | Mapping[str, Any] | None = None,
    V: Sequence[tuple[Any, Any]] | None = None,
) -> RmaMvResult:
    """Multilevel / multivariate meta-analysis (metafor's ``rma.mv``).

    Random effects, either
    - ``clusters``: nested random intercepts given as label arrays, outermost first (``clusters=[study,
      experiment]`` is metafor's ``random = ~ 1 | study/experiment``); or
    - ``random``: metafor formulas over the columns of ``data`` (a DataFrame or mapping, one row per effect):
      ``"~ 1 | lab"``, ``["~ 1 | lab", "~ 1 | strain"]`` (crossed), ``"~ 1 | study/experiment"`` (nested),
      ``"~ outcome | cohort"`` with ``struct`` "CS", "HCS", "UN", "ID", "DIAG", "AR" or "HAR" (``tau2``, ``rho``;
      a second such term gets ``gamma2``, ``phi``; ``struct`` may then list two), ``"~ dose | study"`` with
      ``struct="GEN"`` (random intercept and slope). A ``~ 1 | id`` term whose grouping has a single level keeps
      sigma2 = 0, as metafor does.

    ``test``: "z", or "t" (t and F tests). ``dfs``: "residual" (k - p df), "contain" (metafor's containment df,
    which implies ``test="t"``; :func:`painregen.meta.random_terms.contain_dfs`) or one df per coefficient.
    ``mods``: as in :func:`painregen.meta.rma` (a formula reads ``data``).
    ``V``: known sampling covariances as blocks ``(rows, matrix)`` (0-based row indices into ``yi``; a symmetric
    positive-definite matrix whose diagonal equals ``vi`` at those rows), e.g.
    :func:`painregen.effects.covariance.shared_control_vcov`. Blocks must not overlap; with ``clusters`` each must
    lie inside one outermost cluster; rows outside every block have variance ``vi`` and no covariance. With ``V``
    the fit is metafor's ``rma.mv(yi, V, random = ...)`` with V the block-diagonal matrix; ``QE`` then uses V^-1
    (generalised least squares), as metafor does.
    """
    ctl = Control.make(control)
    if method not in ("REML", "ML"):
        raise ValueError("rma_mv supports method 'REML' or 'ML'")
    if test not in MV_TESTS:
        raise ValueError(f"rma_mv test must be one of {MV_TESTS}")
    if isinstance(dfs, str):
        if dfs not in DFS:
            raise ValueError(f"dfs must be one of {DFS} or one number per coefficient")
        if dfs == "contain":
            test = "t"
    elif test != "t":
        test = "t"
    if (clusters is None) == (random is None):
        raise ValueError("give either clusters= (nested random intercepts) or random= (metafor formulas)")
    alpha = level_to_alpha(level)
    y_all = np.asarray(yi, dtype=float)
    k_all = y_all.size
    if clusters is not None:
        if len(clusters) < 1:
            raise ValueError("give at least one cluster label array")
        columns: dict[str, list[Any]] = {}
        for j, c in enumerate(clusters):
            arr = np.asarray(c, dtype=object)
            if arr.shape != y_all.shape:
                raise ValueError("each cluster label array must have the same length as yi")
            columns[f".level{j + 1}"] = [str(x) if not _missing(x) else None for x in arr]
        formulas = ["~ 1 | " + "/".join(columns)]
        outer_labels = np.asarray(clusters[0], dtype=object)
    else:
        formulas = [random] if isinstance(random, str) else list(random or [])
        if not formulas:
            raise ValueError("random= needs at least one formula")
        columns = _as_data(data, k_all)
        outer_labels = np.zeros(k_all, dtype=object)  # blocks of V may span groups: they merge them
    structs = [struct] if isinstance(struct, str) else list(struct)
    y_in = np.where(missing_mask(formulas, columns, k_all), np.nan, y_all)
    vcov_all = check_vcov(V, np.asarray(vi, dtype=float).ravel(), outer_labels)
    frame_data = data if isinstance(data, pd.DataFrame) else None
    y, v, frame, _, keep = clean_inputs(y_in, vi, mods, data=frame_data)
    vcov = kept_vcov(vcov_all, keep)
    design = build_design(frame, y.size, intercept=intercept)
    X = design.X
    k, p = X.shape
    if k <= p:
        raise ValueError(f"too few effects (k = {k}) for {p} coefficients")
    intercepts, structured = build_terms(formulas, columns, structs, keep)
    fixed = np.zeros(len(intercepts) + sum(s.structure.n_params for s in structured), dtype=bool)
    fixed[: len(intercepts)] = [t.n_levels == 1 for t in intercepts]
    layout = Layout(n_sigma2=len(intercepts), structures=tuple(structured), fixed_zero=fixed)
    groups = model_blocks(intercepts, structured, k, vcov)
    fit = fit_model(groups, layout, y, v, X, method == "REML", ctl, _param_names(layout))
    ev, theta = fit.ev, fit.theta
    btt = list(range(1, p)) if (design.intercept and p > 1) else list(range(p))
    if isinstance(dfs, str) and dfs == "contain":
        ddfs: list[float] | None = [float(d) for d in contain_dfs(X, intercepts, structured)]
    elif not isinstance(dfs, str):
        ddfs = [float(d) for d in dfs]
        if len(ddfs) != p:
            raise ValueError(f"dfs gives {len(ddfs)} values for {p} coefficients")
    else:
        ddfs = None
    ddf: float | None = None if test == "z" else float(k - p)
    if ddfs is not None:
        w = _wald_dfs(ev.b, ev.vb, btt, alpha, ddfs)
        ddf = ddfs[0] if len(set(ddfs)) == 1 else min(ddfs)
    else:
        w = wald(ev.b, ev.vb, btt, alpha, ddf)
    qe = float(wls(y, 1.0 / v, X).ypy) if not vcov else _qe_gls(groups, y, v, X)
    qe_df = k - p
    tau_rho = [s.structure.report(theta[p0:p1]) for (p0, p1, _, _), s in zip(layout.spans, structured, strict=True)]
    empty = np.zeros(0)
    general = random is not None
    return RmaMvResult(
        yi=y, vi=v, X=X, terms=design.terms, intercept=design.intercept, method=method, test=test,
        level=float(level), alpha=alpha, k=k, p=p, b=ev.b, vb=ev.vb, se=w.se, stat=w.stat, pval=w.pval,
        ci_low=w.ci_low, ci_high=w.ci_high, ddf=None if ddf is None else round(ddf),
        sigma2=theta[: len(intercepts)], s_nlevels=tuple(t.n_levels for t in intercepts),
        QE=qe, QE_df=qe_df, QE_p=float(stats.chi2.sf(qe, qe_df)),
        btt=tuple(btt), QM=w.QM, QM_df=w.QM_df, QM_p=w.QM_p, logLik=ev.ll, iterations=fit.iterations,
        codes=tuple(t.codes for t in intercepts), k_omitted=int((~keep).sum()), control=ctl,
        vcov_blocks=tuple(vcov),
        s_names=tuple(t.label for t in intercepts) if general else (),
        random=tuple(formulas) if general else (), struct=tuple(s.structure.struct for s in structured),
        tau2=tau_rho[0][0] if tau_rho else empty, rho=tau_rho[0][1] if tau_rho else empty,
        gamma2=tau_rho[1][0] if len(tau_rho) > 1 else empty, phi=tau_rho[1][1] if len(tau_rho) > 1 else empty,
        g_levels=tuple(s.inner_levels for s in structured), g_nlevels=tuple(s.n_outer for s in structured),
        struct_cov=tuple((s.outer_codes, s.Z, s.structure.sigma(theta[p0:p1]))
                         for (p0, p1, _, _), s in zip(layout.spans, structured, strict=True)),
        dfs=dfs if isinstance(dfs, str) else "given", ddfs=tuple(ddfs) if ddfs is not None else None,
        QM_ddf=w.QM_ddf, optimizer=fit.optimizer,
    )


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and np.isnan(x))


def _param_names(layout: Layout) -> list[str]:
    """metafor's names of the parameters (sigma2.j, then tau2/rho, gamma2/phi per structure)."""
    names = [f"sigma2.{j + 1}" for j in range(layout.n_sigma2)]
    for n, s in enumerate(layout.structures):
        var, cor = ("tau2", "rho") if n == 0 else ("gamma2", "phi")
        kinds = s.structure.kinds
        if s.structure.struct in ("UN", "GEN"):
            names += [f"{var}/{cor} (Cholesky {j + 1})" for j in range(len(kinds))]
        else:
            nv = sum(kd in ("var", "sd") for kd in kinds)
            names += [f"{var}.{j + 1}" if nv > 1 else var for j in range(nv)] + [cor] * (len(kinds) - nv)
    return names


def _wald_dfs(b: FloatArray, vb: FloatArray, btt: list[int], alpha: float, ddfs: Sequence[float]) -> Wald:
    """Wald t tests with one df per coefficient; the omnibus F test uses the smallest df of the tested
    coefficients (metafor's ``dfs = "contain"``)."""
    base = wald(b, vb, btt, alpha, None)
    df = np.asarray(ddfs, dtype=float)
    crit = np.array([critical_value(alpha, d) for d in df])
    pval = 2.0 * stats.t.sf(np.abs(base.stat), df)
    m = len(btt)
    qdf = float(min(df[btt]))
    qm = base.QM / m
    return Wald(se=base.se, stat=base.stat, pval=pval, ci_low=b - crit * base.se, ci_high=b + crit * base.se,
                QM=qm, QM_df=m, QM_ddf=qdf, QM_p=float(stats.f.sf(qm, m, qdf)))


def _qe_gls(groups: list[BlockGroup], y: FloatArray, v: FloatArray, X: FloatArray) -> float:
    """Residual heterogeneity Q_E = r' V^-1 r of the GLS fit with the known V (metafor's ``QE`` for rma.mv)."""
    ev = evaluate(groups, v, np.zeros(len(groups[0].G)))
    VX = apply_minv(groups, ev, X)
    b = np.linalg.solve(X.T @ VX, VX.T @ y)
    r = y - X @ b
    return float(r @ apply_minv(groups, ev, r))
