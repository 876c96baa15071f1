"""`painregen meta`, `bias`, `forest` and `ls` as a user meets them: readable summaries by default, the JSON
contract of DESIGN.md with --json, forest plots, warnings about dependent rows and unidentified levels, and an `ls`
that fits 80 columns. (Numbers are checked against metafor in tests/golden/test_meta_golden_*.py.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

from painregen.cli.main import app
from painregen.cli.registry_cmd import studies_table

runner = CliRunner()
GOLDEN = Path(__file__).parent / "golden" / "metafor_cli"
META_KEYS = {"k", "method", "test", "estimate", "se", "stat", "p", "ci_low", "ci_high", "Q", "Q_df", "Q_p"}
RE_KEYS = {"tau2", "tau", "I2", "H2", "pi_low", "pi_high", "tau2_ci_low", "tau2_ci_high"}


def _effects(tmp_path: Path, rows: list[str], header: str = "study,cohort,outcome,time,yi,vi") -> Path:
    f = tmp_path / "es.csv"
    f.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return f


def test_meta_prints_a_summary_by_default_and_json_on_request() -> None:
    f = GOLDEN / "dorn2007.csv"
    text = runner.invoke(app, ["meta", str(f)])
    assert text.exit_code == 0, text.output
    for part in ("Random-Effects Model (k = 19; tau^2 estimator: REML)", "Heterogeneity (total; Q-profile 95% CI)",
                 "Test for Heterogeneity:", "Model Results:", "intrcpt", "Prediction interval:"):
        assert part in text.stdout
    assert not text.stdout.lstrip().startswith("{")
    assert max(len(line) for line in text.stdout.splitlines()) <= 80
    out = json.loads(runner.invoke(app, ["meta", str(f), "--json"]).stdout)
    assert set(out) >= META_KEYS | RE_KEYS
    mods = json.loads(runner.invoke(app, ["meta", str(f), "--mods", "jadad,country", "--json"]).stdout)
    assert {"coefficients", "QM", "QM_df", "QM_p", "R2"} <= set(mods)
    assert "Test of Moderators" in runner.invoke(app, ["meta", str(f), "--mods", "jadad"]).stdout
    sub = json.loads(runner.invoke(app, ["meta", str(f), "--subgroup", "ibs.crit", "--json"]).stdout)
    assert {"subgroups", "Q_between", "Q_between_df", "Q_between_p"} <= set(sub)
    assert "Test for Subgroup Differences" in runner.invoke(app, ["meta", str(f), "--subgroup", "ibs.crit"]).stdout


def test_bias_prints_a_summary_by_default_and_json_on_request() -> None:
    f = GOLDEN / "dorn2007.csv"
    text = runner.invoke(app, ["bias", str(f), "--predictor", "sqrtninv"])
    assert text.exit_code == 0, text.output
    for part in ("Egger's regression test for funnel plot asymmetry", "(predictor: 1/sqrt(n))",
                 "Rank correlation test", "Trim-and-fill", "Fail-safe N (Rosenthal):"):
        assert part in text.stdout
    assert max(len(line) for line in text.stdout.splitlines()) <= 80
    out = json.loads(runner.invoke(app, ["bias", str(f), "--json"]).stdout)
    assert {"egger", "rank", "trimfill", "failsafe_n"} <= set(out)
    assert {"stat", "p", "limit_estimate"} <= set(out["egger"]) and {"tau", "p"} <= set(out["rank"])
    assert {"k0", "side", "estimate", "se", "ci_low", "ci_high"} <= set(out["trimfill"])


@pytest.mark.parametrize("suffix", [".svg", ".png", ".pdf"])
def test_forest_command_writes_the_figure(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"forest{suffix}"
    result = runner.invoke(app, ["forest", str(GOLDEN / "dorn2007.csv"), "-o", str(out), "--subgroup", "ibs.crit",
                                 "--xlabel", "log risk ratio"])
    assert result.exit_code == 0, result.output
    head = out.read_bytes()[:8]
    assert {".svg": b"<?xml", ".png": b"\x89PNG", ".pdf": b"%PDF"}[suffix] in head
    if suffix == ".svg":
        svg = out.read_text(encoding="utf-8")
        for text in ("Favours control", "Favours treatment", "Weight", "Bensoussan", "Test for subgroup differences",
                     "Heterogeneity"):
            assert text in svg


def test_meta_plot_and_forest_errors(tmp_path: Path) -> None:
    f = GOLDEN / "dorn2007.csv"
    plot = tmp_path / "m.svg"
    assert runner.invoke(app, ["meta", str(f), "--plot", str(plot)]).exit_code == 0 and plot.exists()
    bad = runner.invoke(app, ["meta", str(f), "--mods", "jadad", "--plot", str(tmp_path / "x.svg")])
    assert bad.exit_code == 2 and "forest plot needs" in bad.stderr
    assert runner.invoke(app, ["forest", str(f), "-o", str(tmp_path / "x.gif")]).exit_code == 2


def test_meta_warns_about_repeated_timepoints(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    rows = [f"S{s},C1,vonFrey,{t},{rng.normal(0.5, 0.3):.3f},{rng.uniform(0.05, 0.2):.3f}"
            for s in range(1, 6) for t in (7, 14, 28)]
    result = runner.invoke(app, ["meta", str(_effects(tmp_path, rows))])
    assert result.exit_code == 0
    assert "repeated measures" in result.stderr and "--collapse last" in result.stderr
    assert "--random study/experiment" in result.stderr
    one = [f"S{s},C1,vonFrey,7,{0.1 * s:.3f},0.1" for s in range(1, 6)]
    assert "repeated measures" not in runner.invoke(app, ["meta", str(_effects(tmp_path, one))]).stderr


def test_random_warns_when_a_level_is_not_identified(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    rows = [f"S{s},E{s},{rng.normal(0.5, 0.4):.3f},{rng.uniform(0.05, 0.2):.3f}" for s in range(1, 13)]
    result = runner.invoke(app, ["meta", str(_effects(tmp_path, rows, "study,experiment,yi,vi")), "--random",
                                 "study/experiment"])
    assert result.exit_code == 0, result.output
    assert "not separately identified" in result.stderr
    nested = [f"S{s},E{e},{rng.normal(0.5, 0.4):.3f},{rng.uniform(0.05, 0.2):.3f}" for s in range(1, 7)
              for e in (1, 2)]
    ok = runner.invoke(app, ["meta", str(_effects(tmp_path, nested, "study,experiment,yi,vi")), "--random",
                             "study/experiment"])
    assert ok.exit_code == 0 and "not separately identified" not in ok.stderr
    assert "Multivariate Meta-Analysis Model" in ok.stdout and "sigma^2.1" in ok.stdout


def test_ls_fits_80_columns() -> None:
    studies = [SimpleNamespace(id=i, study_id=key, year=2000 + i, title=title, n_experiments=1, n_cohorts=3,
                               n_observations=120, simulated=sim)
               for i, (key, title, sim) in enumerate([
                   ("SIM-0001", "[SIMULATED] Intrathecal umbilical cord MSCs in chronic constriction injury", True),
                   ("8f14e45f-ceea-467f-a6b5-ccf16b1c2a9d", "Adipose-derived stem cells relieve neuropathic pain "
                    "after spared nerve injury in rats", False),
               ], start=1)]
    console = Console(width=80, record=True)
    console.print(studies_table(studies, "painregen.db", 80))
    lines = console.export_text().splitlines()
    assert max(len(line) for line in lines) <= 80
    text = "\n".join(lines)
    assert "[SIMULATED]" not in text and "Intrathecal umbilical" in text and "Adipose-derived" in text
    assert "8f14e45f-cee" in text  # a long key is shortened, never the whole line wrapped


def test_cli_modules_import_light() -> None:
    """Command modules load only typer/stdlib/common at import time (fast `painregen --version`)."""
    code = ("import sys; import painregen.cli.meta_cmd, painregen.cli.forest_cmd; "
            "print(any(m in sys.modules for m in ('pandas', 'numpy', 'matplotlib', 'scipy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
