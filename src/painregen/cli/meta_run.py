"""What `painregen meta` does once its options are read: fit the model, add the requested tools (btt, model
comparison, linear hypotheses, cluster-robust tests, permutation tests, forest plot) and render JSON or text.

Imported inside the command functions (it loads numpy and the meta core; pandas, and scipy.stats through the
add-on tools, only for the options that need them).
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from painregen import meta
from painregen.meta import printing
from painregen.meta.formula import terms

if TYPE_CHECKING:
    import pandas as pd

FORMULA_CHARS = set("~*:+()^/%")


class UsageError(ValueError):
    """Options that do not go together (exit code 2)."""


@dataclass
class MetaRequest:
    """The options of `painregen meta`, parsed."""

    method: str = "REML"
    test: str = "z"
    level: float = 95
    mods: str | None = None
    subgroup: str | None = None
    levels: list[str] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    btt: str | None = None
    compare: str | None = None
    contrasts: list[str] = field(default_factory=list)
    robust: str | None = None
    robust_type: str = "CR2"
    permutations: int | None = None
    seed: int | None = None

    @property
    def formula(self) -> str | None:
        """The moderators as a formula (``a,b`` -> None: the column list is used as it is)."""
        if not self.mods:
            return None
        text = self.mods.strip()
        if not FORMULA_CHARS & set(text):
            return None
        return text if text.startswith("~") else f"~ {text}"

    def mod_columns(self) -> list[str]:
        """Columns the moderators read."""
        if not self.mods:
            return []
        if self.formula is None:
            return [t.strip() for t in self.mods.split(",") if t.strip()]
        cols = list(terms(self.formula).columns)
        if self.compare:
            cols += [c for c in terms(_as_formula(self.compare)).columns if c not in cols]
        return cols

    @property
    def reads_table(self) -> bool:
        """Whether the fit reads columns besides yi and vi (moderators, subgroups, levels, clusters): then
        :func:`fit` needs the table as a DataFrame; otherwise a mapping of the yi and vi arrays will do."""
        return bool(self.mods or self.subgroup or self.levels or self.robust)

    def check(self) -> None:
        """Reject combinations that would silently drop an option."""
        if self.subgroup and self.mods:
            raise UsageError("--subgroup fits one model per level and cannot take --mods; for moderators within "
                             f"subgroups put the subgroup in the formula (e.g. --mods \"{self.subgroup} + ...\", or "
                             f"\"{self.subgroup} * dose\" for slopes per subgroup)")
        if self.subgroup and self.levels:
            raise UsageError("--subgroup with --random is not supported; use a multilevel meta-regression with the "
                             f"subgroup as a moderator: --random {'/'.join(self.levels)} --mods {self.subgroup}")
        if self.subgroup and (self.btt or self.compare or self.contrasts or self.robust or self.permutations):
            raise UsageError("--btt, --compare, --contrast, --robust and --permutations need a single model; "
                             "drop --subgroup (use --mods SUBGROUP) to combine them")
        if (self.btt or self.compare) and not self.mods:
            raise UsageError("--btt and --compare need --mods (the model's moderators)")
        if self.levels and (self.compare or self.permutations):
            raise UsageError("--compare and --permutations are available for univariate models (without --random)")
        if self.compare and self.method not in ("ML", "REML"):
            raise UsageError("--compare uses a likelihood-ratio test: fit with --method ML (or REML when the two "
                             "models have the same moderators)")
        if self.robust_type not in ("CR2", "CR1"):
            raise UsageError(f"unknown --robust-type {self.robust_type!r}; use CR2 (clubSandwich) or CR1 (metafor)")


def _as_formula(text: str) -> str:
    t = text.strip()
    return t if t.startswith("~") else f"~ {t}"


def parse_refs(specs: Sequence[str], frame: pd.DataFrame, factors: Sequence[str]) -> dict[str, str]:
    """``--ref`` values: ``column=LEVEL`` or a bare ``LEVEL`` found in exactly one of the model's text columns."""
    refs: dict[str, str] = {}
    for spec in specs:
        col, sep, level = spec.partition("=")
        if sep:
            refs[col.strip()] = level.strip()
            continue
        owners = [c for c in factors if c in frame.columns and (frame[c].astype(str) == spec.strip()).any()]
        if len(owners) != 1:
            where = f"several factors ({', '.join(owners)})" if owners else "no factor of the model"
            raise UsageError(f"--ref {spec}: the level is in {where}; write --ref COLUMN=LEVEL")
        refs[owners[0]] = spec.strip()
    return refs


