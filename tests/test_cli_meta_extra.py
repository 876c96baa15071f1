"""`painregen meta` with --random-term / --struct / --dfs and with --method MH|PETO: results equal to the library,
readable summaries, and clear errors (exit 1 for bad data naming file:row:column, exit 2 for bad options). The
numbers themselves are checked against metafor in tests/golden/test_meta_golden_{rma_mv_struct,mh_peto}.py."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from painregen.cli.main import app
from painregen.meta import rma_mh, rma_mv, rma_peto

runner = CliRunner()


def _crossed(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    rng = np.random.default_rng(5)
    labs = [f"lab{i}" for i in range(8)]
    strains = ["Lewis", "Wistar", "SD"]
    rows = [(lab, s, r) for lab in labs for s in strains for r in range(int(rng.integers(1, 3)))]
    df = pd.DataFrame(rows, columns=["lab", "strain", "rep"])
    u_lab = dict(zip(labs, rng.normal(0, 0.4, len(labs)), strict=True))
    u_strain = dict(zip(strains, rng.normal(0, 0.3, 3), strict=True))
    df["vi"] = rng.uniform(0.05, 0.3, len(df))
    df["dose"] = rng.uniform(0, 2, len(df)).round(3)
    df["yi"] = (0.5 + 0.2 * df["dose"] + df["lab"].map(u_lab) + df["strain"].map(u_strain)
                + rng.normal(0, np.sqrt(df["vi"]))).round(6)
    path = tmp_path / "crossed.csv"
    df.to_csv(path, index=False)
    return path, pd.read_csv(path)


def test_crossed_terms_equal_the_library(tmp_path: Path) -> None:
    path, df = _crossed(tmp_path)
    result = runner.invoke(app, ["meta", str(path), "--random-term", "~ 1 | lab", "--random-term", "~ 1 | strain",
                                 "--mods", "dose", "--dfs", "contain", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    lib = rma_mv(df["yi"], df["vi"], random=["~ 1 | lab", "~ 1 | strain"], data=df, mods=df[["dose"]],
                 dfs="contain")
    assert out["sigma2"] == pytest.approx(lib.sigma2.tolist(), rel=1e-12)
    assert out["sigma2_groups"] == ["lab", "strain"] and out["n_levels"] == [8, 3]
    assert out["ddf"] == [1, len(df) - 2]  # intercept: 3 strains - 2 coefficients; dose varies within both
    assert out["test"] == "t" and out["dfs"] == "contain"
    assert out["coefficients"][1]["p"] == pytest.approx(float(lib.pval[1]), rel=1e-12)


def test_random_keeps_its_contract_and_combines_with_terms(tmp_path: Path) -> None:
    path, _ = _crossed(tmp_path)
    plain = json.loads(runner.invoke(app, ["meta", str(path), "--random", "lab/rep", "--json"]).stdout)
    assert set(plain) >= {"sigma2", "n_levels"} and "random" not in plain
    both = runner.invoke(app, ["meta", str(path), "--random", "lab/rep", "--random-term", "~ 1 | strain", "--json"])
    assert both.exit_code == 0, both.output
    out = json.loads(both.stdout)
    assert out["random"] == ["~ 1 | lab/rep", "~ 1 | strain"]
    assert out["sigma2_groups"] == ["lab", "lab/rep", "strain"]


def test_struct_term_summary_and_json(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    rows = []
    for c in range(20):
        u = rng.multivariate_normal([0, 0], [[0.2, 0.1], [0.1, 0.15]])
        for j, o in enumerate(["mechanical", "thermal"]):
            v = rng.uniform(0.05, 0.2)
            rows.append((f"c{c}", o, 0.6 + u[j] + rng.normal(0, np.sqrt(v)), v))
    df = pd.DataFrame(rows, columns=["cohort", "outcome", "yi", "vi"])
    path = tmp_path / "outcomes.csv"
    df.to_csv(path, index=False)
    args = ["meta", str(path), "--random-term", "~ outcome | cohort", "--struct", "UN", "--mods",
            "~ outcome - 1"]
    text = runner.invoke(app, args)
    assert text.exit_code == 0, text.output
    assert "Inner structure 1: UN (2 levels, 20 outer groups)" in text.stdout and "tau^2.2" in text.stdout
    out = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    lib = rma_mv(df["yi"], df["vi"], random="~ outcome | cohort", struct="UN", data=df, mods="~ outcome - 1")
    assert out["tau2"] == pytest.approx(lib.tau2.tolist(), rel=1e-12)
    assert out["rho"] == pytest.approx(lib.rho.tolist(), rel=1e-12)
    assert out["struct"] == ["UN"] and out["g_levels"] == [["mechanical", "thermal"]]


@pytest.mark.parametrize(("extra", "message"), [
    (["--struct", "XYZ", "--random-term", "~ outcome | lab"], "--struct takes"),
    (["--random-term", "lab"], "is not of the form"),
    (["--dfs", "contain"], "need random effects"),
    (["--random-term", "~ 1 | lab", "--subgroup", "strain"], "--subgroup cannot be combined"),
    (["--random-term", "~ 1 | lab", "--method", "DL"], "REML or ML"),
])
def test_bad_options_exit_2(tmp_path: Path, extra: list[str], message: str) -> None:
    path, _ = _crossed(tmp_path)
    result = runner.invoke(app, ["meta", str(path), *extra])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_unknown_random_column_is_a_data_error(tmp_path: Path) -> None:
    path, _ = _crossed(tmp_path)
    result = runner.invoke(app, ["meta", str(path), "--random-term", "~ 1 | litter"])
    assert result.exit_code == 1
    assert "column 'litter' is missing" in result.output and "Traceback" not in result.output


def _tables(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tables.csv"
    path.write_text(text, encoding="utf-8")
    return path


TABLES = "ai,bi,ci,di\n0,10,3,7\n1,11,4,8\n0,12,0,12\n2,8,5,5\n"


@pytest.mark.parametrize("measure", ["OR", "RR", "RD"])
def test_mantel_haenszel_equals_the_library(tmp_path: Path, measure: str) -> None:
    result = runner.invoke(app, ["meta", str(_tables(tmp_path, TABLES)), "--method", "MH", "--measure", measure,
                                 "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    lib = rma_mh([0, 1, 0, 2], [10, 11, 12, 8], [3, 4, 0, 5], [7, 8, 12, 5], measure=measure).to_dict()
    assert out == json.loads(json.dumps(lib))
    assert out["k"] == 4 and out["k_yi"] == 3 and out["Q_df"] == 2
    assert ("cmh" in out) == (measure == "OR")


def test_peto_summary_mentions_the_double_zero_table(tmp_path: Path) -> None:
    result = runner.invoke(app, ["meta", str(_tables(tmp_path, TABLES)), "--method", "PETO"])
    assert result.exit_code == 0, result.output
    assert "Equal-Effects Model (Peto's method; k = 4)" in result.stdout
    assert "1 table(s) without events" in result.stdout
    lib = rma_peto([0, 1, 0, 2], [10, 11, 12, 8], [3, 4, 0, 5], [7, 8, 12, 5])
    assert f"{lib.b:.4f}" in result.stdout


@pytest.mark.parametrize(("text", "where"), [
    ("ai,bi,ci,di\n1,9,2,x\n", "tables.csv:2:di"),
    ("ai,bi,ci,di\n1,9,-2,8\n", "tables.csv:2:ci"),
    ("ai,n1i,ci,n2i\n12,10,2,8\n", "tables.csv:2:ai"),
    ("ai,bi,ci\n1,2,3\n", "tables.csv:1:ai"),
])
def test_bad_counts_name_file_row_and_column(tmp_path: Path, text: str, where: str) -> None:
    result = runner.invoke(app, ["meta", str(_tables(tmp_path, text)), "--method", "MH"])
    assert result.exit_code == 1
    assert where in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(("extra", "message"), [
    (["--method", "PETO", "--measure", "RR"], "Peto takes OR"),
    (["--method", "MH", "--measure", "SMD"], "OR, RR or RD"),
    (["--method", "MH", "--mods", "dose"], "--mods cannot be combined"),
    (["--method", "MH", "--add", "0.5,0.5,0.5"], "one or two values"),
    (["--method", "MH", "--drop00", "maybe"], "--drop00 takes true or false"),
])
def test_bad_rare_event_options_exit_2(tmp_path: Path, extra: list[str], message: str) -> None:
    result = runner.invoke(app, ["meta", str(_tables(tmp_path, TABLES)), *extra])
    assert result.exit_code == 2, result.output
    assert message in result.output
