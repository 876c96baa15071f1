"""Model matrices for meta-regression: moderators -> X with R's term names.

Moderators are a list of columns (each a main effect) or an R formula (``~ dose*route + I(dose^2)``, see
:mod:`painregen.meta.formula`). Numeric moderators enter as they are; text (or categorical / boolean) moderators are
dummy coded against their first level in R's order (:mod:`painregen.meta.collate`) or a chosen reference, and each
dummy is named column + level, as R's ``model.matrix`` with treatment contrasts names them (``fungrpN2FIX``). The
intercept is ``intrcpt`` as in metafor. Columns that are linear combinations of earlier ones are dropped with a
warning, as metafor does ("Redundant predictors dropped from the model.").
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from painregen.meta.formula import Name, Terms, model_matrix, terms

if TYPE_CHECKING:
    import pandas as pd

FloatArray = np.ndarray

#: relative tolerance for detecting a column that is (numerically) a combination of earlier ones;
#: the same tolerance as R's ``lm`` (``qr(tol = 1e-07)``).
COLLINEAR_TOL = 1e-7


@dataclass(frozen=True, eq=False)
class Design:
    """A model matrix ``X`` (k x p) with its term names and the moderators it came from."""

    X: FloatArray
    terms: tuple[str, ...]
    intercept: bool
    dropped: tuple[str, ...] = ()
    assign: tuple[int, ...] = ()  # per column: 0 intercept, j the j-th term (R's ``assign``)
    term_labels: tuple[str, ...] = ()  # R's term labels (``dose``, ``route``, ``dose:route``)


def moderators_frame(mods: Any, k: int, data: pd.DataFrame | None = None,
                     refs: Mapping[str, str] | None = None) -> pd.DataFrame | None:
    """Turn ``mods`` (None, 1-D or 2-D array, DataFrame, Series, mapping, or a formula string such as
    ``"~ dose*route + I(dose^2)"`` whose variables are columns of ``data``) into a DataFrame.

    A formula, and ``refs`` (factor label -> reference level), travel with the frame (``frame.attrs``) to
    :func:`build_design`, so rows dropped for missing values keep them.
    """
    if mods is None:
        return None
    import pandas as pd

    formula: str | None = None
    if isinstance(mods, str):
        spec = terms(mods)
        if data is None:
            raise ValueError("a formula in mods needs data= (the table holding its variables)")
        missing = [c for c in spec.columns if c not in data.columns]
        if missing:
            raise ValueError(f"the formula names {', '.join(repr(c) for c in missing)}, not column(s) of the data "
                             f"({', '.join(map(str, data.columns))})")
        formula, frame = mods, data.loc[:, list(spec.columns)].reset_index(drop=True)
    elif isinstance(mods, pd.DataFrame):
        frame = mods.reset_index(drop=True)
    elif isinstance(mods, pd.Series):
        frame = mods.reset_index(drop=True).to_frame(name=str(mods.name) if mods.name is not None else "X1")
    elif isinstance(mods, Mapping):
        frame = pd.DataFrame({str(key): np.asarray(val) for key, val in mods.items()})
    else:
        arr = np.asarray(mods)
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            raise ValueError(f"mods must be 1-D or 2-D, got an array with {arr.ndim} dimensions")
        frame = pd.DataFrame(arr, columns=[f"X{j + 1}" for j in range(arr.shape[1])])
    if len(frame) != k:
        raise ValueError(f"mods has {len(frame)} rows but there are {k} effect sizes")
    if formula is not None:
        frame.attrs["formula"] = formula
    if refs:
        frame.attrs["refs"] = dict(refs)
    return frame


def missing_rows(frame: pd.DataFrame | None, k: int) -> np.ndarray:
    """Boolean mask of rows with a missing moderator value."""
    if frame is None:
        return np.zeros(k, dtype=bool)
    return np.asarray(frame.isna().any(axis=1).to_numpy(), dtype=bool)


def build_design(frame: pd.DataFrame | None, k: int, *, intercept: bool = True) -> Design:
    """Build X from a moderator frame (rows already free of missing values), as R's ``model.matrix``.

    A formula carried by the frame (:func:`moderators_frame`) decides the terms and the intercept; otherwise every
    column is a main effect (``~ a + b``). Text, logical and categorical columns are factors coded against their
    first level: levels in R's order (:mod:`painregen.meta.collate`; a pandas Categorical keeps its own order) or
    the reference given in ``refs``. A factor with a single level is an error (R says "contrasts can be applied only
    to factors with 2 or more levels"). Columns that are combinations of earlier ones are dropped with a warning.
    """
    attrs = frame.attrs if frame is not None else {}
    refs: dict[str, str] = dict(attrs.get("refs") or {})
    if attrs.get("formula"):
        spec = terms(str(attrs["formula"]))
        assert frame is not None
        X, names, assign = model_matrix(spec, frame.reset_index(drop=True), refs)
        intercept = spec.intercept
    else:
        columns = [] if frame is None else [str(c) for c in frame.columns]
        spec = Terms(text=" + ".join(columns), terms=tuple((c,) for c in columns),
                     atoms={c: Name(c) for c in columns}, intercept=intercept, columns=tuple(columns))
        if frame is None and intercept:  # no moderators: model_matrix's intercept column, without loading pandas
            X, names, assign = np.ones((k, 1)), ["intrcpt"], [0]
        else:
            import pandas as pd

            data = pd.DataFrame(index=range(k)) if frame is None else frame.set_axis(columns, axis=1)
            X, names, assign = model_matrix(spec, data.reset_index(drop=True), refs)
    if not np.all(np.isfinite(X)):
        raise ValueError("moderators contain non-finite values")
    X, kept, dropped = drop_redundant(X, names)
    if dropped:
        warnings.warn(
            "Redundant predictors dropped from the model: " + ", ".join(dropped),
            UserWarning,
            stacklevel=3,
        )
    keep_idx = [names.index(n) for n in kept]
    return Design(X=X, terms=tuple(kept), intercept=intercept, dropped=tuple(dropped),
                  assign=tuple(assign[j] for j in keep_idx), term_labels=spec.labels)


def drop_redundant(X: FloatArray, names: Sequence[str]) -> tuple[FloatArray, list[str], list[str]]:
    """Drop columns that are linear combinations of the earlier kept columns (Gram-Schmidt, R lm order)."""
    basis: list[FloatArray] = []
    keep: list[int] = []
    for j in range(X.shape[1]):
        col = X[:, j].astype(float)
        norm = float(np.linalg.norm(col))
        resid = col.copy()
        for _ in range(2):  # re-orthogonalise once for stability
            for q in basis:
                resid -= q * float(q @ resid)
        rnorm = float(np.linalg.norm(resid))
        if norm == 0.0 or rnorm <= COLLINEAR_TOL * norm:
            continue
        basis.append(resid / rnorm)
        keep.append(j)
    dropped = [names[j] for j in range(X.shape[1]) if j not in keep]
    return X[:, keep], [names[j] for j in keep], dropped


def require_full_rank(X: FloatArray, names: Sequence[str], what: str) -> None:
    """ValueError when a column of X is (numerically) a combination of the others, as metafor stops with "model
    matrix no longer of full rank" (e.g. Egger's test when every study has the same sampling variance)."""
    _, _, dropped = drop_redundant(X, names)
    if dropped:
        raise ValueError(f"{what}: the model matrix is not of full rank ({', '.join(dropped)} is a combination of "
                         "the other columns; e.g. all sampling variances are equal), so it cannot be fitted")
