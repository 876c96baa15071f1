"""leave1out and influence diagnostics against metafor (1e-6 relative, 1e-9 absolute floor)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from painregen.meta import influence, leave1out, rma

G = json.loads(Path(__file__).with_name("metafor_rma.json").read_text())
RTOL, ATOL = 1e-6, 1e-9
CASES = G["influence"]


def as_list(x: Any) -> list[Any]:
    return [] if x is None else (x if isinstance(x, list) else [x])


def col(ds: str, name: str) -> np.ndarray:
    return np.array([np.nan if a is None else a for a in G["datasets"][ds]["columns"][name]], dtype=float)


def close(a: Any, e: Any, what: str) -> None:
    exp = np.array([np.nan if x is None else x for x in as_list(e)], dtype=float)
    np.testing.assert_allclose(np.asarray(a, dtype=float), exp, rtol=RTOL, atol=ATOL, err_msg=what)


def ident(c: dict[str, Any]) -> str:
    return f"{c['dataset']}-{'+'.join(as_list(c['mods'])) or 'int'}-{c['method']}-{c['test']}"


@pytest.mark.parametrize("case", CASES, ids=[ident(c) for c in CASES])
def test_influence_matches_metafor(case: dict[str, Any]) -> None:
    ds = case["dataset"]
    mods = as_list(case["mods"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = rma(col(ds, "yi"), col(ds, "vi"), mods={m: col(ds, m) for m in mods} or None,
                  method=case["method"], test=case["test"])
    if "leave1out" in case:
        tab = leave1out(res).table
        for key, name in [("estimate", "estimate"), ("se", "se"), ("zval", "zval"), ("pval", "pval"),
                          ("ci_lb", "ci.lb"), ("ci_ub", "ci.ub"), ("Q", "Q"), ("Qp", "Qp"), ("tau2", "tau2"),
                          ("I2", "I2"), ("H2", "H2")]:
            if as_list(case["leave1out"][key]):  # FE fits have no tau2; R's JSON leaves it empty
                close(tab[name], case["leave1out"][key], f"leave1out {key}")
    inf = influence(res)
    exp = case["influence"]
    for key, name in [("rstudent", "rstudent"), ("dffits", "dffits"), ("cook_d", "cook.d"), ("cov_r", "cov.r"),
                      ("tau2_del", "tau2.del"), ("QE_del", "QE.del"), ("hat", "hat"), ("weight", "weight")]:
        close(inf.table[name], exp[key], key)
    dfbs = exp["dfbs"]
    for j, term in enumerate(res.terms):
        close(inf.dfbetas[term], dfbs[term] if isinstance(dfbs, dict) else dfbs[j], f"dfbetas {term}")


@pytest.mark.parametrize("case", G["baujat"], ids=[f"{c['dataset']}-{c['method']}" for c in G["baujat"]])
def test_baujat_coordinates_match_metafor(case: dict[str, Any]) -> None:
    from painregen.meta.plots import baujat_values

    ds = case["dataset"]
    res = rma(col(ds, "yi"), col(ds, "vi"), method=case["method"])
    x, y = baujat_values(res)
    close(x, case["x"], "baujat x")
    close(y, case["y"], "baujat y")
