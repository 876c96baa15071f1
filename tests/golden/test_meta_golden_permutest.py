"""Exact permutation tests against metafor's permutest(exact = TRUE).

p-values are proportions over all distinct permutations; they match to 1e-9 (they are ratios of
integer counts, so any disagreement would be a different count).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from painregen.meta import permutest, rma

G = json.loads(Path(__file__).with_name("metafor_rma.json").read_text())
CASES = G["permutest"]


def as_list(x: Any) -> list[Any]:
    return [] if x is None else (x if isinstance(x, list) else [x])


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{c['dataset']}-{'+'.join(as_list(c['mods'])) or 'int'}-{c['method']}-{c['test']}"
                        for c in CASES]
)
def test_exact_permutest_matches_metafor(case: dict[str, Any]) -> None:
    cols = G["datasets"][case["dataset"]]["columns"]
    mods = {m: np.array(cols[m], dtype=float) for m in as_list(case["mods"])} or None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = rma(np.array(cols["yi"]), np.array(cols["vi"]), mods=mods, method=case["method"], test=case["test"])
    pt = permutest(res, exact=True)
    assert pt.exact
    np.testing.assert_allclose(pt.pval, as_list(case["pval"]), rtol=0, atol=1e-9)
    np.testing.assert_allclose(pt.QM_p, case["QMp"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(res.QM, case["QM"], rtol=1e-6)
