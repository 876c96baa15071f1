"""Shared helpers of the CLI golden tests: run `painregen` in-process, compare numbers with a tolerance, and count
the reference comparisons made (reported in the closing notes of issue 12)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from typer.testing import CliRunner

from painregen.cli.main import app

HERE = Path(__file__).parent
RTOL = 1e-6
ATOL = 1e-9  # floor for values at 0 (tau2 on the boundary, tiny p-values), where a relative criterion is meaningless
COUNTS: Counter[str] = Counter()
WORST: dict[str, float] = {}
runner = CliRunner()


def load(name: str) -> dict[str, Any]:
    return json.loads((HERE / name).read_text())


def as_list(x: Any) -> list[Any]:
    if x is None:
        return []
    return x if isinstance(x, list) else [x]


def close(actual: Any, expected: Any, what: str, tally: str = "", rtol: float = RTOL, atol: float = ATOL) -> None:
    """assert_allclose, counting the scalar comparisons (and the worst relative difference) under ``tally``."""
    exp = np.array([np.nan if e is None else e for e in as_list(expected)], dtype=float)
    act = np.atleast_1d(np.array([np.nan if a is None else a for a in np.ravel(actual)], dtype=float))
    np.testing.assert_allclose(act, exp, rtol=rtol, atol=atol, err_msg=what, equal_nan=True)
    if tally:
        ok = np.isfinite(exp) & np.isfinite(act)
        COUNTS[tally] += int(ok.sum())
        rel = np.abs(act[ok] - exp[ok]) / np.maximum(np.abs(exp[ok]), ATOL / RTOL)
        WORST[tally] = max(WORST.get(tally, 0.0), float(rel.max()) if rel.size else 0.0)


def cli(*args: str) -> Any:
    """Run the CLI in-process; returns the click Result (exit_code, stdout, stderr)."""
    return runner.invoke(app, [str(a) for a in args])


def cli_json(*args: str) -> dict[str, Any]:
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def fit_args(case: dict[str, Any]) -> list[str]:
    """`painregen meta` options of a golden model case."""
    args = [str(HERE / case["file"]), "--method", case["method"], "--test", case["test"]]
    if case.get("mods"):
        args += ["--mods", case["mods"]]
    if case.get("na_values"):
        args += ["--na-values", case["na_values"]]
    if case.get("ref"):
        args += ["--ref", case["ref"]]
    return args


def check_meta_json(out: dict[str, Any], exp: dict[str, Any], what: str, tally: str) -> None:
    """The JSON of `painregen meta --json` against a metafor fit summary (R's fit_summary)."""
    assert out["k"] == exp["k"], what
    coefs = out.get("coefficients")
    if coefs is None:  # intercept-only: the top-level keys
        coefs = [{"term": "intrcpt", "estimate": out["estimate"], "se": out["se"], "stat": out["stat"],
                  "p": out["p"], "ci_low": out["ci_low"], "ci_high": out["ci_high"]}]
    assert [c["term"] for c in coefs] == as_list(exp["terms"]), what
    for key, r in (("estimate", "b"), ("se", "se"), ("stat", "zval"), ("p", "pval"), ("ci_low", "ci_lb"),
                   ("ci_high", "ci_ub")):
        close([c[key] for c in coefs], exp[r], f"{what}: {key}", tally)
    close(out["Q"], exp["QE"], f"{what}: Q", tally)
    close(out["Q_p"], exp["QEp"], f"{what}: Q_p", tally)
    if "tau2" in out:
        close(out["tau2"], exp["tau2"], f"{what}: tau2", tally)
        close(out["I2"], exp["I2"], f"{what}: I2", tally)
        close(out["H2"], exp["H2"], f"{what}: H2", tally)
    if "QM" in out:
        close(out["QM"], exp["QM"], f"{what}: QM", tally)
        close(out["QM_p"], exp["QMp"], f"{what}: QM_p", tally)
        if exp.get("R2") is not None:
            close(out["R2"], exp["R2"], f"{what}: R2", tally)
    if "confint" in exp and "tau2_ci_low" in out:
        ci = exp["confint"]
        close([out["tau2_ci_low"], out["tau2_ci_high"]], ci["tau2"][1:], f"{what}: tau2 CI", tally)
        close([out["tau_ci_low"], out["tau_ci_high"]], ci["tau"][1:], f"{what}: tau CI", tally)
        close([out["I2_ci_low"], out["I2_ci_high"]], ci["I2"][1:], f"{what}: I2 CI", tally)
        close([out["H2_ci_low"], out["H2_ci_high"]], ci["H2"][1:], f"{what}: H2 CI", tally)
    if "pi" in exp and out.get("pi_low") is not None:
        close([out["pi_low"], out["pi_high"]], exp["pi"], f"{what}: PI", tally)


def check_fit(res: Any, exp: dict[str, Any], what: str, tally: str) -> None:
    """An RmaResult (Python API) against a metafor fit summary."""
    assert res.k == exp["k"], what
    assert list(res.terms) == as_list(exp["terms"]), what
    for attr, r in (("b", "b"), ("se", "se"), ("stat", "zval"), ("pval", "pval"), ("ci_low", "ci_lb"),
                    ("ci_high", "ci_ub")):
        close(getattr(res, attr), exp[r], f"{what}: {attr}", tally)
    close(res.tau2, exp["tau2"], f"{what}: tau2", tally)
    close(res.QE, exp["QE"], f"{what}: QE", tally)
    close(res.I2, exp["I2"], f"{what}: I2", tally)
    close(res.H2, exp["H2"], f"{what}: H2", tally)
    if res.p > 1:
        close(res.QM, exp["QM"], f"{what}: QM", tally)
        close(res.QM_p, exp["QMp"], f"{what}: QMp", tally)
