"""Writes examples/doses.csv and examples/cells.csv: SIMULATED per-animal data with the true curves of
examples/README.md (run from the repository root: .venv/bin/python examples/make_dose_examples.py)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from painregen.dose.models import beta_mod, emax

HERE = Path(__file__).parent


def write(path: Path, header: list[str], doses: list[float], mean: np.ndarray, sd: float, n: int,
          limits: tuple[float, float], seed: int) -> None:
    rng = np.random.default_rng(seed)
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(header)
        animal = 0
        for dose, mu in zip(doses, mean, strict=True):
            for value in np.clip(rng.normal(mu, sd, n), *limits):
                animal += 1
                out.writerow([f"R{animal:02d}", f"{dose:g}", f"{value:.2f}"])


# doses.csv: intrathecal BM-MSCs in rat CCI, von Frey 50% threshold (g) on day 14; Emax on the cell count
doses = [0, 1e5, 2.5e5, 5e5, 1e6, 2e6]
write(HERE / "doses.csv", ["animal", "dose", "threshold"], doses, emax(doses, e0=4.0, eMax=8.0, ed50=2.5e5),
      sd=1.5, n=8, limits=(0.4, 15.0), seed=2026)

# cells.csv: intravenous UC-MSCs in rat SNL, Hargreaves latency (s) on day 14; umbrella on x = log10(1 + dose/1000)
cells = [0, 1e4, 1e5, 1e6, 1e7]
x = np.log10(1.0 + np.asarray(cells) / 1e3)
write(HERE / "cells.csv", ["animal", "dose", "latency"], cells,
      beta_mod(x, e0=5.0, eMax=5.0, delta1=2.0, delta2=1.0, scal=4.8), sd=1.2, n=6, limits=(0.0, 20.0), seed=2027)
