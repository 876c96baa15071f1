"""rma / predict / confint against metafor 3.8 (tests/golden/metafor_rma.json, from metafor_rma.R).

Tolerances: RTOL = 1e-6 relative for estimates, SEs, tau2, statistics and p-values; ATOL = 1e-9
absolute floor for values near 0 (tau2 on the boundary, p-values below 1e-9, I2 = 0), where a
relative criterion is meaningless: the oracle's own convergence threshold is 1e-12.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from painregen.meta import confint_tau2, predict, rma

GOLDEN = Path(__file__).with_name("metafor_rma.json")
RTOL = 1e-6
ATOL = 1e-9
G = json.loads(GOLDEN.read_text())


def as_list(x: Any) -> list[Any]:
    if x is None:
        return []
    return x if isinstance(x, list) else [x]


def column(dataset: str, name: str) -> np.ndarray:
    values = G["datasets"][dataset]["columns"][name]
    if any(isinstance(v, str) for v in values):
        return np.array([np.nan if v is None else v for v in values], dtype=object)
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def mods_frame(dataset: str, mods: list[str]) -> pd.DataFrame | None:
    if not mods:
        return None
    frame = pd.DataFrame({m: column(dataset, m) for m in mods})
    for m in mods:
        if frame[m].dtype == object:
            frame[m] = frame[m].where(frame[m].notna(), None)
    return frame


def close(actual: Any, expected: Any, what: str, rtol: float = RTOL, atol: float = ATOL) -> None:
    exp = np.array([np.nan if e is None else e for e in as_list(expected)], dtype=float)
    act = np.atleast_1d(np.asarray(actual, dtype=float))
    np.testing.assert_allclose(act, exp, rtol=rtol, atol=atol, err_msg=what, equal_nan=True)


def fit_case(case: dict[str, Any]):  # type: ignore[no-untyped-def]
    ds = case["dataset"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rma(
            column(ds, "yi"), column(ds, "vi"), mods=mods_frame(ds, as_list(case["mods"])),
            method=case["method"], test=case["test"],
        )


def case_id(case: dict[str, Any]) -> str:
    return f"{case['dataset']}-{'+'.join(as_list(case['mods'])) or 'int'}-{case['method']}-{case['test']}"


CASES = G["rma"] + G["metareg"]


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_rma_matches_metafor(case: dict[str, Any]) -> None:
    exp = case["result"]
    res = fit_case(case)
    assert res.k == exp["k"]
    assert list(res.terms) == as_list(exp["terms"])
    close(res.tau2, exp["tau2"], "tau2")
    close(res.b, exp["b"], "b")
    close(res.se, exp["se"], "se")
    close(res.stat, exp["zval"], "zval")
    close(res.pval, exp["pval"], "pval")
    close(res.ci_low, exp["ci_lb"], "ci.lb")
    close(res.ci_high, exp["ci_ub"], "ci.ub")
    close(res.QE, exp["QE"], "QE")
    close(res.QE_p, exp["QEp"], "QEp")
    close(res.I2, exp["I2"], "I2")
    close(res.H2, exp["H2"], "H2")
    close(res.QM, exp["QM"], "QM")
    close(res.QM_p, exp["QMp"], "QMp")
    if "R2" in exp and exp["R2"] is not None:
        close(res.R2, exp["R2"], "R2")
    pred = predict(res)
    for key, attr in [("pred", "pred"), ("se", "se"), ("ci_lb", "ci_low"), ("ci_ub", "ci_high"),
                      ("pi_lb", "pi_low"), ("pi_ub", "pi_high")]:
        close(getattr(pred, attr), exp["pred"][key], f"predict {key}")
    if "confint" in exp:
        ci = confint_tau2(res)
        close(ci.tau2_ci, exp["confint"]["tau2"][1:], "confint tau2")
        close(ci.I2_ci, exp["confint"]["I2"][1:], "confint I2")
        close(ci.H2_ci, exp["confint"]["H2"][1:], "confint H2")


def test_golden_cases_never_shrink() -> None:
    """The oracle grid may grow but must not silently lose cases."""
    minimum = {"rma": 198, "metareg": 198, "subgroup": 30, "bias": 60, "influence": 30,
               "permutest": 12, "rma_mv": 8, "robust": 7, "baujat": 6}
    counts = {key: len(G[key]) for key in minimum}
    assert all(counts[key] >= n for key, n in minimum.items()), counts
    assert len(G["datasets"]) >= 12
    assert G["versions"]["metafor"] and G["versions"]["R"].startswith("R version")
