"""Extraction and appraisal in duplicate: each reviewer's version of a study (quantitative data and SYRCLE /
ARRIVE / other appraisal answers, read from that reviewer's template file with the evidence importers), compared
cell by cell.

A study is flattened into cells ``path -> value``: lists are keyed by their identifiers (``experiments[E1]``,
``cohorts[C2]``, ``outcomes[PWT]``, ``observations[C2|PWT|14]``; mechanisms and adverse events by position), so
the same cell of two versions is compared whatever the row order of the files. Numbers agree when they are equal
within ``rel_tol`` (relative) or ``abs_tol`` (absolute); every other value (terms, text, booleans) must be
identical. A cell present in one version only is a discrepancy too.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from painregen.evidence import models as m

REL_TOL = 1e-6
ABS_TOL = 1e-9
INSTRUMENTS = {"rob": "syrcle", "arrive": "arrive", "annotations": "annotation"}
_KEYS: dict[str, Any] = {
    "experiments": lambda d, i: d["experiment_id"],
    "cohorts": lambda d, i: d["cohort_id"],
    "outcomes": lambda d, i: d["outcome_id"],
    "observations": lambda d, i: f"{d['cohort_id']}|{d['outcome_id']}|{d['time_days']:g}",
}
SKIP = {"source_row", "study_id", "simulated"}


def flatten(study: m.Study) -> dict[str, Any]:
    """The study's cells: ``path -> value`` (None values left out)."""
    out: dict[str, Any] = {}

    def walk(obj: Any, prefix: str) -> None:
        if isinstance(obj, dict):
            for k, v in obj.items():
                if k not in SKIP:
                    walk(v, f"{prefix}.{k}" if prefix else k)
        elif isinstance(obj, list):
            name = prefix.rsplit(".", 1)[-1]
            key = _KEYS.get(name, lambda d, i: str(i + 1))
            for i, item in enumerate(obj):
                walk(item, f"{prefix}[{key(item, i) if isinstance(item, dict) else i + 1}]")
        elif obj is not None:
            out[prefix] = obj

    walk(study.model_dump(mode="json"), "")
    return out


def kind_of(path: str) -> str:
    """What a cell belongs to: ``syrcle``, ``arrive``, ``annotation`` (appraisal answers) or ``data``."""
    return INSTRUMENTS.get(path.split(".", 1)[0], "data")


def same(a: Any, b: Any, rel_tol: float = REL_TOL, abs_tol: float = ABS_TOL) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=rel_tol, abs_tol=abs_tol)
    if isinstance(a, str) and isinstance(b, str):
        return a.strip() == b.strip()
    return bool(a == b)


@dataclass(frozen=True)
class Discrepancy:
    path: str
    kind: str
    values: dict[str, Any]  # reviewer -> value (None: the cell is missing in that version)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "kind": self.kind, "values": dict(self.values)}


@dataclass
class Comparison:
    """Cell-by-cell comparison of two or more reviewers' versions of one study."""

    reviewers: list[str]
    cells: dict[str, dict[str, Any]]  # path -> reviewer -> value
    discrepancies: list[Discrepancy]

    def agreement(self) -> list[dict[str, Any]]:
        """Per field (path without list keys, e.g. ``experiments.cohorts.n_randomised``) and per appraisal item:
        cells compared, cells agreeing and the percentage."""
        by: dict[str, list[int]] = {}
        bad = {d.path for d in self.discrepancies}
        for path in self.cells:
            field = _field(path)
            tally = by.setdefault(field, [0, 0])
            tally[0] += 1
            tally[1] += path not in bad
        return [{"field": f, "kind": kind_of(f), "cells": n, "agree": k, "percent": 100.0 * k / n}
                for f, (n, k) in sorted(by.items())]


