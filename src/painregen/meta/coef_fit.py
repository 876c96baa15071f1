"""What every fitted (multilevel) meta-analytic model shares: the data, the model matrix and the Wald table of
its coefficients (metafor's ``b``, ``se``, ``zval``/``tval``, ``pval``, ``ci.lb``, ``ci.ub``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

FloatArray = np.ndarray


@dataclass(frozen=True, eq=False)
class CoefFit:
    """Fields and coefficient table common to :class:`RmaResult` and :class:`RmaMvResult`; ``ddf`` is the
    residual df of a t test (Knapp-Hartung for ``rma``, ``test="t"`` for ``rma_mv``), None for z tests."""

    yi: FloatArray
    vi: FloatArray
    X: FloatArray
    terms: tuple[str, ...]
    intercept: bool
    method: str
    test: str
    level: float
    alpha: float
    k: int
    p: int
    b: FloatArray
    vb: FloatArray
    se: FloatArray
    stat: FloatArray
    pval: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    ddf: int | None

    @property
    def int_only(self) -> bool:
        return self.p == 1 and self.intercept

    def coefficients(self) -> list[dict[str, Any]]:
        """One dict per coefficient: term, estimate, se, stat, p, ci_low, ci_high."""
        return [
            {"term": self.terms[j], "estimate": float(self.b[j]), "se": float(self.se[j]),
             "stat": float(self.stat[j]), "p": float(self.pval[j]), "ci_low": float(self.ci_low[j]),
             "ci_high": float(self.ci_high[j])}
            for j in range(self.p)
        ]

    def summary(self) -> pd.DataFrame:
        """Coefficient table (rows: terms), columns named as metafor prints them."""
        import pandas as pd

        stat_name = "tval" if self.ddf is not None else "zval"
        return pd.DataFrame(
            {"estimate": self.b, "se": self.se, stat_name: self.stat, "pval": self.pval,
             "ci.lb": self.ci_low, "ci.ub": self.ci_high},
            index=pd.Index(list(self.terms), name="term"),
        )
