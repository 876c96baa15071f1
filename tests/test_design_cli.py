"""`painregen power ...` and `painregen design ...` (the apps in cli/power_cmd.py and cli/design_cmd.py)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from painregen.cli import design_cmd, power_cmd
from painregen.design import assurance
from test_design_protocol import SPEC, spec_with

runner = CliRunner()
G = json.loads(Path(__file__).parent.joinpath("golden", "pwr.json").read_text())


def power(*args: str) -> dict:  # type: ignore[type-arg]
    res = runner.invoke(power_cmd.app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)  # type: ignore[no-any-return]


def design(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(design_cmd.app, list(args))


def test_power_ttest_contract() -> None:
    out = power("ttest", "--d", "0.8", "--power", "0.8", "--alpha", "0.05")
    exact = next(c["exact"] for c in G["ttest"] if c["solve"] == "n" and c["d"] == 0.8 and c["power"] == 0.8
                 and c["type"] == "two.sample" and c["alternative"] == "two.sided" and c["sig_level"] == 0.05)
    assert out["n_per_group"] == 26 and out["n"] == pytest.approx(exact, rel=1e-6)
    assert out["type"] == "two.sample" and out["alternative"] == "two.sided" and out["power_at_n_per_group"] > 0.8
    more = power("ttest", "--d", "0.8", "--power", "0.8", "--nonnormal", "worst", "--attrition", "0.1")
    assert (more["n_analysed"], more["n_randomised"]) == (30, 34)  # ceil(25.52/0.864) = 30, ceil(30/0.9) = 34
    paired = power("ttest", "--d", "0.8", "--n", "10", "--type", "paired", "--alternative", "greater")
    assert paired["df"] == 9 and 0 < paired["power"] < 1


@pytest.mark.parametrize("args", [["ttest", "--d", "0.8", "--power", "1.5"], ["ttest", "--d", "0.8"],
                                  ["ttest", "--d", "0.8", "--power", "0.8", "--type", "three.sample"],
                                  ["dunnett", "--k", "3", "--d", "1"]])
def test_power_bad_settings_exit_2(args: list[str]) -> None:
    res = runner.invoke(power_cmd.app, args)
    assert res.exit_code == 2 and "error" in res.output


def test_power_other_commands() -> None:
    d = power("dunnett", "--k", "3", "--d", "1", "--power", "0.8")
    assert (d["n_per_group"], d["n_control"], d["k"]) == (14, 25, 3) and min(d["power"]) >= 0.8
    two = power("dunnett", "--k", "2", "--d", "1.2", "--n", "8", "--n0", "11", "--alternative", "two.sided")
    assert two["power_all"] is None and 0 < two["power_any"] < 1
    w = power("welch", "--delta", "3", "--sd1", "2", "--sd2", "3", "--power", "0.8")
    assert w["n2"] / w["n1"] == pytest.approx(1.5) and w["power_exact_at_ceiling"] > 0.75
    r = power("repeated", "--d", "0.5", "--m", "4", "--rho", "0.5", "--power", "0.8", "--method", "z")
    assert r["n"] == pytest.approx(39.2444, abs=1e-4)
    t2n = power("t2n", "--n1", "6", "--n2", "14", "--power", "0.8")
    assert t2n["d"] == pytest.approx(next(c["exact"] for c in G["t2n"] if c["solve"] == "d" and c["n1"] == 6
                                          and c["alternative"] == "two.sided"), rel=1e-6)
    a = power("assurance", "--mu", "1.2", "--se", "0.15", "--tau", "0.6", "--n", "10")
    assert a["assurance"] == pytest.approx(assurance(1.2, 0.15, 0.6, n=10).assurance, rel=1e-12)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from painregen.registry import open_registry
    from painregen.simulate import default_dataset

    db = tmp_path_factory.mktemp("reg") / "painregen.db"
    with open_registry(db) as reg:
        reg.import_dataset(default_dataset(), source="sim.csv", sha256="0" * 64, fmt="template")
    return db


def test_assurance_from_the_registry(registry: Path) -> None:
    from painregen.registry import open_registry
    from painregen.report.pipeline import run_analysis

    out = power("assurance", "--from-db", str(registry), "--domain", "evoked", "--n", "8")
    with open_registry(registry, create=False) as reg:
        fit = next(s for s in run_analysis(reg.export_dataset()).domains if s.domain == "evoked").result
    assert fit is not None and out["source"]["domain"] == "evoked" and out["source"]["measure"] == "SMD"
    assert (out["mu"], out["se"], out["tau"]) == pytest.approx((fit.b[0], fit.se[0], fit.tau), rel=1e-12)
    assert out["assurance"] == pytest.approx(assurance(out["mu"], out["se"], out["tau"], n=8).assurance, rel=1e-12)
    res = runner.invoke(power_cmd.app, ["assurance", "--from-db", str(registry), "--domain", "molecular", "--n", "8"])
    assert res.exit_code == 1 and "pooled domains: " in res.output


@pytest.fixture()
def spec_file(tmp_path: Path) -> Path:
    p = tmp_path / "study.yaml"
    p.write_text(SPEC, encoding="utf-8")
    with (tmp_path / "animals.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "sex", "cage"])
        w.writerows([f"R{i:02d}", "female" if i % 2 else "male", i // 4] for i in range(1, 41))
    return p


def test_design_protocol_writes_markdown_html_and_record(spec_file: Path, tmp_path: Path) -> None:
    res = design("protocol", str(spec_file), "-o", str(tmp_path / "out"))
    assert res.exit_code == 0, res.output
    md = (tmp_path / "out" / "protocol.md").read_text(encoding="utf-8")
    assert md.startswith("# Intrathecal BM-MSC dose finding in rat CCI") and "## 10. Results" in md
    assert (tmp_path / "out" / "protocol.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    record = json.loads((tmp_path / "out" / "design.json").read_text())
    assert record["spec"]["model"] == "PRG:model-cci" and record["sample_size"]["total"] == 40


def test_design_protocol_bad_spec_and_strict(spec_file: Path, tmp_path: Path) -> None:
    spec_file.write_text(SPEC.replace("attrition: 0.1", "attrition: 2"), encoding="utf-8")
    res = design("protocol", str(spec_file), "-o", str(tmp_path / "bad"))
    assert res.exit_code == 1 and f"{spec_file}:17:sample_size.attrition:" in res.output
    assert not (tmp_path / "bad").exists()
    spec_file.write_text(spec_with(outcomes=[{"assay": "von Frey", "primary": True}]), encoding="utf-8")
    res = design("protocol", str(spec_file), "-o", str(tmp_path / "strict"), "--strict")
    assert res.exit_code == 1 and "no spontaneous pain measure" in res.output and not (tmp_path / "strict").exists()


def test_design_sample_size(spec_file: Path) -> None:
    res = design("sample-size", str(spec_file), "--json")
    plan = json.loads(res.stdout)
    assert plan["group_n"] == {"vehicle": 16, "1x10^5 cells": 8, "3x10^5 cells": 8, "1x10^6 cells": 8}
    assert plan["method"] == "dunnett" and plan["citation"].startswith("Dunnett (1955)")


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_design_randomise_schedule_and_separate_key(spec_file: Path, tmp_path: Path) -> None:
    animals = str(spec_file.parent / "animals.csv")
    for run in ("a", "b"):
        res = design("randomise", str(spec_file), "--animals", animals, "-o", str(tmp_path / run),
                     "--key", str(tmp_path / "custodian" / f"key_{run}.csv"))
        assert res.exit_code == 0, res.output
    sched = _read(tmp_path / "a" / "schedule.csv")
    assert sched == _read(tmp_path / "b" / "schedule.csv")  # same seed (from the spec), same schedule
    assert list(sched[0]) == ["animal", "sex", "stratum", "block", "code"] and len(sched) == 40
    key = {r["code"]: r["group"] for r in _read(tmp_path / "custodian" / "key_a.csv")}
    assert not (tmp_path / "a" / "allocation_key.csv").exists()
    assert "cells" not in (tmp_path / "a" / "schedule.csv").read_text()  # group names: only in the key
    groups = [key[r["code"]] for r in sched]
    for sex in ("female", "male"):  # 20 per sex: blocks of 5 or 10 with ratio 2:1:1:1
        mine = [g for g, r in zip(groups, sched, strict=True) if r["sex"] == sex]
        assert abs(mine.count("vehicle") - 2 * mine.count("1x10^6 cells")) <= 2
    summary = json.loads((tmp_path / "a" / "randomisation.json").read_text())
    assert summary["seed"] == 20261126 and summary["method"] == "stratified" and summary["strata"] == ["sex"]
    assert set(summary) == {"method", "seed", "n", "groups", "ratio", "block_sizes", "strata", "n_strata", "n_blocks",
                            "schedule", "key", "spec"}  # the record holds no code-to-group mapping


def test_design_randomise_without_spec_and_errors(tmp_path: Path) -> None:
    res = design("randomise", "--groups", "vehicle,msc", "--n", "12", "--seed", "4", "-o", str(tmp_path / "x"),
                 "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)["seed"] == 4
    codes = [r["code"] for r in _read(tmp_path / "x" / "schedule.csv")]
    assert sorted(codes.count(c) for c in set(codes)) == [6, 6]  # 12 animals in blocks of 4
    bad = tmp_path / "animals.csv"
    bad.write_text("id,sex\nA1,male\nA2,\nA1,female\n", encoding="utf-8")
    res = design("randomise", "--groups", "a,b", "--animals", str(bad), "--method", "stratified",
                 "--strata", "sex,cage", "-o", str(tmp_path / "y"))
    assert res.exit_code == 1 and "animals.csv:1:cage: column 'cage' is missing" in res.output
    res = design("randomise", "--groups", "a,b", "--animals", str(bad), "-o", str(tmp_path / "y"))
    assert res.exit_code == 1 and "animals.csv:4:id: animal 'A1' is listed twice" in res.output
    res = design("randomise", "-o", str(tmp_path / "z"))
    assert res.exit_code == 2 and "give a design spec or --groups" in res.output
