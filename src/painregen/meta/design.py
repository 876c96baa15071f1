"""Model matrices for meta-regression: moderators -> X with R's term names.

Numeric moderators enter as they are; text (or categorical / boolean) moderators are dummy coded
against their first level in sorted order, and each dummy is named column + level, as R's
``model.matrix`` with treatment contrasts names them (``fungrpN2FIX``). The intercept is
``intrcpt`` as in metafor. Columns that are linear combinations of earlier ones are dropped with a
warning, as metafor does ("Redundant predictors dropped from the model.").
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
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


def _is_categorical(col: pd.Series) -> bool:
    return bool(
        isinstance(col.dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(col.dtype)
        or pd.api.types.is_string_dtype(col.dtype)
        or pd.api.types.is_bool_dtype(col.dtype)
    )


def moderators_frame(mods: Any, k: int) -> pd.DataFrame | None:
    """Turn ``mods`` (None, 1-D or 2-D array, DataFrame, Series or mapping) into a DataFrame."""
    if mods is None:
        return None
    if isinstance(mods, pd.DataFrame):
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
    return frame


def missing_rows(frame: pd.DataFrame | None, k: int) -> np.ndarray:
    """Boolean mask of rows with a missing moderator value."""
    if frame is None:
        return np.zeros(k, dtype=bool)
    return np.asarray(frame.isna().any(axis=1).to_numpy(), dtype=bool)


def build_design(frame: pd.DataFrame | None, k: int, *, intercept: bool = True) -> Design:
    """Build X from a moderator frame (rows already free of missing values).

    Categorical columns: levels sorted (``sorted`` of their string form, i.e. the C locale),
    the first is the reference; a categorical moderator with a single level is an error (R says
    "contrasts can be applied only to factors with 2 or more levels").
    """
    columns: list[FloatArray] = []
    names: list[str] = []
    if intercept:
        columns.append(np.ones(k))
        names.append("intrcpt")
    full_coded = False  # without an intercept R codes the first factor with all its levels
    if frame is not None:
        for name in frame.columns:
            col = frame[name]
            if _is_categorical(col):
                if isinstance(col.dtype, pd.CategoricalDtype) and col.cat.ordered:
                    levels = [str(v) for v in col.cat.categories if (col == v).any()]
                else:
                    levels = sorted({str(v) for v in col})
                if len(levels) < 2:
                    raise ValueError(
                        f"moderator {name!r} has a single level ({levels[0] if levels else 'none'}); "
                        "a categorical moderator needs at least 2 levels"
                    )
                text = col.astype(str).to_numpy()
                if pd.api.types.is_bool_dtype(col.dtype):  # R: logical -> levels FALSE, TRUE
                    text = np.where(col.to_numpy(dtype=bool), "TRUE", "FALSE")
                    levels = ["FALSE", "TRUE"]
                start = 1 if (intercept or full_coded) else 0
                full_coded = True
                for level in levels[start:]:
                    columns.append((text == level).astype(float))
                    names.append(f"{name}{level}")
            else:
                values = pd.to_numeric(col, errors="raise").to_numpy(dtype=float)
                columns.append(values)
                names.append(str(name))
    if not columns:
        raise ValueError("the model has no columns: set intercept=True or give mods")
    X = np.column_stack(columns)
    if not np.all(np.isfinite(X)):
        raise ValueError("moderators contain non-finite values")
    X, kept, dropped = drop_redundant(X, names)
    if dropped:
        warnings.warn(
            "Redundant predictors dropped from the model: " + ", ".join(dropped),
            UserWarning,
            stacklevel=3,
        )
    return Design(X=X, terms=tuple(kept), intercept=intercept, dropped=tuple(dropped))


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
