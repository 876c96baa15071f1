"""Sampling covariance of effects that share a control group (multiple-treatment experiments).

Preclinical experiments often compare several treated cohorts (doses, cell sources) with one vehicle control.
Their effects all contain the control's mean (and SD), so their sampling errors are positively correlated. Two
ways to handle it: enter the control with n/k animals in each of the k comparisons (``shared="split"``,
CAMARADES practice; Vesterinen et al. 2014), or keep its full n and give a multilevel model the covariance
between the effects (``shared="covariance"``; Gleser & Olkin 2009). This module computes that covariance.

For two effects i, j that share the control c (full n_c), the covariance is the control's part of the
first-order (delta-method) variance, ``Cov(y_i, y_j) = (dy_i/dtheta_c)' Var(theta_c) (dy_j/dtheta_c)``, written
in the same large-sample form as each measure's variance so that ``i = j`` would give the control's term of
``vi``:

- MD: ``sd_c^2 / n_c``.
- ROM: ``c_c = sd_c^2 / (n_c m_c^2)``; ``bias_corrected``: ``c_c + c_c^2/2`` (Lajeunesse 2015, eq. 9).
- SMD (each effect's SD pooled over its own two groups, as ``escalc`` computes it):
  ``1/n_c + g_i g_j n_c / (2 (n_i + n_c)(n_j + n_c))``; the second term comes from the shared control's
  sample variance in both pooled SDs (Var(s^2) = 2 sigma^4/df).
  ``smd_form="gleser_olkin"``: ``1/n_c + g_i g_j / (2 N)`` with N all animals of the experiment's groups in the
  block, and diagonal ``1/n_i + 1/n_c + g_i^2 / (2 N)``: Gleser LJ & Olkin I (2009) Stochastically dependent effect
  sizes, in Cooper H, Hedges LV & Valentine JC (eds), The Handbook of Research Synthesis and Meta-Analysis, 2nd
  ed., Russell Sage, ch. 19, section on multiple-treatment studies with standardised mean differences. Their
  formula is exact (to first order) when every SMD uses ONE SD pooled over all groups of the study; with
  pairwise-pooled SDs its second term is too large (for equal n: 1/(2(K+1)n) per unit g_i g_j instead of
  1/(8n) for K = 2 treated groups).
- SMDH: ``J_i J_j [g_i g_j sd_c^4 / (8 (n_c - 1) sdp_i^2 sdp_j^2) + sd_c^2 / ((n_c - 1) sdp_i sdp_j)]``, the
  control's term of Bonett's (2009) variance as metafor evaluates it (``sdp^2 = (sd_1^2 + sd_c^2)/2``).
- NMD (``vesterinen``): with ``D = msham - m_c`` held fixed, as that variance does,
  ``100^2 sd_c^2 / (n_c D_i D_j)``: the control term ``(100 sd_c/|D|)^2 / n_c`` of the NMD variance
  (docs/effects.md). ``delta``: ``(100^2 / (D_i^2 D_j^2)) [(m_1i - msham)(m_1j - msham) sd_c^2/n_c]`` plus, when the
  two comparisons also share the sham cohort, ``(100^2/(D_i^2 D_j^2)) (m_1i - m_c)(m_1j - m_c) sd_sham^2/n_sham``
  (the partial derivatives of ``100 (m_1 - m_c)/(msham - m_c)``).

Diagonal entries are each effect's ``vi`` computed with the control's FULL n. Effects must be oriented the same
way within a block (they are: one outcome), so products ``g_i g_j`` do not depend on the orientation.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from painregen.effects.base import FloatArray
from painregen.effects.comparisons import Comparison
from painregen.effects.escalc import escalc
from painregen.effects.measures import get_measure
from painregen.effects.smd import hedges_j

IntArray = npt.NDArray[np.int64]
SmdForm = Literal["pairwise", "gleser_olkin"]
SUPPORTED = ("MD", "ROM", "SMD", "SMDH", "NMD")


class VcovBlock(NamedTuple):
    """Known sampling covariance of the effects ``rows`` (0-based indices into the effect list): ``matrix`` is
    ``(len(rows), len(rows))``, symmetric, with the variances on its diagonal. Unpacks as ``(rows, matrix)``."""

    rows: IntArray
    matrix: FloatArray


def _components(n: int, links: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected components of ``range(n)`` under ``links`` (union-find), each sorted, in order of first member."""
    parent = list(range(n))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b in links:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    comps: dict[int, list[int]] = {}
    for a in range(n):
        comps.setdefault(find(a), []).append(a)
    return list(comps.values())


def _arrays(comps: Sequence[Comparison]) -> dict[str, FloatArray]:
    def col(get: str) -> FloatArray:
        return np.array([np.nan if getattr(c, get) is None else getattr(c, get) for c in comps], dtype=float)

    out = {k: col(k) for k in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "msham", "sdsham", "nsham")}
    out["n2i"] = np.array([c.control_n if c.control_n is not None else c.n2i for c in comps], dtype=float)
    return out


