"""Oracle for Gwet's AC1, Fleiss' kappa and Cohen's kappa: the irrCAC package (PyPI ``irrcac``, a port of
Gwet's R package irrCAC) on agreement_cases.json. Writes agreement_irrcac.json with the package version.

irrCAC is not a painregen dependency: run this in a separate environment,
``python -m venv /tmp/irr && /tmp/irr/bin/pip install irrcac==0.4.4 pandas``, then from the project root
``/tmp/irr/bin/python tests/golden/agreement_irrcac.py``.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
from irrCAC.raw import CAC as RawCAC
from irrCAC.table import CAC as TableCAC

HERE = Path(__file__).parent
DIGITS = 15


def est(result: dict) -> dict[str, float]:
    e = result["est"]
    return {k: float(np.ravel(e[key])[0]) for k, key in
            (("estimate", "coefficient_value"), ("se", "se"), ("pa", "pa"), ("pe", "pe"))}


def main() -> None:
    cases = json.loads((HERE / "agreement_cases.json").read_text(encoding="utf-8"))
    pairs = {}
    for name, case in cases["pairs"].items():
        cats = case["categories"]
        table = pd.DataFrame(case["table"], index=cats, columns=cats)
        cac = TableCAC(table, digits=DIGITS)
        pairs[name] = {"gwet_ac1": est(cac.gwet()), "cohen_kappa": est(cac.cohen())}
    multi = {}
    for name, case in cases["multi"].items():
        frame = pd.DataFrame(case["ratings"], dtype=object)
        cac = RawCAC(frame, categories=case["categories"], digits=DIGITS)
        multi[name] = {"gwet_ac1": est(cac.gwet()), "fleiss_kappa": est(cac.fleiss())}
    out = {"versions": {"irrcac": version("irrcac"), "pandas": version("pandas")}, "pairs": pairs, "multi": multi}
    (HERE / "agreement_irrcac.json").write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote agreement_irrcac.json: {len(pairs)} tables, {len(multi)} multi-rater sets")


if __name__ == "__main__":
    main()
