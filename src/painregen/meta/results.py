"""Result object of :func:`painregen.meta.rma` (metafor's ``rma.uni`` object, typed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from painregen.meta.coef_fit import CoefFit
from painregen.meta.control import Control
from painregen.meta.render import html_table, num

if TYPE_CHECKING:
    from painregen.meta.predict import Prediction
    from painregen.meta.qprofile import Tau2Interval

FloatArray = np.ndarray


@dataclass(frozen=True, eq=False)
class RmaResult(CoefFit):
    """A fitted fixed- or random/mixed-effects model. Names follow metafor (b, vb, tau2, QE, QM, ...)."""

    s2w: float
    tau2: float
    QE: float
    QE_df: int
    QE_p: float
    btt: tuple[int, ...]
    QM: float
    QM_df: int
    QM_p: float
    I2: float
    H2: float
    vt: float
    R2: float | None
    tau2_RE: float | None
    hat: FloatArray
    weights: FloatArray
    k_omitted: int = 0
    control: Control = field(default_factory=Control)

    # -- convenience -------------------------------------------------------------------------
    @property
    def random(self) -> bool:
        return self.method != "FE"

    @property
    def tau(self) -> float:
        return float(np.sqrt(self.tau2))

    def predict(self, newmods: Any = None) -> Prediction:
        from painregen.meta.predict import predict

        return predict(self, newmods)

    def confint_tau2(self) -> Tau2Interval:
        from painregen.meta.qprofile import confint_tau2

        return confint_tau2(self)

    # -- JSON ---------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with the keys of the ``painregen meta`` contract (DESIGN.md).

        ``estimate``/``se``/... describe the first coefficient (the pooled effect of an
        intercept-only model; the intercept of a meta-regression).
        """
        out: dict[str, Any] = {
            "k": self.k,
            "method": self.method,
            "test": self.test,
            "estimate": float(self.b[0]),
            "se": float(self.se[0]),
            "stat": float(self.stat[0]),
            "p": float(self.pval[0]),
            "ci_low": float(self.ci_low[0]),
            "ci_high": float(self.ci_high[0]),
            "Q": self.QE,
            "Q_df": self.QE_df,
            "Q_p": self.QE_p,
        }
        if self.random:
            ci = self.confint_tau2() if self.QE_df > 0 else None
            pi_low = pi_high = None
            if self.int_only:
                pred = self.predict()
                pi_low, pi_high = float(pred.pi_low[0]), float(pred.pi_high[0])
            out.update(
                {
                    "tau2": self.tau2,
                    "tau": self.tau,
                    "I2": self.I2,
                    "H2": self.H2,
                    "pi_low": pi_low,
                    "pi_high": pi_high,
                    "tau2_ci_low": None if ci is None else ci.tau2_ci[0],
                    "tau2_ci_high": None if ci is None else ci.tau2_ci[1],
                }
            )
        if not self.int_only:
            out.update(
                {
                    "coefficients": self.coefficients(),
                    "QM": self.QM,
                    "QM_df": self.QM_df,
                    "QM_ddf": self.ddf,
                    "QM_p": self.QM_p,
                    "R2": self.R2,
                }
            )
        if self.k_omitted:
            out["k_omitted"] = self.k_omitted
        return _clean(out)

    # -- display ------------------------------------------------------------------------------
    def __repr__(self) -> str:
        model = "fixed-effect" if not self.random else ("mixed-effects" if not self.int_only else "random-effects")
        head = f"RmaResult({model} model, k={self.k}, method={self.method}, test={self.test})"
        lines = [head]
        if self.random:
            lines.append(f"tau2 = {num(self.tau2)}, I2 = {num(self.I2)}%, H2 = {num(self.H2)}")
        lines.append(f"Q({self.QE_df}) = {num(self.QE)}, p = {num(self.QE_p)}")
        if not self.int_only:
            df = f"{self.QM_df}" if self.ddf is None else f"{self.QM_df}, {self.ddf}"
            lines.append(f"QM({df}) = {num(self.QM)}, p = {num(self.QM_p)}")
        lines.append(self.summary().to_string(float_format=num))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        caption = f"{'FE' if not self.random else 'RE'} model, k = {self.k}, method = {self.method}, test = {self.test}"
        return html_table(self.summary(), caption)


def _clean(value: Any) -> Any:
    """Make a structure JSON-safe: numpy scalars -> Python, NaN/inf -> None."""
    if isinstance(value, dict):
        return {key: _clean(val) for key, val in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(val) for val in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def clean_json(value: Any) -> Any:
    """Public alias of the JSON cleaner for the other result classes."""
    return _clean(value)
