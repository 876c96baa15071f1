"""Formula moderators, btt, likelihood-ratio model comparison and linear hypotheses against metafor 3.8.1 (issue 12,
item 12). Oracle: tests/golden/metafor_formula.R -> metafor_formula.json (metadat landenberger2005, bornmann2007 and
the synthetic cells.csv). API and CLI; tolerance 1e-6 relative (1e-9 absolute floor at 0).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from cli_golden import HERE, as_list, check_fit, check_meta_json, cli_json, close, load

from painregen.cli.meta_input import load_effects
from painregen.meta import rma
from painregen.meta.anova import compare, fitstats, linear_hypotheses, parse_btt, parse_hypothesis
from painregen.meta.formula import FormulaError, terms

G = load("metafor_formula.json")


def _frame(file: str, *formulas: str):  # type: ignore[no-untyped-def]
    cols = list(dict.fromkeys(c for f in formulas for c in terms(f).columns))
    return load_effects(HERE / file, "yi", "vi", cols).frame


def _fit(file: str, formula: str, method: str = "REML", test: str = "z", frame: Any = None, **kw: Any):  # type: ignore[no-untyped-def]
    data = _frame(file, f"~ {formula}") if frame is None else frame
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rma(data["yi"], data["vi"], mods=f"~ {formula}", data=data, method=method, test=test, **kw)


def _id(c: dict[str, Any]) -> str:
    return f"{c['file'].split('/')[-1][:-4]}-{c['mods']}-{c['method']}-{c['test']}"


@pytest.mark.parametrize("case", G["formula"], ids=[_id(c) for c in G["formula"]])
def test_formula_api_matches_metafor(case: dict[str, Any]) -> None:
    res = _fit(case["file"], case["mods"], case["method"], case["test"])
    exp = case["result"]
    check_fit(res, exp, _id(case), "item12-formula")
    if exp.get("R2") is not None:
        close(res.R2, exp["R2"], "R2", "item12-formula")
    fs = fitstats(res)
    close([fs.ll, fs.dev, fs.AIC, fs.BIC, fs.AICc], [exp["fitstats"][k] for k in ("ll", "dev", "AIC", "BIC", "AICc")],
          "fitstats", "item12-fitstats")


@pytest.mark.parametrize("case", G["formula"][::3], ids=[_id(c) for c in G["formula"][::3]])
def test_formula_cli_matches_metafor(case: dict[str, Any]) -> None:
    out = cli_json("meta", HERE / case["file"], "--mods", case["mods"], "--method", case["method"], "--test",
                   case["test"])
    check_meta_json(out, case["result"], _id(case), "item12-formula")


@pytest.mark.parametrize("case", G["btt"], ids=[f"{c['mods']}-{c['btt']}-{c['test']}" for c in G["btt"]])
def test_btt_matches_metafor(case: dict[str, Any]) -> None:
    exp = case["result"]
    out = cli_json("meta", HERE / case["file"], "--mods", case["mods"], "--btt", case["btt"], "--test", case["test"])
    assert out["btt"] == [exp["terms"][j - 1] for j in as_list(exp["btt"])]
    close([out["QM"], out["QM_p"]], [exp["QM"], exp["QMp"]], "QM", "item12-btt")
    res = _fit(case["file"], case["mods"], test=case["test"])
    btt = parse_btt(case["btt"], res.terms)
    assert [j + 1 for j in btt] == as_list(exp["btt"])
    res = _fit(case["file"], case["mods"], test=case["test"], btt=btt)
    close([res.QM, res.QM_p], [exp["QM"], exp["QMp"]], "QM (API)", "item12-btt")


def _check_comparison(cmp: Any, case: dict[str, Any], tally: str) -> None:
    keys = ("ll", "dev", "AIC", "BIC", "AICc")
    close([getattr(cmp.full, k) for k in keys], case["full_stats"], "full fit stats", tally)
    close([getattr(cmp.reduced, k) for k in keys], case["reduced_stats"], "reduced fit stats", tally)
    assert [cmp.full.parms, cmp.reduced.parms] == as_list(case["parms"])
    close([cmp.LRT, cmp.pval], [case["LRT"], case["pval"]], "LRT", tally)
    close([cmp.QE_full, cmp.QE_reduced], case["QE"], "QE", tally)
    close([cmp.tau2_full or 0.0, cmp.tau2_reduced or 0.0], case["tau2"], "tau2", tally)
    if case.get("R2") is not None:
        close(cmp.R2, case["R2"], "R2", tally)


@pytest.mark.parametrize("case", G["anova"], ids=[f"{c['full']}-vs-{c['reduced']}-{c['method']}" for c in G["anova"]])
def test_model_comparison_matches_metafor(case: dict[str, Any]) -> None:
    frame = _frame(case["file"], f"~ {case['full']}", f"~ {case['reduced']}")
    frame = frame.loc[frame.notna().all(axis=1)].reset_index(drop=True)
    full = _fit(case["file"], case["full"], case["method"], frame=frame)
    reduced = _fit(case["file"], case["reduced"], case.get("reduced_method", case["method"]), frame=frame)
    _check_comparison(compare(full, reduced), case, "item12-anova")
    if "reduced_method" not in case:  # the CLI compares fits of one method
        out = cli_json("meta", HERE / case["file"], "--mods", case["full"], "--compare", case["reduced"], "--method",
                       case["method"])["compare"]
        close([out["LRT"], out["p"], out["full"]["logLik"], out["reduced"]["logLik"], out["full"]["AIC"],
               out["reduced"]["BIC"]],
              [case["LRT"], case["pval"], case["full_stats"][0], case["reduced_stats"][0], case["full_stats"][2],
               case["reduced_stats"][3]], "CLI compare", "item12-anova")


def test_reml_comparison_needs_the_same_fixed_effects() -> None:
    case = G["anova"][0]
    full = _fit(case["file"], case["full"])
    reduced = _fit(case["file"], case["reduced"])
    with pytest.raises(ValueError, match="different fixed effects"):
        compare(full, reduced)


@pytest.mark.parametrize("case", G["contrasts"], ids=[f"{c['mods']}-{c['test']}" for c in G["contrasts"]])
def test_linear_hypotheses_match_metafor(case: dict[str, Any]) -> None:
    res = _fit(case["file"], case["mods"], test=case["test"])
    hyps = as_list(case["hypotheses"])
    L = np.vstack([parse_hypothesis(h, res.terms) for h in hyps])
    for got in (linear_hypotheses(res, L).to_dict(),
                cli_json("meta", HERE / case["file"], "--mods", case["mods"], "--test", case["test"],
                         *[a for h in hyps for a in ("--contrast", h)])["contrasts"]):
        rows = got["hypotheses"]
        for key, r in (("estimate", "estimate"), ("se", "se"), ("stat", "stat"), ("p", "pval")):
            close([h[key] for h in rows], case[r], key, "item12-contrast")
        close([got["QM"], got["QM_p"]], [case["QM"], case["QMp"]], "QM", "item12-contrast")


def test_formula_errors_are_clear() -> None:
    frame = _frame("metafor_cli/cells.csv", "~ dose + route")
    for bad, msg in (("~ dose +", "expected"), ("~ nosuch", "not column"), ("~ route^2.5", "whole number"),
                     ("~ exp(dose, 2)", "one argument"), ("~ foo(dose)", "not supported"),
                     ("~ dose > 2", "wrap it in I")):
        with pytest.raises((FormulaError, ValueError), match=msg):
            rma(frame["yi"], frame["vi"], mods=bad, data=frame)


def test_golden_records_versions_and_never_shrinks() -> None:
    v = G["versions"]
    assert v["metafor"] == "3.8.1" and v["LC_COLLATE"] == "C.UTF-8"
    assert len(G["formula"]) >= 90 and len(G["btt"]) >= 10 and len(G["anova"]) >= 12 and len(G["contrasts"]) >= 6
