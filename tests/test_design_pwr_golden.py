"""painregen.design against R pwr 1.3.0 and mvtnorm 1.1.3 (tests/golden/pwr.json, from tests/golden/pwr.R).

Tolerances:
- TIGHT = 1e-6 relative against the tightly solved oracle values (uniroot on pwr's own power function with
  tol 1e-13, and pwr's power itself): both sides solve to ~1e-12, so 1e-6 leaves room only for the two
  libraries' non-central t algorithms (observed agreement ~1e-10).
- PWR = 1e-4 relative (the issue's tolerance) against the n and d that pwr reports: pwr stops uniroot at
  tol = eps^0.25 = 1.2e-4, so its own n carries that much error.
- DUNNETT = 1e-5 (relative for critical values, absolute for probabilities): mvtnorm's pmvt is quasi-Monte
  Carlo with abseps = 1e-7 and for k >= 3 arms its values wander by a few 1e-6 between runs; for k <= 2
  (exact bivariate algorithm) the agreement is ~1e-10.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from painregen.design import dunnett_crit, dunnett_power, pwr_t2n_test, pwr_t_test

G = json.loads(Path(__file__).parent.joinpath("golden", "pwr.json").read_text())
TIGHT, PWR, DUNNETT = 1e-6, 1e-4, 1e-5


def _id(c: dict[str, Any]) -> str:
    return "-".join(f"{k}={c[k]}" for k in ("solve", "type", "alternative", "sig_level", "n", "d", "power") if k in c)


def test_oracle_versions_are_recorded_and_the_grid_never_shrinks() -> None:
    assert G["versions"]["pwr"] == "1.3.0" and G["versions"]["mvtnorm"] and G["versions"]["R"].startswith("R ")
    assert len(G["ttest"]) >= 288 and len(G["t2n"]) >= 26 and len(G["dunnett"]) >= 12
    solved = {(c["solve"], c["type"], c["alternative"]) for c in G["ttest"]}
    assert len(solved) == 27  # n, power and d for 3 types x 3 alternatives


@pytest.mark.parametrize("case", G["ttest"], ids=_id)
def test_pwr_t_test(case: dict[str, Any]) -> None:
    kw = {"sig_level": case["sig_level"], "type": case["type"], "alternative": case["alternative"]}
    what = case["solve"]
    if what == "n":
        res = pwr_t_test(d=case["d"], power=case["power"], **kw)
    elif what == "d":
        res = pwr_t_test(n=case["n"], power=case["power"], **kw)
    else:
        res = pwr_t_test(n=case["n"], d=case["d"], **kw)
    got = getattr(res, what)
    np.testing.assert_allclose(got, case["exact"], rtol=TIGHT)
    np.testing.assert_allclose(got, case[what], rtol=PWR)
    if what == "n":
        assert res.n_per_group == int(np.ceil(case["exact"]))


@pytest.mark.parametrize("case", G["t2n"], ids=lambda c: f"{c['solve']}-{c['alternative']}-{c['n1']}-{c['n2']}")
def test_pwr_t2n_test(case: dict[str, Any]) -> None:
    kw = {"sig_level": case["sig_level"], "alternative": case["alternative"]}
    what = case["solve"]
    if what == "n2":
        res = pwr_t2n_test(n1=case["n1"], d=case["d"], power=case["power"], **kw)
        got = res.n2
    elif what == "d":
        res = pwr_t2n_test(n1=case["n1"], n2=case["n2"], power=case["power"], **kw)
        got = res.d
    else:
        res = pwr_t2n_test(n1=case["n1"], n2=case["n2"], d=case["d"], **kw)
        got = res.power
    np.testing.assert_allclose(got, case["exact"], rtol=TIGHT)
    np.testing.assert_allclose(got, case[what], rtol=PWR)


@pytest.mark.parametrize("case", G["dunnett"], ids=lambda c: f"{c['alternative']}-n{c['n']}-n0{c['n0']}")
def test_dunnett_against_mvtnorm(case: dict[str, Any]) -> None:
    n = np.atleast_1d(case["n"])
    res = dunnett_power(n, case["n0"], case["d"], case["alpha"], case["alternative"])
    assert res.df == case["df"]
    np.testing.assert_allclose(res.crit, case["crit"], rtol=DUNNETT)
    np.testing.assert_allclose(res.power_any, case["power_any"], atol=DUNNETT)
    if case["power_all"] is not None:
        np.testing.assert_allclose(res.power_all, case["power_all"], atol=DUNNETT)
    else:
        assert res.alternative == "two.sided" and np.isnan(res.power_all)
    if n.size <= 2:  # mvtnorm is exact in two dimensions: hold us to that
        np.testing.assert_allclose(dunnett_crit(n, case["n0"], case["alpha"], case["alternative"]), case["crit"],
                                   rtol=1e-8)
