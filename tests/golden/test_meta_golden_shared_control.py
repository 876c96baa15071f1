"""Effects sharing a control group: their covariance (painregen.effects.covariance) and multilevel fits with a
known sampling covariance V (rma_mv(..., V=blocks)), against R metafor's rma.mv(yi, V, random = ~ 1 | study/es).

The JSON comes from tests/golden/metafor_shared_control.R (records the R and metafor versions): the
multiple-treatment SMD example of Gleser & Olkin (2009, Handbook of Research Synthesis and Meta-Analysis, 2nd ed.,
ch. 19) and a seeded simulation of multi-arm preclinical experiments (MD, ROM, SMD).

Tolerances: V and yi/vi are closed forms, compared at RTOL_CLOSED = 1e-10. Everything downstream of rma.mv at
RTOL_MV = 1e-5 relative (absolute 1e-9 near 0): R maximises the likelihood numerically (nlminb or BFGS, the better
of the two kept), so its variance components are accurate to about 1e-6 relative; painregen's Fisher scoring
converges to 1e-10.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from painregen.effects import escalc
from painregen.effects.comparisons import Comparison
from painregen.effects.covariance import VcovBlock, shared_control_vcov
from painregen.meta import rma_mv

G = json.loads(Path(__file__).with_name("metafor_shared_control.json").read_text())
RTOL_CLOSED, RTOL_MV, ATOL = 1e-10, 1e-5, 1e-9
MIN_CASES = 15


def as_list(x: Any) -> list[Any]:
    return [] if x is None else (x if isinstance(x, list) else [x])


def dense(blocks: list[VcovBlock], vi: np.ndarray) -> np.ndarray:
    V = np.diag(np.asarray(vi, dtype=float))
    for rows, mat in blocks:
        V[np.ix_(rows, rows)] = mat
    return V


def close(a: Any, e: Any, what: str, rtol: float = RTOL_MV) -> None:
    np.testing.assert_allclose(np.atleast_1d(np.asarray(a, dtype=float)), np.array(as_list(e), dtype=float),
                               rtol=rtol, atol=ATOL, err_msg=what)


def check_fit(res: Any, case: dict[str, Any]) -> None:
    for attr, key in [("sigma2", "sigma2"), ("b", "b"), ("se", "se"), ("stat", "zval"), ("pval", "pval"),
                      ("ci_low", "ci_lb"), ("ci_high", "ci_ub"), ("QE", "QE"), ("QE_p", "QEp"), ("QM", "QM"),
                      ("QM_p", "QMp"), ("logLik", "logLik")]:
        close(getattr(res, attr), case[key], attr)
    pred = res.predict()
    close(pred["pred"][0], case["pred"]["pred"], "pred")
    close([pred["pi_low"][0], pred["pi_high"][0]], [case["pred"]["pi_lb"], case["pred"]["pi_ub"]], "pi")


# ---------------------------------------------------------------- Gleser & Olkin (2009)
GO = G["gleser2009_smd"]
GOC = {k: np.array(v, dtype=float) for k, v in GO["columns"].items()}


def gleser_comparisons() -> list[Comparison]:
    c = GOC
    return [Comparison(study=f"{c['study'][i]:g}", experiment="1", cohort=f"T{c['trt'][i]:g}",
                       control=f"C{c['study'][i]:g}", outcome="y", time_days=0.0, m1i=c["m1i"][i], sd1i=c["sdpi"][i],
                       n1i=c["n1i"][i], m2i=c["m2i"][i], sd2i=c["sdpi"][i], n2i=c["n2i"][i],
                       greater_is_better=True, k_shared=1) for i in range(c["yi"].size)]


def test_gleser_olkin_v_matches_chapter_construction() -> None:
    blocks = shared_control_vcov(gleser_comparisons(), GOC["yi"], "SMD", smd_form="gleser_olkin")
    assert [b.rows.tolist() for b in blocks] == [[0, 1], [4, 5]]  # studies 1 and 4 have two treated groups
    V = dense(blocks, GOC["vi"])
    np.testing.assert_allclose(V, np.array(GO["V"]), rtol=RTOL_CLOSED, atol=0)


@pytest.mark.parametrize("case", GO["fits"], ids=[f"{c['method']}-{'/'.join(as_list(c['clusters']))}-{c['test']}"
                                                  for c in GO["fits"]])
def test_gleser_olkin_rma_mv_with_v(case: dict[str, Any]) -> None:
    blocks = shared_control_vcov(gleser_comparisons(), GOC["yi"], "SMD", smd_form="gleser_olkin")
    clusters = [GOC[c] for c in as_list(case["clusters"])]
    res = rma_mv(GOC["yi"], GOC["vi"], clusters=clusters, method=case["method"], test=case["test"], V=blocks)
    check_fit(res, case)


# ---------------------------------------------------------------- simulated multi-arm experiments
ARMS = G["multiarm"]["arms"]


def multiarm_comparisons() -> list[Comparison]:
    """Every treated arm against its experiment's control, in the R script's order (study, experiment, group)."""
    n_arms = len(ARMS["group"])
    control = {ARMS["experiment"][i]: i for i in range(n_arms) if ARMS["role"][i] == "control"}
    treated = sorted((i for i in range(n_arms) if ARMS["role"][i] == "treated"),
                     key=lambda i: (ARMS["study"][i], ARMS["experiment"][i], ARMS["group"][i]))
    out = []
    for i in treated:
        c = control[ARMS["experiment"][i]]
        out.append(Comparison(study=ARMS["study"][i], experiment=ARMS["experiment"][i], cohort=ARMS["group"][i],
                              control="C", outcome="y", time_days=0.0, m1i=ARMS["m"][i], sd1i=ARMS["sd"][i],
                              n1i=float(ARMS["n"][i]), m2i=ARMS["m"][c], sd2i=ARMS["sd"][c], n2i=float(ARMS["n"][c]),
                              greater_is_better=True, k_shared=1, control_n=float(ARMS["n"][c])))
    return out


MEASURES = list(G["multiarm"]["effects"])


@pytest.mark.parametrize("measure", MEASURES)
def test_multiarm_effects_and_v_match_r(measure: str) -> None:
    e = G["multiarm"]["effects"][measure]
    comps = multiarm_comparisons()
    assert [c.cohort for c in comps] == e["columns"]["group"]
    assert [c.experiment for c in comps] == e["columns"]["experiment"]
    arr = {k: np.array([getattr(c, k) for c in comps]) for k in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")}
    res = escalc(measure, **arr)
    np.testing.assert_allclose(res.yi, e["columns"]["yi"], rtol=RTOL_CLOSED, atol=0)
    np.testing.assert_allclose(res.vi, e["columns"]["vi"], rtol=RTOL_CLOSED, atol=0)
    blocks = shared_control_vcov(comps, res.yi, measure)
    V = dense(blocks, res.vi)
    expected = np.diag(np.array(e["columns"]["vi"]))
    i, j = np.array(e["cov"]["i"], dtype=int), np.array(e["cov"]["j"], dtype=int)
    expected[i, j] = expected[j, i] = e["cov"]["value"]
    np.testing.assert_allclose(V, expected, rtol=RTOL_CLOSED, atol=0)
    assert len(i) > 0 and sum(len(b.rows) for b in blocks) > 2 * len(blocks) - 1


CASES = [(m, c) for m in MEASURES for c in G["multiarm"]["effects"][m]["fits"]]


@pytest.mark.parametrize("measure,case", CASES, ids=[
    f"{m}-{c['method']}-{'/'.join(as_list(c['clusters']))}-{'+'.join(as_list(c['mods'])) or 'int'}-{c['test']}"
    for m, c in CASES])
def test_multiarm_rma_mv_with_v(measure: str, case: dict[str, Any]) -> None:
    e = G["multiarm"]["effects"][measure]
    cols = e["columns"]
    comps = multiarm_comparisons()
    yi, vi = np.array(cols["yi"]), np.array(cols["vi"])
    blocks = shared_control_vcov(comps, yi, measure)
    mods = {m: np.array(cols[m], dtype=float) for m in as_list(case["mods"])} or None
    clusters = [np.array(cols[c]) for c in as_list(case["clusters"])]
    res = rma_mv(yi, vi, clusters=clusters, mods=mods, method=case["method"], test=case["test"], V=blocks)
    check_fit(res, case)


def test_golden_cases_never_shrink() -> None:
    n = len(GO["fits"]) + len(CASES)
    assert n >= MIN_CASES, f"only {n} rma.mv-with-V golden cases (expected at least {MIN_CASES})"
    assert set(MEASURES) == {"MD", "ROM", "SMD"}
    assert G["versions"]["metafor"]
