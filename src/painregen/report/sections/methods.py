"""Methods: every estimator and option used, collected from the sections that were built, with the software
versions."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

from painregen import __version__
from painregen.report.pipeline import Analysis
from painregen.report.sections.base import Section

LIBRARIES = ("numpy", "scipy", "pandas", "matplotlib", "jinja2")


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def effect_lines(a: Analysis) -> list[str]:
    return [
        f"Effect sizes: {a.measure} as metafor's escalc defines it (painregen.effects; see docs/effects.md); each "
        "treated cohort compared with its control inside its experiment, outcome and timepoint; a control shared by "
        "k treated cohorts entered each comparison with n/k animals; SDs recovered from SEM (SEM x sqrt(n)), 95% CI "
        "(t quantile), IQR or range (Wan et al. 2014) as stated per row; signs set so that positive means benefit.",
        "Repeated measures: each comparison (study, experiment, treated cohort, outcome) enters once, at its latest "
        "timepoint (painregen.effects.collapse, method 'last').",
    ]


def build(a: Analysis, sections: list[Section]) -> Section:
    lines = effect_lines(a) + [line for s in sections for line in s.methods]
    software = [("painregen", __version__), ("Python", platform.python_version())]
    software += [(lib, _version(lib)) for lib in LIBRARIES]
    options = {"measure": a.measure, "tau² estimator (univariate models)": a.method,
               "variance components (three-level models)": a.mv_method, "confidence level": "95%",
               "tests": "Wald-type z (normal) tests and intervals"}
    return Section("methods", "Methods", {"lines": lines, "software": software, "options": options})
