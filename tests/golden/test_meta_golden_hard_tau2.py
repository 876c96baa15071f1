"""metafor golden: REML and ML where Fisher scoring with metafor's default step does not converge (large sampling
variances, as normalised mean differences give). metafor stops with an error and advises ``stepadj``; painregen
applies that remedy itself and must land on metafor's remedied fit (tests/golden/metafor_hard_tau2.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from painregen.meta import rma
from painregen.meta.anova import fitstats

GOLDEN = json.loads(Path(__file__).with_name("metafor_hard_tau2.json").read_text(encoding="utf-8"))
CASES = GOLDEN["cases"]
REL = 1e-6  # estimates; the oracle ran with threshold 1e-12


def test_the_grid_never_shrinks() -> None:
    assert len(CASES) == 8 and sum(not c["default_converged"] for c in CASES) == 4


@pytest.mark.parametrize("case", CASES, ids=[f"{c['name']}-{c['method']}" for c in CASES])
def test_remedied_fisher_scoring_matches_metafor(case: dict) -> None:  # type: ignore[type-arg]
    fit = rma(np.array(case["yi"]), np.array(case["vi"]), method=case["method"], control={"threshold": 1e-12})
    assert fit.tau2 == pytest.approx(case["tau2"], rel=REL)
    assert float(fit.b[0]) == pytest.approx(case["estimate"], rel=REL)
    assert float(fit.se[0]) == pytest.approx(case["se"], rel=REL)
    assert fitstats(fit).ll == pytest.approx(case["ll"], rel=REL)