def fit(req: MetaRequest, frame: Any) -> tuple[Any, dict[str, Any]]:
    """Fit the requested model; returns (result, extras), extras holding the add-on tools' results.

    ``frame`` is the table as a DataFrame, or a mapping of column -> array when the request reads no column besides
    yi and vi (``not req.reads_table``), so that a plain pooled model does not load pandas."""
    mods: Any = None
    text_factors = [c for c in req.mod_columns() if c in frame.columns and frame[c].dtype == object]
    refs = parse_refs(req.refs, frame, text_factors) if req.refs else {}
    if req.mods:
        mods = frame[req.mod_columns()].copy()
        if req.formula is not None:
            mods.attrs["formula"] = req.formula
        if refs:
            mods.attrs["refs"] = refs
    extras: dict[str, Any] = {}
    if req.compare:
        full = _complete(frame, req.mod_columns())
        if len(full) < len(frame):
            warnings.warn(f"{len(frame) - len(full)} row(s) with missing moderators omitted from both models "
                          "(a likelihood-ratio test compares fits to the same rows)", stacklevel=2)
        frame = full
        mods = _keep_attrs(frame[req.mod_columns()].copy(), mods)
    if req.levels:
        res: Any = meta.rma_mv(frame["yi"], frame["vi"], clusters=[frame[c].astype(str) for c in req.levels],
                               mods=mods, method=req.method, test="t" if req.test == "knha" else "z",
                               level=req.level)
    elif req.subgroup:
        return meta.subgroup(frame["yi"], frame["vi"], frame[req.subgroup], method=req.method, test=req.test,
                             level=req.level), extras
    else:
        res = meta.rma(frame["yi"], frame["vi"], mods=mods, method=req.method, test=req.test, level=req.level)
        if req.btt:
            from painregen.meta.anova import parse_btt

            btt = parse_btt(req.btt, res.terms)
            res = meta.rma(frame["yi"], frame["vi"], mods=mods, method=req.method, test=req.test, level=req.level,
                           btt=btt)
            extras["btt"] = [res.terms[j] for j in btt]
    if req.compare:
        from painregen.meta.anova import compare

        reduced_mods = frame[list(terms(_as_formula(req.compare)).columns)].copy()
        reduced_mods.attrs["formula"] = _as_formula(req.compare)
        reduced = meta.rma(frame["yi"], frame["vi"], mods=reduced_mods, method=req.method, test=req.test,
                           level=req.level)
        extras["compare"] = compare(res, reduced)
    if req.contrasts:
        from painregen.meta.anova import linear_hypotheses, parse_hypothesis

        L = np.vstack([parse_hypothesis(c, res.terms) for c in req.contrasts])
        extras["contrasts"] = linear_hypotheses(res, L)
    if req.robust:
        if req.robust not in frame.columns:
            raise UsageError(f"--robust {req.robust}: no such column")
        clusters = frame[req.robust].iloc[_rows_used(req, frame)]
        if clusters.isna().any():
            raise UsageError(f"--robust {req.robust}: the column has empty cells; every row needs a cluster")
        extras["robust"] = meta.robust(res, clusters.astype(str).to_numpy(), clubsandwich=req.robust_type == "CR2")
    if req.permutations:
        extras["permutation"] = meta.permutest(res, iterations=req.permutations, seed=req.seed)
    return res, extras


def _complete(frame: pd.DataFrame, cols: Sequence[str]) -> pd.DataFrame:
    """Rows with every column present (so that a full and a reduced model see the same studies)."""
    return frame.loc[frame[list(cols)].notna().all(axis=1)].reset_index(drop=True)


def _keep_attrs(new: pd.DataFrame, old: Any) -> pd.DataFrame:
    import pandas as pd

    if isinstance(old, pd.DataFrame):
        new.attrs.update(old.attrs)
    return new


def _rows_used(req: MetaRequest, frame: pd.DataFrame) -> np.ndarray:
    """Rows of ``frame`` the fit used: those without a missing moderator (as the fit drops them), in order."""
    import pandas as pd

    cols = req.mod_columns()
    used = frame[cols].notna().all(axis=1) if cols else pd.Series(True, index=frame.index)
    return np.flatnonzero(used.to_numpy())


def _is(res: Any, module: str, name: str) -> bool:
    """``isinstance(res, painregen.meta.<module>.<name>)`` without importing the module (it loads scipy.stats): no
    instance exists unless the module is loaded."""
    loaded = sys.modules.get(f"painregen.meta.{module}")
    return loaded is not None and isinstance(res, getattr(loaded, name))


def tau_intervals(res: Any) -> dict[str, Any]:
    """Q-profile intervals of tau, I2 and H2 (metafor ``confint.rma.uni``): JSON keys added to the contract."""
    if not isinstance(res, meta.RmaResult) or not res.random or res.QE_df < 1:
        return {}
    ci = res.confint_tau2()
    return {"tau_ci_low": ci.tau_ci[0], "tau_ci_high": ci.tau_ci[1], "I2_ci_low": ci.I2_ci[0],
            "I2_ci_high": ci.I2_ci[1], "H2_ci_low": ci.H2_ci[0], "H2_ci_high": ci.H2_ci[1]}


def to_json(res: Any, extras: dict[str, Any]) -> dict[str, Any]:
    """The DESIGN.md keys of ``res.to_dict()`` and, added after them, the extras."""
    out = res.to_dict()
    target = res.overall if _is(res, "subgroup", "SubgroupResult") else res
    out.update(meta.results.clean_json(tau_intervals(target)))
    if "btt" in extras:
        out["btt"] = extras["btt"]
    for key in ("compare", "contrasts", "robust", "permutation"):
        if key in extras:
            out[key] = extras[key].to_dict()
    return out


def to_text(res: Any, extras: dict[str, Any], levels: Sequence[str] = ()) -> str:
    """print.rma-style summary of the model and each extra."""
    if _is(res, "subgroup", "SubgroupResult"):
        parts = [printing.format_subgroup(res)]
    elif _is(res, "results_mv", "RmaMvResult"):
        parts = [printing.format_rma_mv(res, levels)]
    else:
        parts = [printing.format_rma(res)]
    if "compare" in extras:
        parts.append(printing.format_comparison(extras["compare"]))
    if "contrasts" in extras:
        parts.append(printing.format_hypotheses(extras["contrasts"]))
    if "robust" in extras:
        parts.append(printing.format_robust(extras["robust"]))
    if "permutation" in extras:
        parts.append(printing.format_permutations(extras["permutation"]))
    return "\n".join(parts)


def caught_messages(caught: list[warnings.WarningMessage]) -> list[str]:
    return list(dict.fromkeys(str(w.message) for w in caught))
