"""The report's pooled dose-response section shows what painregen.dose computes, on per-kg doses."""

from __future__ import annotations

import numpy as np
import pytest

from painregen.dose.dataset_dr import dataset_dose_response, dose_response_inputs
from painregen.dose.meta_dr import StratifiedDoseResponse
from painregen.report.output import ReportOutput
from painregen.report.pipeline import label_of, run_analysis
from painregen.report.sections import dose_meta
from painregen.simulate import simulate


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    ds = simulate(30, 20261126)
    tmp = tmp_path_factory.mktemp("dose_meta")
    section = dose_meta.build(run_analysis(ds), ReportOutput(tmp, top_n=25, formats=()))
    assert section is not None
    return ds, section, tmp


def test_dose_meta_section_matches_library(built) -> None:  # type: ignore[no-untyped-def]
    ds, section, tmp = built
    units = {u["unit"]: u for u in section.context["units"]}
    assert "cells" in units
    direct_products: list[str] = []
    for unit, by in (("cells", "product"), ("cells", ("product", "route"))):
        direct = dataset_dose_response(ds, measure="SMD", domain="evoked", unit=unit, basis="per_kg", by=by)
        assert isinstance(direct, StratifiedDoseResponse)
        direct_products = direct_products or list(direct.results)
        rows = units[unit]["products" if by == "product" else "routes"]
        assert len(rows) == len(direct.results)
        for row, res in zip(rows, direct.results.values(), strict=True):
            assert (row["k"], row["studies"]) == (res.k, res.n_studies)
            assert row["nonlinear_p"] == res.nonlinear_p
            np.testing.assert_equal(row["plateau_dose"], res.plateau_dose)  # NaN for an inverted U (a peak)
            assert row["ed50"] == (res.emax.ed50 if res.emax else None)
    two = dataset_dose_response(ds, measure="SMD", domain="evoked", unit="cells", by="product", model="two-stage")
    assert isinstance(two, StratifiedDoseResponse) and two.results
    for row in units["cells"]["products"]:
        key = next(k for k in direct_products if label_of("product", k) == row["stratum"])
        if key in two.results:
            res = two.results[key]
            assert (row["two_studies"], row["two_excluded"]) == (res.n_studies, len(res.excluded))
            np.testing.assert_equal((row["two_nonlinear_p"], row["two_plateau_dose"], row["two_I2"]),
                                    (res.nonlinear_p, res.plateau_dose, res.I2))
        else:
            assert row["two_studies"] is None and row["two_reason"]
    assert (tmp / "dose_meta.csv").exists() and (tmp / "dose_meta_routes.csv").exists()
    assert (tmp / "figures" / "dose_meta_evoked_cells.svg").exists()


def test_true_dose_per_kg_from_first_principles(built) -> None:  # type: ignore[no-untyped-def]
    """The simulator gives d_eff = dose x route_potency / species_scale; an Emax product's true per-kg ED50 in a
    stratum is ed50 x species_scale / route_potency / weight (median over the stratum's contrasts)."""
    ds, section, _ = built
    truth = ds.truth
    ed50 = truth["dose_response"]["BM-MSC"]["ed50"]
    inp = dose_response_inputs(ds, measure="SMD", domain="evoked", unit="cells")
    iv = [r for r in inp.rows if r["product"] == "CL:0002540" and r["route"] == "PRG:route-iv"]
    assert iv, "the simulated set has intravenous BM-MSC contrasts"
    expected = np.median([ed50 * truth["species_scale"]["rat" if r["species"] == "NCBITaxon:10116" else "mouse"]
                          / truth["route_potency"]["intravenous"] / r["body_weight_kg"] for r in iv])
    kind, value = dose_meta.true_dose_per_kg(truth, iv)
    assert kind == "ED50"
    assert value == pytest.approx(expected, rel=1e-12)
    label = f"{label_of('product', 'CL:0002540')} · {label_of('route', 'PRG:route-iv')}"
    row = next(r for u in section.context["units"] for r in u["routes"] if r["stratum"] == label)
    assert row["true_dose"] == pytest.approx(expected, rel=1e-12)
