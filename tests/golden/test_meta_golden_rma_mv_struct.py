"""rma_mv beyond nested intercepts (issue 12 item 14) against metafor (tests/golden/metafor_rma_mv_struct.R): crossed
random effects, '~ inner | outer' with CS / HCS / UN / ID / DIAG / AR / HAR, random slopes (GEN), test = "t" with dfs
= "residual" / "contain", on metadat kalaian1996, fine1993, obrien2003, knapp2017 and seeded synthetic preclinical
sets.

Tolerances: coefficients and their standard errors 1e-6 relative (measured worst 5e-7); variance components and the
test statistics, p-values and intervals that depend on them 1e-5, as the other rma.mv goldens (R's optimisers stop at
rel.tol 1e-10 on the objective, so its components are accurate to ~1e-6; the better of nlminb and BFGS is kept;
measured worst 6.7e-6, a p-value); logLik 1e-8 relative and never below R's. metafor optimises log variances and atanh
correlations, so a component on its boundary comes out as ~1e-10 (or |rho| = 1 - 1e-9) where painregen reaches 0 (or
1) exactly: components below 1e-7 are compared with ATOL_VC = 1e-6, and a correlation whose variance is 0 is not
identified and is not compared. Where the optimum is on the boundary R's estimates of the other quantities are
accurate to ~1e-5 only (REL_BOUNDARY)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from painregen.meta import rma_mv

G = json.loads(Path(__file__).with_name("metafor_rma_mv_struct.json").read_text())
RTOL_MV, RTOL_EST, ATOL, ATOL_VC, REL_BOUNDARY = 1e-5, 1e-6, 1e-8, 1e-6, 1e-4
WORST: dict[str, float] = {}


def arr(x: Any) -> np.ndarray:
    return np.atleast_1d(np.array([np.nan if v is None else v for v in np.atleast_1d(np.array(x, dtype=object))],
                                  dtype=float))


def fit(case: dict[str, Any]) -> Any:
    ds = G["datasets"][case["dataset"]]
    data = pd.DataFrame(ds["columns"])
    k = len(data)
    keep = np.zeros(k, dtype=bool)
    keep[np.array(case["not_na"], dtype=int)] = True
    X = np.array(case["X"], dtype=float).reshape(int(keep.sum()), -1)
    mods = None
    if X.shape[1]:
        mods = np.full((k, X.shape[1]), np.nan)
        mods[keep] = X
    V = [(np.array(b["rows"], dtype=int), np.array(b["matrix"], dtype=float)) for b in ds["V"]] or None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rma_mv(data["yi"].to_numpy(float), data["vi"].to_numpy(float), random=case["random"], data=data,
                      struct=case["struct"], mods=mods, intercept=case["intercept"], method=case["method"],
                      test=case["test"], dfs=case["dfs"], V=V)


def boundary(case: dict[str, Any]) -> bool:
    """Whether metafor's optimum has a variance component at 0 or a correlation at +-1."""
    intercepts = any(f.replace(" ", "").startswith("~1|") for f in case["random"])
    structured = any(not f.replace(" ", "").startswith("~1|") for f in case["random"])
    vc = np.concatenate([arr(case["sigma2"])] * intercepts + [arr(case["tau2"])] * structured)
    rho = arr(case["rho"]) if structured and case["struct"] not in ("ID", "DIAG") else np.zeros(0)
    return bool(np.any(vc < 1e-7) or np.any(np.abs(rho) > 1 - 1e-6))


def close(name: str, act: Any, exp: Any, rtol: float, atol: float = ATOL) -> None:
    a, e = np.atleast_1d(np.asarray(act, dtype=float)), arr(exp)
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, err_msg=name)
    big = np.abs(e) > 1e-7
    if big.any():
        WORST[name] = max(WORST.get(name, 0.0), float(np.max(np.abs(a[big] - e[big]) / np.abs(e[big]))))


