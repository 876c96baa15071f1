"""`painregen dose` and `painregen power mct`: the DESIGN.md keys, equal to the library, and clear input errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from painregen.cli.main import app
from painregen.dose.data import from_raw, from_summary
from painregen.dose.mcp_mod import mcp_mod
from painregen.dose.pow_mct import power_mct

runner = CliRunner()
DOSES = [0, 0, 0, 0.05, 0.05, 0.05, 0.2, 0.2, 0.2, 0.6, 0.6, 0.6, 1, 1, 1]
RESP = [0.1, 0.3, 0.2, 0.5, 0.4, 0.7, 0.8, 0.9, 0.6, 1.0, 1.1, 0.9, 1.0, 1.2, 1.1]
SPEC = "linear,emax:0.2,sigEmax:0.5/3"


def _raw(tmp_path: Path) -> Path:
    f = tmp_path / "raw.csv"
    f.write_text("dose,resp\n" + "".join(f"{d},{r}\n" for d, r in zip(DOSES, RESP, strict=True)), encoding="utf-8")
    return f


def test_dose_raw_matches_library(tmp_path: Path) -> None:
    result = runner.invoke(app, ["dose", str(_raw(tmp_path)), "--dose", "dose", "--response", "resp", "--models",
                                 SPEC, "--delta", "0.5", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    for key in ("mct", "fits", "selected_model", "med", "window"):
        assert key in out
    assert {"critical_value", "df", "contrasts"} <= set(out["mct"])
    assert {"model", "coefficients", "rss", "aic", "at_bound"} <= set(out["fits"][0])
    direct = mcp_mod(from_raw(DOSES, RESP), SPEC, delta=0.5).to_dict()
    assert out["mct"]["contrasts"] == direct["mct"]["contrasts"]
    assert out["selected_model"] == direct["selected_model"]
    assert out["med"] == direct["med"]


def test_dose_summary_data(tmp_path: Path) -> None:
    f = tmp_path / "summary.csv"
    f.write_text("dose,mean,se\n0,0.2,0.1\n1,0.5,0.1\n3,0.8,0.1\n10,0.9,0.1\n", encoding="utf-8")
    result = runner.invoke(app, ["dose", str(f), "--dose", "dose", "--response", "mean", "--se", "se",
                                 "--models", "emax:2,linear", "--json"])
    assert result.exit_code == 0, result.output
    direct = mcp_mod(from_summary([0, 1, 3, 10], [0.2, 0.5, 0.8, 0.9], [0.1] * 4), "emax:2,linear").to_dict()
    assert json.loads(result.stdout)["mct"] == direct["mct"]


def test_dose_bad_input(tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("dose,resp\n-1,0.2\n0,0.3\n1,x\n", encoding="utf-8")
    result = runner.invoke(app, ["dose", str(f), "--dose", "dose", "--response", "resp"])
    assert result.exit_code == 1
    assert "bad.csv:2:dose: dose -1 is negative" in result.stderr
    assert "bad.csv:4:resp:" in result.stderr
    one = tmp_path / "one.csv"
    one.write_text("dose,resp\n1,0.2\n1,0.3\n", encoding="utf-8")
    result = runner.invoke(app, ["dose", str(one), "--dose", "dose", "--response", "resp"])
    assert result.exit_code == 1 and "one dose level" in result.stderr
    small = tmp_path / "small.csv"
    small.write_text("dose,resp\n0,0.2\n0,0.3\n1,0.5\n", encoding="utf-8")
    result = runner.invoke(app, ["dose", str(small), "--dose", "dose", "--response", "resp"])
    assert result.exit_code == 1 and "n >= 2" in result.stderr


def test_power_mct_matches_library() -> None:
    result = runner.invoke(app, ["power", "mct", "--doses", "0,0.05,0.2,0.6,1", "--models", "emax:0.2,linear",
                                 "--max-effect", "0.6", "--sd", "1.4", "--n", "20", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    direct = power_mct([0, 0.05, 0.2, 0.6, 1], "emax:0.2,linear", max_effect=0.6, sd=1.4, n=20)
    assert out["power"] == {k: float(v) for k, v in direct.as_dict().items()}
    assert set(out["power"]) == {"emax", "linear"}
    assert np.isclose(out["critical_value"], direct.critical_value)


def test_dose_meta_cli_matches_library(tmp_path: Path) -> None:
    from painregen.dose.dataset_dr import dataset_dose_response
    from painregen.evidence.files import write_dataset
    from painregen.simulate import simulate

    ds = simulate(30, 20261126)
    data = tmp_path / "sim.json"
    write_dataset(ds, data)
    result = runner.invoke(app, ["dose-meta", str(data), "--by", "product", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    direct = json.loads(json.dumps(dataset_dose_response(ds, measure="SMD", by="product").to_dict()))
    assert out == direct
    result = runner.invoke(app, ["dose-meta", str(data), "--by", "product,route", "--basis", "per-animal", "--json"])
    assert result.exit_code == 0, result.output
    direct = dataset_dose_response(ds, measure="SMD", by=("product", "route"), basis="per_animal")
    assert json.loads(result.stdout) == json.loads(json.dumps(direct.to_dict()))
    assert runner.invoke(app, ["dose-meta", str(data), "--unit", "furlongs"]).exit_code == 1
    assert runner.invoke(app, ["dose-meta", str(data), "--basis", "per-stone"]).exit_code == 2
    result = runner.invoke(app, ["dose-meta", str(data), "--model", "two-stage", "--unit", "ug", "--json"])
    assert result.exit_code == 0, result.output
    direct = dataset_dose_response(ds, measure="SMD", unit="ug", model="two-stage")
    assert json.loads(result.stdout) == json.loads(json.dumps(direct.to_dict()))
    assert json.loads(result.stdout)["model"].startswith("two-stage")
    assert runner.invoke(app, ["dose-meta", str(data), "--model", "three-stage"]).exit_code == 2
    svg = tmp_path / "pooled.svg"
    result = runner.invoke(app, ["dose-meta", str(data), "--by", "product", "--plot", str(svg), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["plot"] == str(svg)
    text = svg.read_text(encoding="utf-8")
    assert text.count("<svg") == 1 and "cells per kg" in text
    assert runner.invoke(app, ["dose-meta"]).exit_code == 2


def test_dose_log10_scale_maps_the_window_back(tmp_path: Path) -> None:
    """--scale log10: MCP-Mod on x = log10(1 + dose/offset) (vehicle stays 0), the window mapped back to doses by
    dose = offset (10^x - 1), end to end."""
    from painregen.dose.log_scale import LogDoseScale
    from painregen.dose.window import map_window

    doses = [0, 0, 0, 1e5, 1e5, 1e5, 1e6, 1e6, 1e6, 3e6, 3e6, 3e6, 1e7, 1e7, 1e7]
    f = tmp_path / "cells.csv"
    f.write_text("dose,resp\n" + "".join(f"{d},{r}\n" for d, r in zip(doses, RESP, strict=True)), encoding="utf-8")
    spec = "emax:1"  # a saturating model: the saturation dose is estimable (a linear one gives "not estimable")
    result = runner.invoke(app, ["dose", str(f), "--dose", "dose", "--response", "resp", "--models", spec,
                                 "--delta", "0.5", "--scale", "log10", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    off = 1e4  # a tenth of the lowest positive dose
    assert out["dose_scale"] == {"scale": "log10", "offset": off, "x": "log10(1 + dose / offset)"}
    x = np.log10(1 + np.array(doses) / off)
    assert out["doses"] == [float(v) for v in np.unique(x)]
    direct = mcp_mod(from_raw(x, RESP), spec, delta=0.5)
    assert out["med"] == direct.to_dict()["med"]
    back = out["on_dose_scale"]
    assert back["med"] == off * (10 ** direct.window.med - 1)
    assert back["saturation_dose"] == off * (10 ** direct.window.saturation - 1)
    assert back["med_ci"] == [off * (10 ** v - 1) for v in direct.window.med_ci]  # type: ignore[operator]
    assert back["saturation_ci"] == [off * (10 ** v - 1) for v in direct.window.saturation_ci]  # type: ignore[operator]
    assert f"MED (effect >= 0.5) ~ {back['med']:.3g}" in back["verdict"]
    np.testing.assert_allclose(LogDoseScale(off).inverse(float(LogDoseScale(off).forward([2.5e6])[0])), 2.5e6,
                               rtol=1e-12)
    same = map_window(direct.window, lambda v: v, float(np.min(direct.mct.p_adj)))  # identity: nothing changes
    assert same == direct.window
    assert runner.invoke(app, ["dose", str(f), "--dose", "dose", "--response", "resp", "--scale", "ln"]).exit_code == 2
    bad = runner.invoke(app, ["dose", str(f), "--dose", "dose", "--response", "resp", "--scale", "log10",
                              "--log-offset", "-1"])
    assert bad.exit_code == 1 and "offset must be a positive number" in bad.stderr


def test_dose_prints_a_readable_summary_without_json(tmp_path: Path) -> None:
    """Without --json: the MCT table, the fitted models, the selected model's coefficients, MED, saturation and the
    verdict -- the same numbers as the JSON."""
    args = ["dose", str(_raw(tmp_path)), "--dose", "dose", "--response", "resp", "--models", SPEC, "--delta", "0.5"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    text = result.stdout
    out = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    assert not text.lstrip().startswith("{")
    for part in ("Multiple contrast test", "Fitted models", f"Selected model: {out['selected_model']}",
                 "MED (effect >= 0.5)", "saturation (ED90)", "Verdict: Dose-response detected"):
        assert part in text, part
    for c in out["mct"]["contrasts"]:
        assert f"{c['t']:.4f}" in text
    w = out["window"]
    assert f"{w['med']:.4g}" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_dose_meta_prints_a_readable_summary(tmp_path: Path) -> None:
    from painregen.evidence.files import write_dataset
    from painregen.simulate import simulate

    data = tmp_path / "sim.json"
    write_dataset(simulate(12, 7), data)
    result = runner.invoke(app, ["dose-meta", str(data), "--model", "two-stage"])
    assert result.exit_code in (0, 1), result.output
    result = runner.invoke(app, ["dose-meta", str(data)])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("Pooled dose-response across studies") and "non-linearity: chi2" in text
    out = json.loads(runner.invoke(app, ["dose-meta", str(data), "--json"]).stdout)
    assert f"dose scale {out['scale']}" in text and out["scale_choice"]["rule"] in text.replace("\n  ", " ")
    assert out["shape"]["shape"] in ("plateau", "peak", "no benefit")


def test_dose_command_module_imports_nothing_heavy() -> None:
    """CLI command modules import only typer, the standard library and painregen.cli.common at module level."""
    import subprocess
    import sys

    code = ("import sys, painregen.cli.dose_cmd; print(sorted(m for m in ('numpy', 'pandas', 'scipy', "
            "'matplotlib', 'painregen.dose', 'painregen.evidence') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
