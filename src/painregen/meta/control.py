"""Numerical controls for the iterative estimators and the error raised when they fail."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np


class ConvergenceError(RuntimeError):
    """An iterative estimator did not converge (raise ``maxiter`` or lower ``step_adj``)."""


#: what a fit that fails on its data raises (callers that try many fits, e.g. a profile, skip such a fit)
FIT_ERRORS = (ConvergenceError, np.linalg.LinAlgError, FloatingPointError, ValueError)


@dataclass(frozen=True)
class Control:
    """Controls, named after metafor's ``control=list(...)`` entries.

    threshold: convergence criterion for the change of tau2 between iterations
        (|delta| <= threshold * max(1, tau2)); metafor's default is 1e-5, ours is tighter.
    maxiter: maximum number of iterations.
    step_adj: step length multiplier for Fisher scoring (metafor ``stepadj``).
    tau2_init: starting value of tau2 for ML/REML (default: the Hedges (HE) estimate).
    tau2_max: upper end of the search interval for tau2 (root finding expands beyond it as needed).
    """

    threshold: float = 1e-10
    maxiter: int = 1000
    step_adj: float = 1.0
    tau2_init: float | None = None
    tau2_max: float = 100.0

    @classmethod
    def make(cls, control: Control | Mapping[str, Any] | None) -> Control:
        if control is None:
            return cls()
        if isinstance(control, Control):
            return control
        known = {f.name for f in fields(cls)}
        aliases = {"stepadj": "step_adj", "tau2.init": "tau2_init", "tau2.max": "tau2_max"}
        kwargs: dict[str, Any] = {}
        for key, value in control.items():
            name = aliases.get(key, key)
            if name not in known:
                raise ValueError(f"unknown control setting {key!r}; known: {sorted(known)}")
            kwargs[name] = value
        return replace(cls(), **kwargs)