@pytest.mark.parametrize("case", G["fits"], ids=[f"{c['id']}-{c['method']}" for c in G["fits"]])
def test_rma_mv_structures_match_metafor(case: dict[str, Any]) -> None:
    res = fit(case)
    rel = REL_BOUNDARY if boundary(case) else RTOL_MV
    assert res.k == case["k"] and res.p == case["p"]
    assert res.logLik >= case["logLik"] - 1e-8 * abs(case["logLik"])
    close("logLik", res.logLik, case["logLik"], 1e-8)
    s2 = arr(case["sigma2"]) if res.sigma2.size else np.zeros(0)
    close("sigma2", res.sigma2, s2, rel, ATOL_VC)
    if res.struct:
        t2 = arr(case["tau2"])
        close("tau2", res.tau2, t2, rel, ATOL_VC)
        if case["struct"] not in ("ID", "DIAG"):
            identified = bool(np.all(t2 > 1e-7)) and not (case["struct"] in ("HCS", "HAR") and np.sum(t2 > 1e-7) < 2)
            if identified:
                close("rho", res.rho, case["rho"], rel, 1e-5)
    est = REL_BOUNDARY if boundary(case) else RTOL_EST
    close("b", res.b, case["b"], est)
    close("se", res.se, case["se"], est)
    for attr, key in [("stat", "zval"), ("ci_low", "ci_lb"), ("ci_high", "ci_ub"), ("QE", "QE")]:
        close(attr, getattr(res, attr), case[key], rel)
    close("pval", res.pval, case["pval"], rel, 1e-10)
    if case["p"] > 1 or not case["intercept"]:
        close("QM", res.QM, case["QM"], rel)
        close("QMp", res.QM_p, case["QMp"], rel, 1e-10)
    if case["test"] == "t":
        ddf = res.ddfs if res.ddfs is not None else [res.ddf] * res.p
        np.testing.assert_array_equal(np.asarray(ddf, dtype=float), np.broadcast_to(arr(case["ddf"]), (res.p,)))
        assert res.QM_ddf == pytest.approx(float(np.min(arr(case["QMdf"])[1:])) if len(arr(case["QMdf"])) > 1
                                           else res.QM_ddf)
    if case["struct"] not in ("GEN",) and res.struct:
        assert list(res.g_levels[0]) == case["g_levels"]
    if res.sigma2.size:
        assert list(res.s_nlevels) == [int(x) for x in arr(case["s_nlevels"])]


def test_grid_never_shrinks() -> None:
    ids = {c["id"] for c in G["fits"]}
    assert len(G["fits"]) >= 24 and {"kalaian_UN", "fine_AR", "obrien_GEN", "knapp_crossed", "cells_crossed"} <= ids
    assert G["versions"]["metafor"] == "3.8.1"
    assert {c["struct"] for c in G["fits"]} >= {"CS", "HCS", "UN", "ID", "DIAG", "AR", "HAR", "GEN"}
    assert {c["dfs"] for c in G["fits"]} == {"residual", "contain"}


CLI_CASES = [c for c in G["fits"] if not G["datasets"][c["dataset"]]["V"]]


@pytest.mark.parametrize("case", CLI_CASES, ids=[f"{c['id']}-{c['method']}" for c in CLI_CASES])
def test_cli_matches_metafor(case: dict[str, Any], tmp_path: Path) -> None:
    """The fits without a sampling covariance matrix again through `painregen meta --random-term ... --json`
    (moderators as the R formula)."""
    from typer.testing import CliRunner

    from painregen.cli.main import app

    path = tmp_path / "data.csv"
    pd.DataFrame(G["datasets"][case["dataset"]]["columns"]).to_csv(path, index=False)
    args = ["meta", str(path), "--method", case["method"], "--struct", case["struct"], "--dfs", case["dfs"],
            "--test", case["test"], "--json"]
    for term in case["random"]:
        args += ["--random-term", term]
    if case["mods"]:
        args += ["--mods", case["mods"]]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    rel = REL_BOUNDARY if boundary(case) else RTOL_MV
    assert out["k"] == case["k"]
    close("logLik", out["logLik"], case["logLik"], 1e-8)
    if "tau2" in out:
        close("tau2", out["tau2"], case["tau2"], rel, ATOL_VC)
    else:
        close("sigma2", out["sigma2"], case["sigma2"], rel, ATOL_VC)
    coefs = out.get("coefficients") or [out]
    close("b", [c["estimate"] for c in coefs], case["b"], rel)
    close("se", [c["se"] for c in coefs], case["se"], rel)
    close("pval", [c["p"] for c in coefs], case["pval"], rel, 1e-10)
    if case["test"] == "t":
        np.testing.assert_array_equal(out["ddf"], np.broadcast_to(arr(case["ddf"]), (len(coefs),)))