def _field(path: str) -> str:
    out, depth = [], 0
    for ch in path:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def compare(versions: Mapping[str, m.Study], rel_tol: float = REL_TOL, abs_tol: float = ABS_TOL) -> Comparison:
    """Compare reviewers' versions (``reviewer -> Study``) cell by cell."""
    if len(versions) < 2:
        raise ValueError("a comparison needs two or more reviewers' versions")
    flat = {r: flatten(s) for r, s in versions.items()}
    paths: list[str] = []
    seen: set[str] = set()
    for cells in flat.values():
        for p in cells:
            if p not in seen:
                seen.add(p)
                paths.append(p)
    cells = {p: {r: flat[r].get(p) for r in flat} for p in paths}
    out = []
    for p, vals in cells.items():
        vs = list(vals.values())
        first = vs[0]
        if first is not None and all(type(v) is type(first) and v == first for v in vs[1:]):
            continue  # identical values agree under every rule of same()
        if any(v is None for v in vs) or not all(same(first, v, rel_tol, abs_tol) for v in vs[1:]):
            out.append(Discrepancy(p, kind_of(p), vals))
    return Comparison(list(versions), cells, out)


@functools.lru_cache(maxsize=65536)
def _parse_path(path: str) -> tuple[tuple[str, str | None], ...]:
    """``experiments[E1].cohorts[C1].n`` -> (("experiments", "E1"), ("cohorts", "C1"), ("n", None)) (cached: the
    same cells recur in every version and study)."""
    parts: list[tuple[str, str | None]] = []
    i, name, n = 0, "", len(path)
    while i < n:
        ch = path[i]
        if ch == "[":
            j, depth = i + 1, 1
            while depth:
                depth += {"[": 1, "]": -1}.get(path[j], 0)
                j += 1
            parts.append((name, path[i + 1 : j - 1]))
            name, i = "", j
            if i < n and path[i] == ".":
                i += 1
        elif ch == ".":
            parts.append((name, None))
            name, i = "", i + 1
        else:
            name += ch
            i += 1
    if name:
        parts.append((name, None))
    return tuple(parts)


def unflatten(cells: Mapping[str, Any]) -> dict[str, Any]:
    """The nested dict of ``cells`` (list items in the order their keys first appear)."""
    root: dict[str, Any] = {}
    for path, value in cells.items():
        node: dict[str, Any] = root
        parts = _parse_path(path)
        for k, (name, key) in enumerate(parts):
            last = k == len(parts) - 1
            if key is None:
                if last:
                    node[name] = value
                else:
                    node = node.setdefault(name, {})
            else:
                items: dict[str, dict[str, Any]] = node.setdefault(name, {})
                node = items.setdefault(key, {})
                if last:  # a list of scalars (e.g. evidence kinds)
                    node["__value__"] = value

    def lists(obj: Any, name: str = "") -> Any:
        if isinstance(obj, dict):
            if name in _LIST_FIELDS:
                return [lists(v.get("__value__", v)) if "__value__" in v else lists(v) for v in obj.values()]
            return {k: lists(v, k) for k, v in obj.items()}
        return obj

    return dict(lists(root))


_LIST_FIELDS = {"experiments", "cohorts", "outcomes", "observations", "mechanisms", "adverse_events", "evidence"}


def reconciled_study(base: m.Study, comparison: Comparison, agreed: Mapping[str, Any]) -> m.Study:
    """The study with every discrepant cell set to its ``agreed`` value (None: the cell is left empty).

    Raises ValueError naming the cells without an agreed value."""
    open_ = [d.path for d in comparison.discrepancies if d.path not in agreed]
    if open_:
        raise ValueError(f"{len(open_)} discrepancies are not reconciled: {', '.join(open_[:5])}"
                         + (" ..." if len(open_) > 5 else ""))
    first = comparison.reviewers[0]
    cells = {p: (agreed[p] if p in agreed else vals[first]) for p, vals in comparison.cells.items()}
    data = unflatten({p: v for p, v in cells.items() if v is not None})
    data["study_id"] = base.study_id
    data["simulated"] = base.simulated
    return m.Study.model_validate(data)
