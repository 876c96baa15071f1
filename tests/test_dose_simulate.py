"""Simulated operating characteristics agree with the analytic MCT power and the true curve."""

from __future__ import annotations

import time

import numpy as np
import pytest

from painregen.dose import mods, mods_ed, mods_td, opt_contr, pow_mct, simulate_mcp_mod

DOSES = [0.0, 1e5, 3e5, 1e6, 3e6]
SPEC = "linear,emax:2e5,sigEmax:5e5/3,quadratic:-2e-7"


@pytest.fixture(scope="module")
def sim() -> tuple[object, float]:
    t0 = time.perf_counter()
    res = simulate_mcp_mod(DOSES, 6, 1.0, SPEC, truth="emax:3e5", max_effect=1.2, delta=0.8, n_sim=10_000, seed=3)
    return res, time.perf_counter() - t0


def test_power_matches_analytic_power(sim: tuple[object, float]) -> None:
    res, seconds = sim
    cand = mods(SPEC, DOSES)
    truth = mods("emax:3e5", DOSES, max_eff=1.2)
    analytic = pow_mct(opt_contr(cand, w=6), truth, n=6, sigma=1.0).power[0]
    assert res.power_any == pytest.approx(analytic, abs=4 * np.sqrt(analytic * (1 - analytic) / 10_000))  # type: ignore[attr-defined]
    assert res.critical_value == pytest.approx(pow_mct(opt_contr(cand, w=6), truth, n=6, sigma=1.0).critical_value)  # type: ignore[attr-defined]
    assert seconds < 60  # 10,000 studies; a few seconds on an idle laptop core


def test_truth_and_summaries(sim: tuple[object, float]) -> None:
    res, _ = sim
    truth = mods("emax:3e5", DOSES, max_eff=1.2)
    assert res.true_med == pytest.approx(mods_td(truth, 0.8)["emax"], rel=1e-9)  # type: ignore[attr-defined]
    assert res.true_saturation == pytest.approx(mods_ed(truth, 0.9)["emax"], rel=1e-9)  # type: ignore[attr-defined]
    assert 0 < res.power_plateau < res.power_any  # type: ignore[attr-defined]
    med = res.med  # type: ignore[attr-defined]
    assert med["q025"] < med["median"] < med["q975"]
    assert sum(res.selected.values()) == pytest.approx(1.0)  # type: ignore[attr-defined]
    assert set(res.to_dict()) >= {"power_any", "power_plateau", "med", "true_med"}  # type: ignore[attr-defined]


def test_no_effect_gives_alpha() -> None:
    res = simulate_mcp_mod(DOSES, 5, 1.0, SPEC, truth="linear", max_effect=1e-9, n_sim=6000, seed=8)
    assert res.power_any == pytest.approx(0.025, abs=4 * np.sqrt(0.025 * 0.975 / 6000))
