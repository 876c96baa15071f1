"""Mantel-Haenszel (OR, RR, RD) and Peto's method against metafor's rma.mh / rma.peto
(tests/golden/metafor_mh_peto.R) on rare-event datasets with zero cells and double-zero tables (metadat
nielweise2007, li2007, lee2004, yusuf1985, collins1985a), with metafor's defaults and other zero-cell options.

Closed-form estimators: tolerance 1e-6 relative for estimates (measured worst ~1e-13), 1e-9 absolute at 0.
Tarone's test solves a quadratic per table by root finding (to 1e-14): same tolerance."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from painregen.meta import rma_mh, rma_peto

G = json.loads(Path(__file__).with_name("metafor_mh_peto.json").read_text())
RTOL, ATOL = 1e-6, 1e-9


def arr(x: Any) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in np.atleast_1d(np.array(x, dtype=object))], dtype=float)


def run(case: dict[str, Any]) -> Any:
    d = {k: arr(v) for k, v in G["datasets"][case["dataset"]].items()}
    o = case["options"]
    kw = {"add": o["add"], "to": o["to"], "drop00": o["drop00"], "level": o["level"]}
    if case["method"] == "MH":
        return rma_mh(d["ai"], ci=d["ci"], n1i=d["n1i"], n2i=d["n2i"], measure=case["measure"],
                      correct=o["correct"], **kw)
    return rma_peto(d["ai"], ci=d["ci"], n1i=d["n1i"], n2i=d["n2i"], **kw)


@pytest.mark.parametrize("case", G["cases"], ids=[f"{c['dataset']}-{c['method']}-{c['measure']}-{c['variant']}"
                                                  for c in G["cases"]])
def test_matches_metafor(case: dict[str, Any]) -> None:
    res = run(case)
    assert res.k == case["k"] and res.k_yi == case["k_yi"]
    for attr, key in [("b", "b"), ("se", "se"), ("zval", "zval"), ("pval", "pval"), ("ci_low", "ci_lb"),
                      ("ci_high", "ci_ub"), ("QE", "QE"), ("QE_p", "QEp"), ("I2", "I2"), ("H2", "H2")]:
        np.testing.assert_allclose(getattr(res, attr), arr(case[key])[0], rtol=RTOL, atol=ATOL, err_msg=attr)
    has = np.isfinite(res.yi)  # metafor's yi/vi hold the studies with an effect only
    np.testing.assert_allclose(res.yi[has], arr(case["yi"]), rtol=RTOL, atol=ATOL, err_msg="yi")
    np.testing.assert_allclose(res.vi[has], arr(case["vi"]), rtol=RTOL, atol=ATOL, err_msg="vi")
    if case.get("MH") is not None:
        np.testing.assert_allclose([res.cmh, res.cmh_p], [case["MH"], case["MHp"]], rtol=RTOL, atol=ATOL)
    if case.get("TA") is not None:
        np.testing.assert_allclose([res.tarone, res.tarone_p], [case["TA"], case["TAp"]], rtol=RTOL, atol=ATOL)
    if case["method"] == "MH" and case["measure"] != "OR":
        assert res.cmh is None and res.tarone is None


def test_grid_never_shrinks() -> None:
    assert len(G["cases"]) >= 64
    assert G["versions"]["metafor"] == "3.8.1"
    seen = {(c["method"], c["measure"]) for c in G["cases"]}
    assert seen == {("MH", "OR"), ("MH", "RR"), ("MH", "RD"), ("PETO", "OR")}
    assert {c["variant"] for c in G["cases"]} >= {"default", "nocorrect", "both_adjusted", "to_all",
                                                   "if0all_keep00", "none_level90"}


def _cli_args(case: dict[str, Any], path: Path) -> list[str]:
    o = case["options"]

    def join(x: Any) -> str:
        vals = x if isinstance(x, list) else [x]
        return ",".join(str(v).lower() if isinstance(v, bool) else str(v) for v in vals)

    return ["meta", str(path), "--method", case["method"], "--measure", case["measure"], "--add", join(o["add"]),
            "--to", join(o["to"]), "--drop00", join(o["drop00"]), "--level", str(o["level"]),
            *([] if o["correct"] else ["--no-correct"]), "--json"]


@pytest.mark.parametrize("case", G["cases"][::3], ids=[f"{c['dataset']}-{c['method']}-{c['measure']}-{c['variant']}"
                                                       for c in G["cases"][::3]])
def test_cli_matches_metafor(case: dict[str, Any], tmp_path: Path) -> None:
    """Every third case again through `painregen meta --method MH|PETO --json` (counts written as a CSV with
    empty cells for missing counts)."""
    from typer.testing import CliRunner

    from painregen.cli.main import app

    d = G["datasets"][case["dataset"]]
    path = tmp_path / "tables.csv"
    rows = zip(*(d[c] for c in ("ai", "n1i", "ci", "n2i")), strict=True)
    path.write_text("ai,n1i,ci,n2i\n" + "".join(",".join("" if v is None else f"{v:g}" for v in r) + "\n"
                                                for r in rows), encoding="utf-8")
    result = CliRunner().invoke(app, _cli_args(case, path))
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["k"] == case["k"] and out["k_yi"] == case["k_yi"] and out["method"] == case["method"]
    for key, gold in [("estimate", "b"), ("se", "se"), ("stat", "zval"), ("p", "pval"), ("ci_low", "ci_lb"),
                      ("ci_high", "ci_ub"), ("Q", "QE"), ("Q_p", "QEp"), ("I2", "I2"), ("H2", "H2")]:
        np.testing.assert_allclose(out[key], arr(case[gold])[0], rtol=RTOL, atol=ATOL, err_msg=key)
    if case.get("MH") is not None:
        np.testing.assert_allclose([out["cmh"], out["cmh_p"], out["tarone"], out["tarone_p"]],
                                   [case["MH"], case["MHp"], case["TA"], case["TAp"]], rtol=RTOL, atol=ATOL)
    if case["measure"] in ("OR", "RR"):
        np.testing.assert_allclose(out["estimate_exp"], np.exp(arr(case["b"])[0]), rtol=RTOL)
