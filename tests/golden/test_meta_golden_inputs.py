"""How meta-analysis inputs are read and labelled, against metafor 3.8.1 (issue 12, items 1-6).

Oracle: tests/golden/metafor_inputs.R -> metafor_inputs.json and the tables in metafor_cli/ (metadat michael2013,
crede2010, lopez2019, gibson2002 and seeded synthetic cell-therapy data). Every model case runs twice: through the
Python API (the CLI's reader, then painregen.meta) and through `painregen meta --json`. Tolerance 1e-6 relative
(1e-9 absolute floor at 0), as the other metafor golden tests.
"""

from __future__ import annotations

import csv
import io
import warnings
from typing import Any

import numpy as np
import pytest
from cli_golden import HERE, as_list, check_fit, check_meta_json, cli, cli_json, close, fit_args, load

from painregen.cli.meta_input import load_effects
from painregen.effects import escalc
from painregen.meta import fsn, rma, subgroup
from painregen.meta.bias import regtest
from painregen.meta.collate import factor_levels, r_number, r_sort

G = load("metafor_inputs.json")
MODEL_CASES = [c for c in G["cases"] if "result" in c]
SUB_CASES = [c for c in G["cases"] if c.get("kind") == "subgroup"]


def _tally(case: dict[str, Any]) -> str:
    return f"item{case['item']}"


def _api_fit(case: dict[str, Any]):  # type: ignore[no-untyped-def]
    cols = [c for c in (case.get("mods") or "").split(",") if c]
    data = load_effects(HERE / case["file"], "yi", "vi", cols, [v for v in (case.get("na_values") or "").split(",")
                                                                if v])
    refs = dict([case["ref"].split("=")]) if case.get("ref") else None
    mods = data.frame[cols] if cols else None
    if mods is not None and refs:
        mods = mods.copy()
        mods.attrs["refs"] = refs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rma(data.frame["yi"], data.frame["vi"], mods=mods, method=case["method"], test=case["test"]), data


@pytest.mark.parametrize("case", MODEL_CASES, ids=[c["id"] for c in MODEL_CASES])
def test_model_api_matches_metafor(case: dict[str, Any]) -> None:
    res, _ = _api_fit(case)
    check_fit(res, case["result"], case["id"], _tally(case))
    assert res.test == case["result"]["test"]  # k = 1 with knha falls back to z, as metafor


@pytest.mark.parametrize("case", MODEL_CASES, ids=[c["id"] for c in MODEL_CASES])
def test_model_cli_matches_metafor(case: dict[str, Any]) -> None:
    result = cli("meta", *fit_args(case), "--json")
    assert result.exit_code == 0, result.output
    import json

    out = json.loads(result.stdout)
    check_meta_json(out, case["result"], case["id"], _tally(case))
    if case.get("warn"):  # a missing-looking level is kept and said, never dropped silently
        assert case["warn"] in result.stderr and "warning" in result.stderr


def test_none_is_a_category_unless_said_otherwise() -> None:
    """michael2013: the Compensation level "None" is a real category (k = 12, metafor), missing with --na-values."""
    base = cli_json("meta", str(HERE / "metafor_cli/michael2013.csv"), "--mods", "Compensation")
    said = cli_json("meta", str(HERE / "metafor_cli/michael2013.csv"), "--mods", "Compensation", "--na-values",
                    "None")
    assert base["k"] == 12 and "CompensationNone" in [c["term"] for c in base["coefficients"]]
    assert said["k"] == 11 and said["k_omitted"] == 1


