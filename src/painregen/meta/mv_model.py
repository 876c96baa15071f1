"""The covariance model of :func:`painregen.meta.rma_mv` with general random terms, and its fit.

``M = V + sum_t sigma2_t [same level of term t] + sum_s [same outer of s] * (Z_s Sigma_s Z_s')``
(:mod:`painregen.meta.random_terms`, :mod:`painregen.meta.mv_struct`) is linear in the covariance elements
``e`` (the sigma2 and the elements of each ``Sigma_s``), so the likelihood and its derivatives in ``e`` come from
:mod:`painregen.meta.varcomp`. The optimiser (:mod:`painregen.meta.varcomp_opt`) works on the parameters
``theta`` (sigma2, and each structure's variances / standard deviations / correlations / Cholesky factor) with
``e = e(theta)``: score ``J's_e``, expected information ``J'I_e J`` and observed information
``J'O_e J - sum_m s_e,m d2 e_m / d theta d theta'`` (chain rule; ``J = de/dtheta``). Rows that share no random
effect and no sampling covariance are independent; ``M`` is block-diagonal over the connected components of the
"shares a random effect" graph, so crossed terms (``~ 1 | lab``, ``~ 1 | strain``) merge their clusters into one
block and nested ones keep the outer clusters as blocks.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
from scipy import optimize, sparse
from scipy.sparse import csgraph

from painregen.meta.blocks import BlockGroup, blocks_from, same_level
from painregen.meta.control import Control
from painregen.meta.random_terms import InterceptTerm, StructTerm
from painregen.meta.ray import RayBasis
from painregen.meta.tau2 import tau2_dl
from painregen.meta.varcomp import VcEval, evaluate_vc
from painregen.meta.varcomp_dense import (
    DenseModel,
    PaddedModel,
    evaluate_dense,
    evaluate_padded,
    fast_form,
)
from painregen.meta.varcomp_opt import Point, Problem, maximise, unidentified

FloatArray = np.ndarray


@dataclass(frozen=True, eq=False)
class Layout:
    """Where each parameter and element sits: ``n_sigma2`` intercept variances first, then the structures."""

    n_sigma2: int
    structures: tuple[StructTerm, ...]
    fixed_zero: FloatArray  # boolean per parameter: held at 0 (a term with a single level, as metafor does)

    @property
    def spans(self) -> list[tuple[int, int, int, int]]:
        """Per structure: (first parameter, end, first element, end)."""
        out, pp, ee = [], self.n_sigma2, self.n_sigma2
        for s in self.structures:
            st = s.structure
            out.append((pp, pp + st.n_params, ee, ee + st.basis.shape[0]))
            pp, ee = pp + st.n_params, ee + st.basis.shape[0]
        return out

    @property
    def n_params(self) -> int:
        return self.n_sigma2 + sum(s.structure.n_params for s in self.structures)

    @property
    def kinds(self) -> tuple[str, ...]:
        return ("var",) * self.n_sigma2 + tuple(k for s in self.structures for k in s.structure.kinds)

    def elements(self, theta: FloatArray) -> FloatArray:
        parts = [theta[: self.n_sigma2]]
        for (p0, p1, _, _), s in zip(self.spans, self.structures, strict=True):
            parts.append(s.structure.to_elements(theta[p0:p1]))
        return np.concatenate(parts) if parts else np.zeros(0)

    def chain(self, theta: FloatArray, ev: VcEval) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Score, expected and observed information in ``theta`` from those in the elements (module docstring)."""
        n_el = ev.score.size
        Jm = np.zeros((n_el, theta.size))
        Jm[: self.n_sigma2, : self.n_sigma2] = np.eye(self.n_sigma2)
        H2 = np.zeros((theta.size, theta.size))
        for (p0, p1, e0, e1), s in zip(self.spans, self.structures, strict=True):
            st, t = s.structure, theta[p0:p1]
            Jm[e0:e1, p0:p1] = st.jacobian(t)
            H2[p0:p1, p0:p1] = _second_term(st.to_elements, t, ev.score[e0:e1])
        score = Jm.T @ ev.score
        info = Jm.T @ ev.info @ Jm
        obs = Jm.T @ ev.obs @ Jm - H2
        return score, (info + info.T) / 2, (obs + obs.T) / 2


