"""regtest, ranktest, trimfill and fsn against metafor (tests/golden/metafor_rma.json).

Tolerances: 1e-6 relative, 1e-9 absolute floor near 0; k0, side and fail-safe N exactly.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from painregen.meta import fsn, ranktest, regtest, rma, trimfill

G = json.loads(Path(__file__).with_name("metafor_rma.json").read_text())
RTOL, ATOL = 1e-6, 1e-9
CASES = G["bias"]


def col(ds: str, name: str) -> np.ndarray:
    return np.array([np.nan if a is None else a for a in G["datasets"][ds]["columns"][name]], dtype=float)


def close(a: Any, e: Any, what: str) -> None:
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(e, dtype=float), rtol=RTOL, atol=ATOL,
                               err_msg=what)


@pytest.mark.parametrize("case", CASES, ids=[f"{c['dataset']}-{c['method']}-{c['test']}" for c in CASES])
def test_bias_matches_metafor(case: dict[str, Any]) -> None:
    ds = case["dataset"]
    y, v = col(ds, "yi"), col(ds, "vi")
    ok = ~(np.isnan(y) | np.isnan(v))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = rma(y, v, method=case["method"], test=case["test"])
    eg = regtest(res)
    close(eg.stat, case["regtest"]["zval"], "egger stat")
    close(eg.p, case["regtest"]["pval"], "egger p")
    close(eg.limit_estimate, case["regtest"]["est"], "limit estimate")
    close(eg.limit_ci, [case["regtest"]["ci_lb"], case["regtest"]["ci_ub"]], "limit ci")
    if "ni" in G["datasets"][ds]["columns"]:
        ni = col(ds, "ni")[ok]
        for pred in ("sqrtninv", "ninv", "ni", "vi"):
            e2 = regtest(res, predictor=pred, ni=ni)
            exp = case[f"regtest_{pred}"]
            close(e2.stat, exp["zval"], f"{pred} stat")
            close(e2.p, exp["pval"], f"{pred} p")
            if exp.get("est") is not None:
                close(e2.limit_estimate, exp["est"], f"{pred} limit")
    rk = ranktest(res)
    close(rk.tau, case["ranktest"]["tau"], "rank tau")
    close(rk.p, case["ranktest"]["pval"], "rank p")
    for est in ("L0", "R0"):
        key = f"trimfill_{est}"
        if key not in case:
            continue
        tf = trimfill(res, estimator=est)
        exp = case[key]
        assert (tf.k0, tf.side) == (exp["k0"], exp["side"])
        close(tf.fit.b, exp["b"], f"{est} b")
        close(tf.fit.se, exp["se"], f"{est} se")
        close([tf.fit.ci_low[0], tf.fit.ci_high[0]], [exp["ci_lb"], exp["ci_ub"]], f"{est} ci")
        close(tf.fit.tau2, exp["tau2"], f"{est} tau2")
    assert fsn(y, v) == case["fsn"]["rosenthal"]