def shared_covariance(measure: str, a: dict[str, FloatArray], yi: FloatArray, same_control: npt.NDArray[np.bool_],
                      same_sham: npt.NDArray[np.bool_], *, variant: str | None = None,
                      smd_form: SmdForm = "pairwise") -> FloatArray:
    """Pairwise covariances (n, n) of n effects from their group summaries ``a`` (``m1i, sd1i, n1i, m2i, sd2i,
    n2i`` with the control's full n, and for NMD ``msham, sdsham, nsham``) and ``yi``; ``same_control[i, j]``
    (``same_sham``) says whether effects i and j share their control (sham) group. The diagonal is left at 0.
    Formulas and sources: the module docstring."""
    spec = get_measure(measure)
    if spec.code not in SUPPORTED:
        raise ValueError(f"no shared-control covariance for measure {spec.code}; supported: {', '.join(SUPPORTED)}")
    var = spec.variant(variant)
    vname = var.name if var is not None else ""
    n2, sd2, m2, n1 = a["n2i"], a["sd2i"], a["m2i"], a["n1i"]
    outer = np.multiply.outer
    with np.errstate(divide="ignore", invalid="ignore"):
        if spec.code == "MD":
            cov = np.broadcast_to(sd2**2 / n2, (yi.size, yi.size)).T.copy()
        elif spec.code == "ROM":
            cc = sd2**2 / (n2 * m2**2)
            term = cc + cc**2 / 2 if vname == "bias_corrected" else cc
            cov = np.broadcast_to(term, (yi.size, yi.size)).T.copy()
        elif spec.code == "SMD" and smd_form == "gleser_olkin":
            n_all = n2[0] + float(np.sum(n1))
            cov = (1 / n2)[:, None] + outer(yi, yi) / (2 * n_all)
        elif spec.code == "SMD":
            cov = (1 / n2)[:, None] + outer(yi, yi) * n2[:, None] / (2 * outer(n1 + n2, n1 + n2))
        elif spec.code == "SMDH":
            sdp2 = (a["sd1i"] ** 2 + sd2**2) / 2
            j = hedges_j(n1 + n2 - 2)
            cov = outer(j, j) * (outer(yi, yi) * (sd2**4 / (8 * (n2 - 1)))[:, None] / outer(sdp2, sdp2)
                                 + (sd2**2 / (n2 - 1))[:, None] / np.sqrt(outer(sdp2, sdp2)))
        else:  # NMD
            d = a["msham"] - m2
            if vname == "delta":
                cov = 1e4 * outer(a["m1i"] - a["msham"], a["m1i"] - a["msham"]) * (sd2**2 / n2)[:, None]
                sham = 1e4 * outer(a["m1i"] - m2, a["m1i"] - m2) * (a["sdsham"] ** 2 / a["nsham"])[:, None]
                cov = (cov * same_control + sham * same_sham) / outer(d**2, d**2)
                np.fill_diagonal(cov, 0.0)
                return cov
            cov = 1e4 * (sd2**2 / n2)[:, None] / outer(d, d)
    cov = np.where(same_control, cov, 0.0)
    np.fill_diagonal(cov, 0.0)
    return cov


