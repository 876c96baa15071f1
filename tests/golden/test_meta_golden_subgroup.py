"""Subgroup fits, the Wald-type between-group test and the CAMARADES Q partition vs metafor.

Tolerances as in test_meta_golden_rma.py (1e-6 relative, 1e-9 absolute floor near 0).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from painregen.meta import partition_q, subgroup

G = json.loads(Path(__file__).with_name("metafor_rma.json").read_text())
RTOL, ATOL = 1e-6, 1e-9
CASES = G["subgroup"]


def col(ds: str, name: str) -> np.ndarray:
    vals = G["datasets"][ds]["columns"][name]
    return np.array(vals, dtype=object if isinstance(vals[0], str) else float)


def close(a: Any, e: Any, what: str) -> None:
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(e, dtype=float), rtol=RTOL, atol=ATOL,
                               err_msg=what)


@pytest.mark.parametrize("case", CASES, ids=[f"{c['dataset']}-{c['group']}-{c['method']}-{c['test']}" for c in CASES])
def test_subgroup_matches_metafor(case: dict[str, Any]) -> None:
    ds = case["dataset"]
    y, v, g = col(ds, "yi"), col(ds, "vi"), col(ds, case["group"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = subgroup(y, v, g, method=case["method"], test=case["test"])
    subs = res.subgroups()
    assert [s["level"] for s in subs] == [s["level"] for s in case["subgroups"]]
    for got, exp in zip(subs, case["subgroups"], strict=True):
        assert got["k"] == exp["k"]
        for key, ekey in [("estimate", "estimate"), ("se", "se"), ("ci_low", "ci_lb"), ("ci_high", "ci_ub"),
                          ("tau2", "tau2"), ("I2", "I2"), ("Q", "QE")]:
            close(got[key], exp[ekey], f"{exp['level']} {key}")
    close(res.Q_between, case["Q_between"], "Q_between")
    assert res.Q_between_df == case["Q_between_df"]
    close(res.Q_between_p, case["Q_between_p"], "Q_between_p")
    part = partition_q(y, v, g)
    close(part.Q_total, case["camarades_Q_total"], "Q_total")
    close(sum(part.Q_within.values()), case["camarades_Q_within"], "Q_within")
    close(part.Q_between, case["camarades_Q_between"], "camarades Q_between")
    close(part.p, case["camarades_p"], "camarades p")
    out = res.to_dict()
    assert {"subgroups", "Q_between", "Q_between_df", "Q_between_p", "k", "estimate"} <= set(out)
