"""Docs coverage: every public meta function and every registered tau2 estimator is documented in
docs/meta.md, and every estimator has golden cases under both tests."""

from __future__ import annotations

import json
from pathlib import Path

import painregen.meta as meta
from painregen.meta import TAU2_ESTIMATORS

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "meta.md").read_text()
GOLDEN = json.loads((ROOT / "tests" / "golden" / "metafor_rma.json").read_text())


def test_public_functions_documented() -> None:
    functions = [name for name in meta.__all__ if name[0].islower()]
    missing = [name for name in functions if f"{name}(" not in DOC]
    assert not missing, f"undocumented in docs/meta.md: {missing}"


def test_estimators_documented_and_golden_tested() -> None:
    for code, est in TAU2_ESTIMATORS.items():
        assert f" {code} " in DOC or f"{code} (" in DOC, code
        assert est.citation and est.fn.__doc__, code
        tests = {c["test"] for c in GOLDEN["rma"] if c["method"] == code}
        assert tests == {"z", "knha"}, code