def _second_term(fun: Callable[[FloatArray], FloatArray], t: FloatArray, s: FloatArray) -> FloatArray:
    """``sum_m s_m d2 e_m / dt dt'`` by central differences (exact up to rounding for maps of degree <= 3; it only
    shapes the Newton steps, never the optimum, which the analytic score fixes)."""
    n = t.size
    h = 1e-4 * np.maximum(1.0, np.abs(t))
    out = np.zeros((n, n))
    for a in range(n):
        for b in range(a, n):
            def f(da: float, db: float, a: int = a, b: int = b) -> float:
                u = t.copy()
                u[a] += da * h[a]
                u[b] += db * h[b]
                return float(s @ fun(u))
            out[a, b] = out[b, a] = (f(1, 1) - f(1, -1) - f(-1, 1) + f(-1, -1)) / (4 * h[a] * h[b])
    return out


def components(k: int, groupings: Sequence[np.ndarray], vcov: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Connected components of rows linked by a shared code of any grouping or a shared sampling-covariance block."""
    rows_l: list[np.ndarray] = []
    cols_l: list[np.ndarray] = []
    offset = k
    for codes in groupings:
        rows_l.append(np.arange(k))
        cols_l.append(offset + codes)
        offset += int(codes.max()) + 1 if codes.size else 0
    for rows, _ in vcov:
        rows_l.append(np.asarray(rows))
        cols_l.append(np.full(len(rows), offset))
        offset += 1
    r = np.concatenate(rows_l) if rows_l else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols_l) if cols_l else np.zeros(0, dtype=np.int64)
    graph = sparse.coo_matrix((np.ones(r.size), (r, c)), shape=(offset, offset))
    _, labels = csgraph.connected_components(graph, directed=False)
    return np.asarray(labels[:k], dtype=np.int64)


def _struct_builder(term: StructTerm, B: FloatArray) -> Callable[[np.ndarray], np.ndarray]:
    same = same_level(term.outer_codes)

    def build(rows: np.ndarray) -> np.ndarray:
        Z = term.Z[rows]
        return np.asarray(same(rows) * np.einsum("bip,pq,bjq->bij", Z, B, Z))

    return build


def model_blocks(intercepts: Sequence[InterceptTerm], structured: Sequence[StructTerm], k: int,
                 vcov: Sequence[tuple[np.ndarray, np.ndarray]]) -> list[BlockGroup]:
    """Block groups with one ``G`` per covariance element (intercept terms first, then each structure's basis)."""
    block = components(k, [t.codes for t in intercepts] + [s.outer_codes for s in structured], vcov)
    builders = [same_level(t.codes) for t in intercepts]
    for s in structured:
        builders += [_struct_builder(s, B) for B in s.structure.basis]
    return blocks_from(block, builders, vcov)


@dataclass(frozen=True, eq=False)
class MvFit:
    theta: FloatArray
    ev: VcEval
    iterations: int
    unidentified: FloatArray
    optimizer: str


def _starts(layout: Layout, total: float) -> list[FloatArray]:
    """Starting values: the DerSimonian-Laird tau2 (a tenth of the mean sampling variance when that is 0) split
    equally over the random terms with correlations 0.5; then correlations 0, 0.9 and -0.5 (all of them are
    tried: :func:`fit_model`); with intercept terms only, all of it at the first, then at the last term."""
    n_terms = layout.n_sigma2 + len(layout.structures)
    share = total / max(n_terms, 1)
    out = []
    for rho in (0.5, 0.0, 0.9, -0.5):
        th = [np.full(layout.n_sigma2, share)]
        th += [s.structure.start(share, rho) for s in layout.structures]
        out.append(np.concatenate(th))
        if not layout.structures:
            break
    if not layout.structures and layout.n_sigma2 > 1:
        for j in (0, layout.n_sigma2 - 1):
            s = np.zeros(layout.n_sigma2)
            s[j] = total
            out.append(s)
    return [np.where(layout.fixed_zero, 0.0, s) for s in out]


def _probes(layout: Layout, size: float, ll: Callable[[FloatArray], float],
            ray: Callable[[Sequence[int]], Callable[[float], float] | None] | None = None) -> list[FloatArray]:
    """Where else to look for a higher maximum (the restricted likelihood of variance components often has a second
    maximum on a face where other components vanish): along each variance (standard deviation, Cholesky diagonal)
    alone, and along all of them equal, the best point by a bounded Brent search over ``log(t)``, ``t`` from 1e-4
    to 10 x ``size`` (``ll``: the log-likelihood at full parameters, -inf where undefined); off-diagonal factors 0,
    correlations 0, 0.8 and -0.8 (a correlation can have a second maximum near the other end of its range).
    ``ray``: for models of random intercepts only, the log-likelihood along the ray of the given variances
    (:meth:`painregen.meta.ray.RayBasis.loglik`, the same values at a fraction of the cost), or None."""
    kinds = layout.kinds
    var_idx = [i for i, kd in enumerate(kinds) if kd in ("var", "sd", "chol_diag") and not layout.fixed_zero[i]]
    if not var_idx:
        return []
    cor = [i for i, kd in enumerate(kinds) if kd == "cor"]
    dirs = [[j] for j in var_idx] + ([var_idx] if len(var_idx) > 1 else [])
    out = []
    for r in (0.0, 0.8, -0.8) if cor else (0.0,):
        for d in dirs:
            def point(u: float, d: list[int] = d, r: float = r) -> FloatArray:
                th = np.zeros(len(kinds))
                for i in d:
                    th[i] = size * np.exp(u) if kinds[i] == "var" else np.sqrt(size * np.exp(u))
                th[cor] = r
                return th

            along = ray(d) if ray is not None else None
            objective = ((lambda u, point=point: -ll(point(u))) if along is None
                         else (lambda u, along=along: -along(size * float(np.exp(u)))))
            res = optimize.minimize_scalar(objective, bounds=(np.log(1e-4), np.log(10.0)),
                                           method="bounded", options={"xatol": 0.02, "maxiter": 40})
            out.append(point(float(res.x)))
    return out


@dataclass(frozen=True, eq=False)
class Box:
    """What :func:`fit_model` maximises over: the bounds and typical sizes of the parameters, ``total`` (the
    DerSimonian-Laird tau2 of ``X``, a tenth of the mean sampling variance when that is 0: the starts' scale) and
    ``size`` (the probes' scale, ``var(y) + mean(v)``)."""

    total: float
    size: float
    lower: FloatArray
    upper: FloatArray
    scale: FloatArray

    @classmethod
    def of(cls, layout: Layout, y: FloatArray, v: FloatArray, X: FloatArray, control: Control) -> Box:
        return cls.around(layout, y, v, float(tau2_dl(y, v, X, control)))

    @classmethod
    def around(cls, layout: Layout, y: FloatArray, v: FloatArray, total: float) -> Box:
        """The box for the DerSimonian-Laird ``total`` (:meth:`of`, which computes it)."""
        if total <= 0:
            total = 0.1 * float(np.mean(v))
        size = float(np.var(y)) + float(np.mean(v))
        cap = 1e4 * (float(np.var(y)) + float(np.max(v)))  # far beyond any variance these data can support
        kinds = np.array(layout.kinds)
        var_scale = max(total, float(np.mean(v)))
        scale = np.select([kinds == "var", kinds == "cor"], [var_scale, 1.0], np.sqrt(var_scale))
        lower = np.concatenate([np.zeros(layout.n_sigma2)] + [s.structure.lower for s in layout.structures])
        upper = np.concatenate([np.full(layout.n_sigma2, np.inf)] + [s.structure.upper for s in layout.structures])
        upper = np.where(kinds == "var", np.minimum(upper, cap), np.minimum(upper, np.sqrt(cap)))
        lower = np.where(kinds == "chol_off", -np.sqrt(cap), lower)
        return cls(total=total, size=size, lower=lower, upper=upper, scale=scale)


def fit_model(groups: list[BlockGroup], layout: Layout, y: FloatArray, v: FloatArray, X: FloatArray, reml: bool,
              control: Control, names: Sequence[str], *, form: DenseModel | PaddedModel | None = None,
              start: FloatArray | None = None, rays: RayBasis | None = None) -> MvFit:
    """Maximise the (restricted) likelihood over the parameters of ``layout`` (module docstring); ``names`` label
    the parameters in warnings and errors. ``form``: the same model as k x k matrices or padded to one group
    (:func:`painregen.meta.varcomp_dense.fast_form`, faster; same results to rounding), chosen here when not
    given; ``start``: parameters tried first (e.g. the optimum of a neighbouring model in a profile), before the
    usual starts; ``rays``: the reductions for the second-maximum probes of a model of random intercepts
    (:class:`painregen.meta.ray.RayBasis` of ``groups`` and ``v``; made here when not given).
    The fit uses the orthonormal ``Q`` of ``X = QR`` in place of ``X`` (the likelihood depends on ``X`` only
    through its column space: REML's ``log|X'M^-1X| - log|X'X| = log|Q'M^-1Q|``), so that ill-conditioned
    covariates (doses of 10^7 cells beside dummies) do not cost the log-determinants their precision;
    ``b = R^-1 b_Q`` and ``vb = R^-1 vb_Q R^-T``."""
    Q, R = np.linalg.qr(X)
    if form is None:
        form = fast_form(groups, v)
    free = ~layout.fixed_zero
    n = layout.n_params
    linear = not layout.structures

    def full(t: FloatArray) -> FloatArray:
        th = np.zeros(n)
        th[free] = t
        return th

    def evaluate(t: FloatArray, derivs: bool) -> Point:
        th = full(t)
        if isinstance(form, DenseModel):
            ev = evaluate_dense(form, y, Q, layout.elements(th), reml, derivs)
        elif isinstance(form, PaddedModel):
            ev = evaluate_padded(form, y, v, Q, layout.elements(th), reml, derivs)
        else:
            ev = evaluate_vc(groups, y, v, Q, layout.elements(th), reml, derivs)
        if not derivs:
            return Point(theta=t, ll=ev.ll, payload=ev)
        if linear:
            score, info, obs = ev.score, ev.info, ev.obs
        else:
            score, info, obs = layout.chain(th, ev)
        return Point(theta=t, ll=ev.ll, score=score[free], info=info[np.ix_(free, free)],
                     obs=obs[np.ix_(free, free)], payload=ev)

    box = Box.of(layout, y, v, X, control)
    total, size, lower, upper, scale = box.total, box.size, box.lower, box.upper, box.scale
    problem = Problem(evaluate=evaluate, lower=lower[free], upper=upper[free], scale=scale[free],
                      name=f"rma_mv ({'REML' if reml else 'ML'})")
    starts = [s[free] for s in ([] if start is None else [np.asarray(start, dtype=float)]) + _starts(layout, total)]

    def ll_full(th: FloatArray) -> float:
        try:
            return float(evaluate(th[free], False).ll)
        except (np.linalg.LinAlgError, ValueError, FloatingPointError):
            return -np.inf

    basis = (rays or RayBasis(groups, v)) if linear else None
    ray = None if basis is None else partial(basis.loglik, X=Q, y=y, reml=reml)
    probes = [p[free] for p in _probes(layout, size, ll_full, ray)]
    opt = maximise(problem, starts, control, probes=probes, every_start=bool(layout.structures))
    theta = full(opt.point.theta)
    ev = opt.point.payload
    pt = evaluate(opt.point.theta, True)
    flat = np.zeros(n, dtype=bool)
    assert pt.info is not None
    flat[free] = unidentified(pt.info)
    if flat.any():
        warnings.warn(f"rma_mv: {', '.join(names[int(j)] for j in np.flatnonzero(flat))} not identified by these data "
                      "(zero information: e.g. one row per cluster at two levels, or moderators constant within "
                      "clusters that span the cluster means); their values are arbitrary, only the identified "
                      "combinations are estimated", UserWarning, stacklevel=4)
    Ri = np.linalg.inv(R)
    vb = Ri @ ev.vb @ Ri.T
    ev = replace(ev, b=Ri @ ev.b, vb=(vb + vb.T) / 2)
    return MvFit(theta=theta, ev=ev, iterations=opt.iterations, unidentified=flat, optimizer=opt.optimizer)
