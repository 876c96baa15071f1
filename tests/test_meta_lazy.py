"""painregen.meta loads its submodules on first use (issue 14): importing the package (or ``rma``) loads neither
scipy.stats nor pandas, and every public name is the object its submodule defines, also after a submodule
named like its function (rma, influence, predict, robust, subgroup, ...) has been imported directly."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import importlib, json, sys, types
import painregen.meta as meta
from painregen.meta import rma
loaded = sorted(m for m in ("scipy.stats", "pandas", "scipy.optimize", "matplotlib") if m in sys.modules)
for sub in ("rma", "influence", "predict", "robust", "subgroup", "bias_report", "mvmeta", "trimfill"):
    importlib.import_module("painregen.meta." + sub)
wrong = [n for n in meta.__all__ if isinstance(getattr(meta, n), types.ModuleType)
         or getattr(meta, n) is not getattr(importlib.import_module("painregen.meta." + meta._SOURCES[n]), n)]
print(json.dumps({"loaded": loaded, "wrong": wrong, "missing": sorted(set(meta.__all__) - set(dir(meta))),
                  "rma": meta.rma is rma, "results": isinstance(meta.results, types.ModuleType)}))
"""


def test_lazy_package_keeps_every_public_name() -> None:
    out = json.loads(subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                                    check=True).stdout.strip().splitlines()[-1])
    assert out == {"loaded": [], "wrong": [], "missing": [], "rma": True, "results": True}


def test_unknown_name_is_an_attribute_error() -> None:
    import painregen.meta as meta

    try:
        meta.no_such_tool  # noqa: B018
    except AttributeError as exc:
        assert "no_such_tool" in str(exc)
    else:
        raise AssertionError("expected AttributeError")
