"""metafor's everyday tools on the command line (issue 12, item 13) against metafor 3.8.1 / clubSandwich 0.5.8:
`meta --robust` (CR2 + Satterthwaite + HTZ; CR1), `meta --permutations` (exact), `influence`, `leave1out`,
Q-profile intervals of tau2/tau/I2/H2 and `bias --predictor`. Oracle: tests/golden/metafor_tools.R ->
metafor_tools.json (metadat dorn2007, lopez2019, crede2010). Tolerance 1e-6 relative (1e-9 absolute floor).
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path
from typing import Any

import pytest
from cli_golden import HERE, as_list, cli, cli_json, close, load

from painregen.cli.meta_input import load_effects
from painregen.meta import influence, leave1out, permutest, rma, robust
from painregen.meta.bias import regtest

G = load("metafor_tools.json")


def _mods(case: dict[str, Any]) -> list[str]:
    return [] if case["mods"] == "1" else ["--mods", case["mods"]]


@pytest.mark.parametrize("case", G["robust"],
                         ids=[f"{c['file'][12:-4]}-{c['mods']}-{c['method']}-{c['type']}" for c in G["robust"]])
def test_robust_matches_clubsandwich(case: dict[str, Any]) -> None:
    out = cli_json("meta", HERE / case["file"], *_mods(case), "--method", case["method"], "--robust",
                   case["cluster"], "--robust-type", case["type"])["robust"]
    assert [c["term"] for c in out["coefficients"]] == as_list(case["terms"])
    for key, r in (("estimate", "b"), ("se", "se"), ("stat", "stat"), ("p", "pval"), ("ci_low", "ci_lb"),
                   ("ci_high", "ci_ub")):
        close([c[key] for c in out["coefficients"]], case[r], key, "item13-robust")
    dfs = as_list(case["df"])
    close([c["df"] for c in out["coefficients"]], dfs * len(out["coefficients"]) if len(dfs) == 1 else dfs, "df",
          "item13-robust")
    if case["mods"] != "1":
        close([out["QM"], out["QM_p"], out["QM_ddf"]], [case["QM"], case["QMp"], as_list(case["QMdf"])[1]], "QM",
              "item13-robust")


@pytest.mark.parametrize("case", G["permutest"], ids=[f"{c['mods']}-{c['method']}" for c in G["permutest"]])
def test_exact_permutations_match_metafor(case: dict[str, Any]) -> None:
    out = cli_json("meta", HERE / case["file"], *_mods(case), "--method", case["method"], "--permutations",
                   "8000", "--seed", "1")["permutation"]
    assert out["exact"] is True
    close([c["p"] for c in out["coefficients"]], case["pval"], "permutation p", "item13-permutest")
    if case["mods"] != "1":
        close(out["QM_p"], case["QMp"], "QM p", "item13-permutest")


def test_random_permutations_are_seeded() -> None:
    f = HERE / "metafor_cli/dorn2007.csv"
    a = cli_json("meta", f, "--mods", "jadad", "--permutations", "200", "--seed", "7")["permutation"]
    b = cli_json("meta", f, "--mods", "jadad", "--permutations", "200", "--seed", "7")["permutation"]
    assert a == b and a["exact"] is False and a["iterations"] == 200


def _fit(case: dict[str, Any]):  # type: ignore[no-untyped-def]
    data = load_effects(HERE / case["file"], "yi", "vi", [])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rma(data.frame["yi"], data.frame["vi"], method=case["method"], test=case["test"])


INFL = G["influence"]


@pytest.mark.parametrize("case", INFL, ids=[f"{c['file'][12:-4]}-{c['method']}-{c['test']}" for c in INFL])
def test_influence_and_leave1out_match_metafor(case: dict[str, Any], tmp_path: Path) -> None:
    args = [HERE / case["file"], "--method", case["method"], "--test", case["test"]]
    rows = cli_json("influence", *args)["studies"]
    for key, r in (("rstudent", "rstudent"), ("dffits", "dffits"), ("cook.d", "cook_d"), ("cov.r", "cov_r"),
                   ("tau2.del", "tau2_del"), ("QE.del", "QE_del"), ("hat", "hat"), ("weight", "weight"),
                   ("dfbs.intrcpt", "dfbetas")):
        close([r_[key] for r_ in rows], case[r], key, "item13-influence")
    assert [r_["inf"] for r_ in rows] == as_list(case["inf"])
    api = influence(_fit(case))
    assert list(api.influential()) == as_list(case["inf"])
    l1o = cli_json("leave1out", *args)["studies"]
    for key, r in (("estimate", "estimate"), ("se", "se"), ("zval", "stat"), ("pval", "pval"), ("ci.lb", "ci_lb"),
                   ("ci.ub", "ci_ub"), ("Q", "Q"), ("Qp", "Qp"), ("tau2", "tau2"), ("I2", "I2"), ("H2", "H2")):
        if as_list(case["l1o"][r]):  # metafor has no tau2 column for FE models
            close([r_[key] for r_ in l1o], case["l1o"][r], key, "item13-leave1out")
    close(leave1out(_fit(case)).table["estimate"], case["l1o"]["estimate"], "api l1o", "item13-leave1out")
    if case.get("confint"):
        out = cli_json("meta", *args)
        ci = case["confint"]
        close([out["tau2_ci_low"], out["tau2_ci_high"], out["tau_ci_low"], out["tau_ci_high"], out["I2_ci_low"],
               out["I2_ci_high"], out["H2_ci_low"], out["H2_ci_high"]],
              ci["tau2"][1:] + ci["tau"][1:] + ci["I2"][1:] + ci["H2"][1:], "confint", "item13-confint")


def test_influence_and_leave1out_files_and_plots(tmp_path: Path) -> None:
    f = HERE / "metafor_cli/dorn2007.csv"
    for command in ("influence", "leave1out"):
        table, fig = tmp_path / f"{command}.csv", tmp_path / f"{command}.svg"
        result = cli(command, f, "-o", table, "--plot", fig)
        assert result.exit_code == 0, result.output
        assert "Bensoussan" in result.stdout  # studies are named in the readable table
        rows = list(csv.DictReader(table.open(encoding="utf-8")))
        assert len(rows) == 19 and rows[0]["label"] == "Bensoussan"
        assert fig.read_bytes().startswith(b"<?xml") and fig.stat().st_size > 5000


@pytest.mark.parametrize("case", G["regtest"], ids=[f"{c['file'][12:-4]}-{c['predictor']}" for c in G["regtest"]])
def test_bias_predictors_match_metafor(case: dict[str, Any]) -> None:
    out = cli_json("bias", HERE / case["file"], "--predictor", case["predictor"])["egger"]
    close([out["stat"], out["p"]], [case["stat"], case["pval"]], "egger", "item13-regtest")
    assert out["predictor"] == case["predictor"]
    if case["limit"] is not None:
        close([out["limit_estimate"], out["limit_ci_low"], out["limit_ci_high"]],
              [case["limit"], *as_list(case["limit_ci"])], "limit", "item13-regtest")
    data = load_effects(HERE / case["file"], "yi", "vi", ["ni"])
    res = rma(data.frame["yi"], data.frame["vi"])
    rt = regtest(res, predictor=case["predictor"], ni=data.frame["ni"].to_numpy())
    close([rt.stat, rt.p], [case["stat"], case["pval"]], "egger (API)", "item13-regtest")


def test_predictor_without_sample_sizes_is_a_usage_error(tmp_path: Path) -> None:
    f = tmp_path / "e.csv"
    f.write_text("yi,vi\n0.1,0.1\n0.5,0.2\n0.3,0.05\n0.9,0.3\n", encoding="utf-8")
    result = cli("bias", f, "--predictor", "sqrtninv")
    assert result.exit_code == 2 and "sample sizes" in result.stderr


def test_api_robust_and_permutest_agree_with_cli() -> None:
    case = G["robust"][0]
    data = load_effects(HERE / case["file"], "yi", "vi", ["tailored", "group", "study"])
    res = rma(data.frame["yi"], data.frame["vi"], mods=data.frame[["tailored", "group"]])
    rb = robust(res, data.frame["study"].to_numpy(), clubsandwich=True)
    close(rb.se, case["se"], "api CR2 se", "item13-robust")
    close(rb.df, case["df"], "api CR2 df", "item13-robust")
    pcase = G["permutest"][1]
    data = load_effects(HERE / pcase["file"], "yi", "vi", ["jadad"])
    res = rma(data.frame["yi"], data.frame["vi"], mods=data.frame[["jadad"]])
    close(permutest(res, iterations=8000).pval, pcase["pval"], "api permutest", "item13-permutest")


def test_golden_records_versions_and_never_shrinks() -> None:
    v = G["versions"]
    assert v["metafor"] == "3.8.1" and v["clubSandwich"] == "0.5.8"
    assert len(G["robust"]) >= 16 and len(G["permutest"]) >= 4 and len(INFL) >= 7 and len(G["regtest"]) >= 10
