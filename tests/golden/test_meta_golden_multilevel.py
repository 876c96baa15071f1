"""Three-level models (rma.mv, random = ~ 1 | district/school) and cluster-robust tests
(robust(), clubSandwich CR2 + Satterthwaite/HTZ) against metafor / clubSandwich.

Tolerance: RTOL_MV = 1e-5 relative for everything downstream of rma.mv: R maximises the
likelihood with nlminb (rel.tol 1e-10 on the objective), so its variance components are only
accurate to about 1e-6-1e-7 (the brief allows 1e-4). Univariate robust cases use 1e-6.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from painregen.meta import rma, rma_mv, robust

G = json.loads(Path(__file__).with_name("metafor_rma.json").read_text())
RTOL_MV, RTOL, ATOL = 1e-5, 1e-6, 1e-9


def as_list(x: Any) -> list[Any]:
    return [] if x is None else (x if isinstance(x, list) else [x])


def col(ds: str, name: str) -> np.ndarray:
    vals = G["datasets"][ds]["columns"][name]
    return np.array(vals, dtype=object if isinstance(vals[0], str) else float)


def close(a: Any, e: Any, what: str, rtol: float) -> None:
    exp = np.array(as_list(e), dtype=float)
    act = np.atleast_1d(np.asarray(a, dtype=float))
    if exp.size == 1 and act.size > 1:  # R stores one df for all coefficients
        exp = np.broadcast_to(exp, act.shape)
    np.testing.assert_allclose(act, exp, rtol=rtol, atol=ATOL, err_msg=what)


MV = G["rma_mv"]


@pytest.mark.parametrize("case", MV, ids=[f"{c['method']}-{'+'.join(as_list(c['mods'])) or 'int'}-{c['test']}"
                                          for c in MV])
def test_rma_mv_matches_metafor(case: dict[str, Any]) -> None:
    ds = case["dataset"]
    mods = {m: col(ds, m) for m in as_list(case["mods"])} or None
    clusters = [col(ds, c) for c in case["clusters"]]
    res = rma_mv(col(ds, "yi"), col(ds, "vi"), clusters=clusters, mods=mods, method=case["method"],
                 test=case["test"])
    for attr, key in [("sigma2", "sigma2"), ("b", "b"), ("se", "se"), ("stat", "zval"), ("pval", "pval"),
                      ("ci_low", "ci_lb"), ("ci_high", "ci_ub"), ("QE", "QE"), ("QE_p", "QEp"), ("QM", "QM"),
                      ("QM_p", "QMp"), ("logLik", "logLik")]:
        close(getattr(res, attr), case[key], attr, RTOL_MV)
    pred = res.predict()
    close(pred["pred"][0], case["pred"]["pred"], "pred", RTOL_MV)
    close([pred["pi_low"][0], pred["pi_high"][0]], [case["pred"]["pi_lb"], case["pred"]["pi_ub"]], "pi", RTOL_MV)
    if "robust_cr2" in case:
        district = col(ds, "district")
        r2 = robust(res, district, clubsandwich=True)
        e = case["robust_cr2"]
        for attr, key in [("se", "se"), ("stat", "tval"), ("pval", "pval"), ("df", "df"), ("ci_low", "ci_lb"),
                          ("ci_high", "ci_ub"), ("QM", "QM"), ("QM_p", "QMp")]:
            close(getattr(r2, attr), e[key], f"CR2 {attr}", RTOL_MV)
        close([r2.QM_df, r2.QM_ddf], e["QMdf"], "CR2 QMdf", RTOL_MV)
        r1 = robust(res, district)
        e = case["robust_default"]
        for attr, key in [("se", "se"), ("stat", "tval"), ("pval", "pval"), ("df", "df"), ("QM", "QM"),
                          ("QM_p", "QMp")]:
            close(getattr(r1, attr), e[key], f"robust {attr}", RTOL_MV)


RB = G["robust"]


@pytest.mark.parametrize("case", RB, ids=[f"{c['dataset']}-{'+'.join(as_list(c['mods'])) or 'int'}-{c['method']}"
                                          for c in RB])
def test_robust_rma_matches_metafor(case: dict[str, Any]) -> None:
    ds = case["dataset"]
    mods = as_list(case["mods"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = rma(col(ds, "yi"), col(ds, "vi"), mods=pd.DataFrame({m: col(ds, m) for m in mods}) if mods else None,
                  method=case["method"])
    cl = col(ds, case["cluster"])
    r2 = robust(res, cl, clubsandwich=True)
    e = case["cr2"]
    for attr, key in [("se", "se"), ("stat", "tval"), ("pval", "pval"), ("df", "df"), ("QM", "QM"), ("QM_p", "QMp")]:
        close(getattr(r2, attr), e[key], f"CR2 {attr}", RTOL)
    close([r2.QM_df, r2.QM_ddf], e["QMdf"], "CR2 QMdf", RTOL)
    if "default" in case:
        r1 = robust(res, cl)
        for attr, key in [("se", "se"), ("stat", "tval"), ("pval", "pval"), ("df", "df")]:
            close(getattr(r1, attr), case["default"][key], f"robust {attr}", RTOL)
