"""Likelihood, derivatives and the optimiser behind :func:`painregen.meta.mvmeta.mvmeta`.

Everything is batched over studies: ``S`` is ``(k, p, p)``, ``W_i = (S_i + Psi)^-1`` is computed for all studies
at once. With ``u_i = W_i r_i`` the derivative of the (restricted) log-likelihood with respect to a symmetric
perturbation ``dPsi`` is ``tr(G dPsi)`` with (Harville 1977; Jennrich & Schluchter 1986, *Biometrics* 42:805)::

    G = 1/2 sum_i (u_i u_i' - W_i) [+ 1/2 sum_i W_i vb W_i  under REML]

and the expected information for the elements ``psi_j`` of ``Psi`` (``dPsi = E_j``) is
``1/2 [T1 - 2 T2 + T4]`` (REML; ``1/2 T1`` under ML) with ``T1_jl = sum tr(W_i E_j W_i E_l)``,
``T2_jl = sum tr(W_i E_j W_i vb W_i E_l)``, ``T4_jl = tr(vb C_j vb C_l)``, ``C_j = sum W_i E_j W_i``: the
``tr(P G_j P G_l)`` of Fisher scoring for linear covariance structures written block by block.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import optimize

FloatArray = npt.NDArray[np.float64]
_TOL = 1e-10  # Newton stops when max |change of Psi| <= _TOL * max(1, max |Psi|) (standardised scale)


@dataclass(frozen=True, eq=False)
class MvFit:
    """Evaluation of the model at one ``Psi``."""

    Psi: FloatArray
    ll: float
    b: FloatArray
    vb: FloatArray
    W: FloatArray
    r: FloatArray


def evaluate(Y: FloatArray, S: FloatArray, Psi: FloatArray, reml: bool) -> MvFit:
    """Log-likelihood (ML, or REML with metafor's ``p/2 log k`` constant), GLS ``b`` and ``vb`` at ``Psi``."""
    k, p = Y.shape
    M = S + Psi
    W: FloatArray = np.asarray(np.linalg.inv(M), dtype=np.float64)
    logdet = float(np.sum(np.linalg.slogdet(M)[1]))
    A = W.sum(axis=0)
    vb = np.linalg.inv(A)
    vb = (vb + vb.T) / 2
    b = vb @ np.einsum("iab,ib->a", W, Y)
    r = Y - b
    quad = float(np.einsum("ia,iab,ib->", r, W, r))
    if reml:
        ll = -0.5 * ((k * p - p) * np.log(2 * np.pi) + logdet + np.linalg.slogdet(A)[1] + quad) + 0.5 * p * np.log(k)
    else:
        ll = -0.5 * (k * p * np.log(2 * np.pi) + logdet + quad)
    return MvFit(Psi=Psi, ll=float(ll), b=b, vb=vb, W=W, r=r)


def gradient(fit: MvFit, reml: bool) -> FloatArray:
    """Symmetric ``G`` with ``d logLik = tr(G dPsi)`` (module docstring)."""
    u = np.einsum("iab,ib->ia", fit.W, fit.r)
    G = 0.5 * (np.einsum("ia,ib->ab", u, u) - fit.W.sum(axis=0))
    if reml:
        G += 0.5 * np.einsum("iab,bc,icd->ad", fit.W, fit.vb, fit.W)
    return (G + G.T) / 2


def _basis(p: int) -> FloatArray:
    """``E_j`` for the free elements of ``Psi`` (lower triangle, row by row): ``e_a e_c' + e_c e_a'``."""
    rows, cols = np.tril_indices(p)
    E = np.zeros((rows.size, p, p))
    for j, (a, c) in enumerate(zip(rows, cols, strict=True)):
        E[j, a, c] = E[j, c, a] = 1.0
    return E


def information(fit: MvFit, E: FloatArray, reml: bool) -> FloatArray:
    """Expected information for the free elements of ``Psi`` (module docstring)."""
    WE = np.einsum("iab,jbc->ijac", fit.W, E)  # W_i E_j
    T1 = np.einsum("ijab,ilba->jl", WE, WE)
    if not reml:
        return 0.5 * T1
    WBW = np.einsum("iab,bc,icd->iad", fit.W, fit.vb, fit.W)  # W_i vb W_i
    T2 = np.einsum("ijab,ibc,lca->jl", WE, WBW, E)
    C = np.einsum("ijab,ibc->jac", WE, fit.W)  # C_j = sum W_i E_j W_i
    VC = np.einsum("ab,jbc->jac", fit.vb, C)
    T4 = np.einsum("jab,lba->jl", VC, VC)
    info = 0.5 * (T1 - 2 * T2 + T4)
    return np.asarray((info + info.T) / 2)


def observed_information(fit: MvFit, E: FloatArray, reml: bool) -> FloatArray:
    """Minus the Hessian of the (restricted, or ML profile) log-likelihood in the elements of ``Psi``:
    ``T_jl - I_jl`` with ``I`` the expected information (:func:`information`) and ``T_jl = y'P E_j P E_l P y =
    sum_i u_i' E_j W_i E_l u_i - a_j' vb a_l``, ``a_j = sum_i W_i E_j u_i`` (both for REML and for the ML
    likelihood profiled over ``b``; Harville 1977)."""
    u = np.einsum("iab,ib->ia", fit.W, fit.r)
    Eu = np.einsum("jab,ib->ija", E, u)  # E_j u_i
    WEu = np.einsum("iab,ijb->ija", fit.W, Eu)
    a = WEu.sum(axis=0)
    T = np.einsum("ija,ila->jl", Eu, WEu) - a @ fit.vb @ a.T
    obs = T - information(fit, E, reml)
    return np.asarray((obs + obs.T) / 2)


def _dl_start(Y: FloatArray, S: FloatArray) -> FloatArray:
    """Univariate DerSimonian-Laird tau2 of every outcome on the diagonal (DerSimonian & Laird 1986)."""
    v = np.einsum("iaa->ia", S)
    w = 1 / v
    bw = (w * Y).sum(0) / w.sum(0)
    q = (w * (Y - bw) ** 2).sum(0)
    c = w.sum(0) - (w**2).sum(0) / w.sum(0)
    return np.asarray(np.maximum(0.0, (q - (Y.shape[0] - 1)) / c))


def _unpack(theta: FloatArray, p: int) -> FloatArray:
    L = np.zeros((p, p))
    L[np.tril_indices(p)] = theta
    di = np.diag_indices(p)
    L[di] = np.exp(L[di])
    return L


def _pack(Psi: FloatArray) -> FloatArray:
    p = Psi.shape[0]
    L = np.linalg.cholesky(Psi)
    L[np.diag_indices(p)] = np.log(np.diag(L))
    return np.asarray(L[np.tril_indices(p)])


def _bfgs(Y: FloatArray, S: FloatArray, reml: bool, start: FloatArray) -> tuple[FloatArray, bool]:
    """Maximise over the Cholesky factor of ``Psi`` with a log diagonal (L-BFGS-B, analytic gradient; the log
    diagonal bounded to keep the line searches finite)."""
    p = Y.shape[1]
    tril = np.tril_indices(p)
    di = np.arange(p)

    def fun(theta: FloatArray) -> tuple[float, FloatArray]:
        L = _unpack(theta, p)
        fit = evaluate(Y, S, L @ L.T, reml)
        dL = 2 * gradient(fit, reml) @ L
        dL[di, di] *= L[di, di]
        return -fit.ll, -dL[tril]

    on_diag = np.array([a == c for a, c in zip(*tril, strict=True)])
    bounds = [(-25.0, 10.0) if d else (-1e5, 1e5) for d in on_diag]  # standardised scale: sd e^-25 .. e^10
    theta0 = np.clip(_pack(start), [b[0] for b in bounds], [b[1] for b in bounds])
    res = optimize.minimize(fun, theta0, jac=True, method="L-BFGS-B", bounds=bounds,
                            options={"ftol": 1e-13, "gtol": 1e-9, "maxiter": 300})
    L = _unpack(res.x, p)
    return L @ L.T, bool(res.success)


def _newton(Y: FloatArray, S: FloatArray, reml: bool, L: FloatArray, maxiter: int = 500) -> tuple[MvFit, bool]:
    """Newton's method over a lower-trapezoidal ``p x r`` factor ``L`` of ``Psi = L L'`` (``r`` = rank of ``Psi``;
    the trapezoid removes the rotation ``L -> L Q`` that leaves ``Psi`` unchanged), each step halved until the
    log-likelihood does not fall. ``r < p`` keeps ``Psi`` on its face of the positive semi-definite cone. The
    curvature is ``J' I_obs J - 2 (G kron I_r)`` with ``J = d vech(Psi) / d L``: the second term, the curvature
    of ``Psi = L L'`` weighted by the gradient ``G``, does not vanish at a boundary optimum (there ``G != 0``).
    Where that is not positive definite the expected information replaces ``I_obs`` (Fisher scoring), then the
    ``G`` term is dropped."""
    p, r = L.shape
    E = _basis(p)
    tril = np.tril_indices(p)
    free = [(a, c) for a, c in np.ndindex(p, r) if a >= c]
    pos = [a * r + c for a, c in free]
    cur = evaluate(Y, S, L @ L.T, reml)
    if r == 0:
        return cur, True
    eye = np.eye(p)
    for _ in range(maxiter):
        J = np.empty((E.shape[0], len(free)))
        for n, (a, c) in enumerate(free):
            dP = np.outer(eye[a], L[:, c])
            J[:, n] = (dP + dP.T)[tril]
        G = gradient(cur, reml)
        score = J.T @ np.einsum("ab,jab->j", G, E)
        curv = np.kron(2 * G, np.eye(r))[np.ix_(pos, pos)]
        expected = J.T @ information(cur, E, reml) @ J
        for H in (J.T @ observed_information(cur, E, reml) @ J - curv, expected - curv, expected):
            step = np.linalg.lstsq(H, score, rcond=1e-12)[0]
            if np.all(np.linalg.eigvalsh(H) > 0) and float(step @ score) > 0:
                break
        D = np.zeros((p, r))
        D[tuple(np.array(free).T)] = step
        for _ in range(60):
            cand_L = L + D
            cand = evaluate(Y, S, cand_L @ cand_L.T, reml)
            if cand.ll >= cur.ll - 1e-13 * max(1.0, abs(cur.ll)):
                break
            D = D / 2
        else:
            return cur, True  # no ascent left at machine precision
        change = float(np.max(np.abs(cand.Psi - cur.Psi)))
        L, cur = cand_L, cand
        if change <= _TOL * max(1.0, float(np.max(np.abs(cur.Psi)))):
            return cur, True
    return cur, False


def _rank_factor(Psi: FloatArray, min_rank: int = 0) -> FloatArray:
    """Lower-trapezoidal ``p x r`` factor of ``Psi`` over its eigenvalues above ``1e-6 max(1, largest)`` (the
    outcomes are standardised, so the within-study variances are ~1), at least ``min_rank`` of them."""
    lam, U = np.linalg.eigh((Psi + Psi.T) / 2)
    keep = lam > 1e-6 * max(1.0, float(lam[-1]))
    keep[lam.size - min_rank:] = True
    A = U[:, keep] * np.sqrt(np.maximum(lam[keep], 0.0))
    if A.shape[1] == 0:
        return np.asarray(A)
    R = np.asarray(np.linalg.qr(A.T)[1])  # A = R' Q': the LQ decomposition, R' lower trapezoidal
    return np.asarray(R.T)


def _line_search(Y: FloatArray, S: FloatArray, reml: bool, Psi: FloatArray, z: FloatArray) -> float:
    """The ``t > 0`` maximising the log-likelihood at ``Psi + t z z'`` (bounded Brent search)."""
    zz = np.outer(z, z)
    res = optimize.minimize_scalar(lambda t: -evaluate(Y, S, Psi + t * zz, reml).ll, method="bounded",
                                   bounds=(0.0, 10 * max(1.0, float(np.max(np.abs(Psi))))), options={"xatol": 1e-10})
    return max(float(res.x), 1e-8)


def _starts(Y: FloatArray, S: FloatArray) -> list[FloatArray]:
    """Starting values for BFGS: univariate DerSimonian-Laird variances on the diagonal, and the moment estimate
    ``cov(y) - mean S_i`` made positive definite."""
    out = [np.diag(np.maximum(_dl_start(Y, S), 0.05))]
    if Y.shape[0] > 2 and Y.shape[1] > 1:
        M = np.atleast_2d(np.cov(Y, rowvar=False)) - S.mean(axis=0)
        lam, U = np.linalg.eigh((M + M.T) / 2)
        out.append((U * np.maximum(lam, 0.05 * max(1.0, float(lam[-1])))) @ U.T)
    return out


def _corners(Y: FloatArray, S: FloatArray, max_p: int = 4) -> list[FloatArray]:
    """Starts with all correlations +-0.9: ``v v' + 0.1 diag(v^2)`` with ``|v_a|`` the DerSimonian-Laird standard
    deviations (at least 0.2) and every sign pattern of ``v`` (``p <= max_p``). The (restricted) likelihood can
    have a second maximum with ``|rho| = 1`` when ``k`` is small against ``p (p + 1) / 2``, which a start with
    ``rho = 0`` does not reach."""
    p = Y.shape[1]
    if p == 1 or p > max_p:
        return []
    sd = np.sqrt(np.maximum(_dl_start(Y, S), 0.04))
    signs = np.array(np.meshgrid(*([[1.0, -1.0]] * (p - 1)), indexing="ij")).reshape(p - 1, -1).T
    vs = [sd * np.concatenate([[1.0], sg]) for sg in signs]
    return [(np.outer(v, v) + 0.1 * np.diag(v**2)) / 1.1 for v in vs]


def _polish(Y: FloatArray, S: FloatArray, reml: bool, Psi: FloatArray) -> tuple[MvFit, bool]:
    """Newton steps from ``Psi`` on the face of its numerical rank, raising the rank while the
    Karush-Kuhn-Tucker condition fails (see :func:`fit_psi`)."""
    p = Y.shape[1]
    L = _rank_factor(Psi)
    kkt = True
    for _ in range(p + 1):
        fit, ok = _newton(Y, S, reml, L)
        L = _rank_factor(fit.Psi, min_rank=L.shape[1])
        if L.shape[1] == p:
            break
        Q, _ = np.linalg.qr(np.hstack([L, np.eye(p)]))
        Z = Q[:, L.shape[1]:]
        lam, U = np.linalg.eigh(Z.T @ gradient(fit, reml) @ Z)
        kkt = bool(lam[-1] <= 1e-8)
        if kkt:
            break
        z = Z @ U[:, -1]  # the likelihood rises off the face along z: free it, size set by a line search
        L = np.hstack([L, np.sqrt(_line_search(Y, S, reml, fit.Psi, z)) * z[:, None]])
    return fit, ok and kkt


def fit_psi(Y: FloatArray, S: FloatArray, reml: bool) -> tuple[MvFit, bool, int]:
    """REML/ML estimate of ``Psi`` on outcomes standardised by the square root of their median within-study
    variance. From each start (:func:`_starts`): L-BFGS-B over the log-Cholesky factor, then Newton steps over a
    factor of the numerical rank ``r`` of that optimum; the same from the :func:`_corners`; and ``Psi = 0`` itself
    and the best ``Psi = t e_a e_a'`` of each outcome ``a`` (a Brent search over ``t``): the quasi-Newton searches
    over a log diagonal never reach these faces, and one of them can hold the global maximum while a rank-deficient
    local maximum elsewhere holds the searches. Only distinct
    quasi-Newton optima within ``1e-3`` of the best log-likelihood are polished; the highest is kept. A
    rank-deficient optimum is accepted when the Karush-Kuhn-Tucker condition holds (``Z' G Z`` negative
    semi-definite on the null space ``Z`` of ``Psi``, ``G`` the gradient of the module docstring); otherwise the
    rank is raised along the offending direction and the Newton steps resume. Returns the fit on the original
    scale, whether it converged, and the numerical rank of ``Psi`` (eigenvalues above ``1e-8`` of the largest)."""
    s = np.sqrt(np.median(np.einsum("iaa->ia", S), axis=0))
    Ys, Ss = Y / s, S / np.outer(s, s)
    found = [evaluate(Ys, Ss, _bfgs(Ys, Ss, reml, start)[0], reml) for start in _starts(Ys, Ss) + _corners(Ys, Ss)]
    p = Y.shape[1]
    found.append(evaluate(Ys, Ss, np.zeros((p, p)), reml))  # Psi = 0 may be the maximum
    for e in np.eye(p):  # so may a Psi with a single outcome's variance (a face the searches above do not reach)
        found.append(evaluate(Ys, Ss, _line_search(Ys, Ss, reml, np.zeros((p, p)), e) * np.outer(e, e), reml))
    top = max(f.ll for f in found)
    polished: list[tuple[MvFit, bool]] = []
    seen: list[float] = []
    for f in sorted(found, key=lambda f: -f.ll):  # polish the distinct maxima near the best one
        if f.ll < top - 1e-3 or any(abs(f.ll - ll) <= 1e-9 * max(1.0, abs(ll)) for ll in seen):
            continue
        seen.append(f.ll)
        polished.append(_polish(Ys, Ss, reml, f.Psi))
    fit, ok = max(polished, key=lambda fo: fo[0].ll)
    lam = np.linalg.eigvalsh(fit.Psi)
    rank = int(np.sum(lam > 1e-8 * max(float(lam[-1]), 1e-300)))
    return evaluate(Y, S, fit.Psi * np.outer(s, s), reml), ok, rank