@pytest.mark.parametrize("case", SUB_CASES, ids=[c["id"] for c in SUB_CASES])
def test_subgroups_match_metafor(case: dict[str, Any]) -> None:
    out = cli_json("meta", str(HERE / case["file"]), "--subgroup", case["subgroup"], "--method", case["method"],
                   "--test", case["test"])
    assert [s["level"] for s in out["subgroups"]] == as_list(case["levels"])  # "0"/"1", R's collation
    data = load_effects(HERE / case["file"], "yi", "vi", [case["subgroup"]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        api = subgroup(data.frame["yi"], data.frame["vi"], data.frame[case["subgroup"]], method=case["method"],
                       test=case["test"])
    assert list(api.levels) == as_list(case["levels"])
    for got in (out["subgroups"], api.subgroups()):
        for s, e in zip(got, case["subgroups"], strict=True):
            assert s["k"] == e["k"]
            for key, r in (("estimate", "estimate"), ("se", "se"), ("ci_low", "ci_lb"), ("ci_high", "ci_ub"),
                           ("tau2", "tau2"), ("I2", "I2"), ("Q", "QE")):
                close(s[key], e[r], f"{case['id']} {s['level']} {key}", _tally(case))
    for q in (out["Q_between"], api.Q_between):
        close(q, case["Q_between"], "Q_between", _tally(case))
    close(out["Q_between_p"], case["Q_between_p"], "Q_between_p", _tally(case))


@pytest.mark.parametrize("case", G["escalc"], ids=[c["measure"] for c in G["escalc"]])
def test_blank_inputs_give_empty_effects_and_a_warning(case: dict[str, Any]) -> None:
    """gibson2002 rows 14-15 have no means/SDs: metafor returns NA there and values elsewhere."""
    result = cli("effects", str(HERE / case["file"]), "--measure", case["measure"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    yi = [np.nan if r["yi"] == "" else float(r["yi"]) for r in rows]
    vi = [np.nan if r["vi"] == "" else float(r["vi"]) for r in rows]
    close(yi, case["yi"], "yi", "item4")
    close(vi, case["vi"], "vi", "item4")
    for row in as_list(case["missing_rows"]):  # R's 1-based row -> file line row + 1
        assert f"gibson2002.csv:{row + 1}: missing value" in result.stderr
    cols = {c: np.array([np.nan if r[c] == "" else float(r[c]) for r in rows]) for c in
            ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")}
    api = escalc(case["measure"], **cols)
    close(api.yi, case["yi"], "api yi", "item4")
    assert [w.row + 1 for w in api.warnings] == as_list(case["missing_rows"])


def test_malformed_metafor_input_is_still_an_error(tmp_path: Any) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("m1i,sd1i,n1i,m2i,sd2i,n2i\n10,2,8,6,2,8\n10,abc,8,6,2,8\n10,,8,6,2,8\n", encoding="utf-8")
    result = cli("effects", str(f), "--measure", "SMD")
    assert result.exit_code == 1 and "bad.csv:3:sd1i" in result.stderr and "bad.csv:4" not in result.stderr


@pytest.mark.parametrize("case", G["fsn"], ids=[str(i) for i in range(len(G["fsn"]))])
def test_failsafe_n_matches_metafor(case: dict[str, Any]) -> None:
    close(fsn(case["yi"], case["vi"]), case["fsn"], "fsn", "item5")


def test_failsafe_n_rounding_matters() -> None:
    """At least one whole-number case lands a hair above its integer in floating point (the old ceiling was +1)."""
    raws = []
    for case in G["fsn"]:
        if case["raw"] is not None:
            z = np.asarray(case["yi"]) / np.sqrt(case["vi"])
            from scipy import stats

            raws.append((np.sum(z) / stats.norm.ppf(0.95)) ** 2 - z.size)
    assert any(np.ceil(r) != round(r) for r in raws)


def test_equal_variances_stop_as_metafor() -> None:
    assert "full rank" in G["equal_vi"]["metafor_error"]
    result = cli("bias", str(HERE / G["equal_vi"]["file"]))
    assert result.exit_code == 1 and "full rank" in result.stderr and "Traceback" not in result.output
    res = rma([.1, .5, .3, .9, .4, .2], [.1] * 6)
    with pytest.raises(ValueError, match="full rank"):
        regtest(res)


def test_option_clashes_are_usage_errors() -> None:
    f = str(HERE / "metafor_cli/cells.csv")
    for args in (["--subgroup", "source", "--mods", "dose"], ["--subgroup", "source", "--random", "study/route"],
                 ["--subgroup", "source", "--robust", "route"], ["--btt", "2"]):
        result = cli("meta", f, *args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output


def test_k1_knha_warns_and_uses_z() -> None:
    result = cli("meta", str(HERE / "metafor_cli/one_study.csv"), "--test", "knha")
    assert result.exit_code == 0 and "Setting test = 'z'" in result.stderr


def test_collation_matches_r() -> None:
    c = G["collation"]
    assert r_sort(c["input"]) == c["sorted"] == c["factor_levels"]
    assert [r_number(x) for x in c["numbers"]] == c["number_labels"]
    assert factor_levels([10.0, 2.0, 1.0, 0.5, 2.0, 10.0]) == c["numeric_factor_levels"]


def test_golden_records_versions_and_never_shrinks() -> None:
    v = G["versions"]
    assert v["metafor"] == "3.8.1" and v["R"].startswith("R version") and v["LC_COLLATE"] == "C.UTF-8"
    assert len(MODEL_CASES) >= 21 and len(SUB_CASES) >= 6 and len(G["escalc"]) >= 3 and len(G["fsn"]) >= 7
    assert len(G["collation"]["input"]) >= 2000