def shared_control_vcov(comparisons: Sequence[Comparison], yi: npt.ArrayLike, measure: str, *,
                        variant: str | None = None, smd_form: SmdForm = "pairwise") -> list[VcovBlock]:
    """Covariance blocks of comparisons that share a control group at the same experiment, outcome and time.

    ``comparisons`` come from :func:`painregen.effects.comparisons.build_comparisons` (either rule: the control's
    real n is taken from ``Comparison.control_n``); ``yi`` are their effects (oriented or not, but all the same
    way; used by SMD/SMDH). Comparisons are linked when they share their control (for NMD ``variant="delta"``
    also their sham); each connected set of two or more comparisons whose effect is defined gives one block.
    The diagonal holds ``vi`` at the control's full n (``escalc`` of ``measure``/``variant``; for
    ``smd_form="gleser_olkin"`` Gleser & Olkin's ``1/n_i + 1/n_c + g_i^2/(2N)``). Formulas: module docstring.
    """
    y = np.asarray(yi, dtype=float).ravel()
    if y.size != len(comparisons):
        raise ValueError(f"yi has {y.size} values for {len(comparisons)} comparisons")
    if smd_form not in ("pairwise", "gleser_olkin"):
        raise ValueError(f"smd_form must be 'pairwise' or 'gleser_olkin' (got {smd_form!r})")
    if not comparisons:
        return []
    code = get_measure(measure).code
    if code not in SUPPORTED:
        raise ValueError(f"no shared-control covariance for measure {code}; supported: {', '.join(SUPPORTED)}")
    a = _arrays(comparisons)
    inputs = {k: a[k] for k in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")}
    if code == "NMD":
        inputs |= {k: a[k] for k in ("msham", "sdsham", "nsham")}
    vi = escalc(code, variant=variant, **inputs).vi
    chosen = get_measure(code).variant(variant)
    delta = code == "NMD" and chosen is not None and chosen.name == "delta"
    groups: dict[Hashable, list[int]] = {}
    for i, c in enumerate(comparisons):
        # the control may come from another experiment of the study (build_comparisons pairs across experiments)
        outcome = " ".join(c.outcome.casefold().split())
        groups.setdefault((c.study, c.control_experiment or c.experiment, outcome, c.time_days), []).append(i)
    blocks: list[VcovBlock] = []
    for members in groups.values():
        ok = [i for i in members if np.isfinite(y[i]) and np.isfinite(vi[i])]
        if len(ok) < 2:
            continue
        links = [(p, q) for p in range(len(ok)) for q in range(p + 1, len(ok))
                 if comparisons[ok[p]].control == comparisons[ok[q]].control
                 or (delta and comparisons[ok[p]].sham is not None
                     and _sham(comparisons[ok[p]]) == _sham(comparisons[ok[q]]))]
        for comp in _components(len(ok), links):
            if len(comp) < 2:
                continue
            rows = np.array([ok[p] for p in comp], dtype=np.int64)
            blocks.append(_block(code, variant, smd_form, delta, comparisons, a, y, vi, rows))
    return blocks


def _sham(c: Comparison) -> tuple[str, str] | None:
    """A sham group's identity: its experiment and label (shams are never borrowed across experiments)."""
    return None if c.sham is None else (c.experiment, c.sham)


def _block(code: str, variant: str | None, smd_form: SmdForm, delta: bool, comparisons: Sequence[Comparison],
           a: dict[str, FloatArray], y: FloatArray, vi: FloatArray, rows: IntArray) -> VcovBlock:
    ctl = np.array([comparisons[i].control for i in rows], dtype=object)
    sham = np.empty(len(rows), dtype=object)
    sham[:] = [_sham(comparisons[i]) for i in rows]
    same_c = ctl[:, None] == ctl[None, :]
    same_s = (sham[:, None] == sham[None, :]) & (sham != None)[:, None] if delta else np.zeros_like(same_c)  # noqa: E711
    sub = {k: v[rows] for k, v in a.items()}
    cov = shared_covariance(code, sub, y[rows], same_c, same_s, variant=variant, smd_form=smd_form)
    if code == "SMD" and smd_form == "gleser_olkin":
        n_all = sub["n2i"][0] + float(np.sum(sub["n1i"]))
        diag = 1 / sub["n1i"] + 1 / sub["n2i"] + y[rows] ** 2 / (2 * n_all)
    else:
        diag = vi[rows]
    cov[np.diag_indices_from(cov)] = diag
    cov.setflags(write=False)
    return VcovBlock(rows, cov)


def collapse_vcov(blocks: Sequence[VcovBlock], weights: Sequence[tuple[IntArray, FloatArray]],
                  vi: npt.ArrayLike) -> list[VcovBlock]:
    """Covariance blocks of collapsed effects ``e_r = sum_t w_rt y_t`` (one per comparison over its timepoints).

    ``blocks`` index the per-timepoint effects ``y``; ``weights[r] = (rows, w)`` gives collapsed effect r's
    timepoint rows and weights (:func:`painregen.effects.collapse`: one-hot for ``last``/``peak``, trapezoid
    weights for ``auc``); every timepoint row belongs to one collapsed effect. Timepoints are treated as
    independent, as the AUC variance of ``collapse`` is, so
    ``Cov(e_r, e_s) = sum_B w_r[B]' S_B w_s[B]`` over the per-timepoint blocks B, and the diagonal is the
    collapsed ``vi`` (= sum_t w_rt^2 vi_t). Collapsed effects whose ``vi`` is NaN are left out.
    """
    v = np.asarray(vi, dtype=float)
    owner: dict[int, tuple[int, float]] = {}
    for r, (rows, w) in enumerate(weights):
        for t, wt in zip(rows, w, strict=True):
            owner[int(t)] = (r, float(wt))
    touching: list[tuple[list[int], FloatArray, FloatArray]] = []  # (collapsed rows, weights (len, |B|), S_B)
    links: list[tuple[int, int]] = []
    for rows, mat in blocks:
        who = sorted({owner[int(t)][0] for t in rows if int(t) in owner and owner[int(t)][1] != 0
                      and np.isfinite(v[owner[int(t)][0]])})
        if len(who) < 2:
            continue
        wmat = np.zeros((len(who), len(rows)))
        for col, t in enumerate(rows):
            r, wt = owner.get(int(t), (-1, 0.0))
            if r in who:
                wmat[who.index(r), col] = wt
        touching.append((who, wmat, mat))
        links.extend((who[0], other) for other in who[1:])
    out: list[VcovBlock] = []
    for comp in _components(len(weights), links):
        if len(comp) < 2:
            continue
        pos = {r: i for i, r in enumerate(comp)}
        cov = np.zeros((len(comp), len(comp)))
        for who, wmat, mat in touching:
            if who[0] in pos:
                ix = [pos[r] for r in who]
                cov[np.ix_(ix, ix)] += wmat @ mat @ wmat.T
        cov[np.diag_indices_from(cov)] = v[comp]
        cov.setflags(write=False)
        out.append(VcovBlock(np.array(comp, dtype=np.int64), cov))
    return out
