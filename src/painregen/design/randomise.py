"""Allocation schedules: simple, permuted-block and stratified randomisation with concealed group codes.

* ``simple``: each animal independently, with probabilities proportional to the allocation ratio.
* ``block``: permuted blocks; each block holds every group ``ratio_g * size / sum(ratio)`` times in random order.
  With several block sizes, each block's size is drawn at random (random block sizes keep the next allocation
  unpredictable: Schulz & Grimes 2002, Lancet 359:515; Altman & Bland 1999, BMJ 318:1209).
* ``stratified``: permuted blocks run separately inside each stratum (a combination of e.g. sex, cage, batch), so
  groups stay balanced within every stratum (Kernan et al. 1999, J Clin Epidemiol 52:19).

Every random draw comes from ``numpy.random.Generator`` (PCG64) seeded by the recorded ``seed``: the same seed, animals
and settings give the same schedule. Groups are concealed behind random letter codes; the schedule names only the
codes and the key (code -> group) is a separate table, to be held by someone who does not allocate, treat or assess
(allocation concealment; ARRIVE 2.0 items 4 and 5).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

__all__ = ["CODE_ALPHABET", "METHODS", "AllocationSchedule", "animal_ids", "randomise"]

METHODS: tuple[str, ...] = ("simple", "block", "stratified")
#: Letters for group codes; I and O are left out (read as 1 and 0).
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class AllocationSchedule:
    """One allocation per animal, in the order the animals were listed. ``codes`` maps group -> code."""

    method: str
    seed: int
    groups: tuple[str, ...]
    ratio: tuple[int, ...]
    block_sizes: tuple[int, ...]
    strata_columns: tuple[str, ...]
    animal: tuple[str, ...]
    stratum: tuple[str, ...]
    block: tuple[int, ...]
    group: tuple[str, ...]
    codes: Mapping[str, str]

    @property
    def code(self) -> tuple[str, ...]:
        return tuple(self.codes[g] for g in self.group)

    def schedule_rows(self) -> list[dict[str, Any]]:
        """The blinded schedule: animal, stratum, block and group code; no group names."""
        return [
            {"animal": a, "stratum": s, "block": b, "code": c}
            for a, s, b, c in zip(self.animal, self.stratum, self.block, self.code, strict=True)
        ]

    def key_rows(self) -> list[dict[str, str]]:
        """The concealment key: code -> group, sorted by code. Keep it apart from the schedule."""
        return sorted(({"code": c, "group": g} for g, c in self.codes.items()), key=lambda r: r["code"])

    def counts(self, stratum: str | None = None) -> dict[str, int]:
        """Animals per group (in one stratum if given)."""
        out = dict.fromkeys(self.groups, 0)
        for g, s in zip(self.group, self.stratum, strict=True):
            if stratum is None or s == stratum:
                out[g] += 1
        return out

    def summary(self) -> dict[str, Any]:
        return {
            "method": self.method, "seed": self.seed, "n": len(self.animal), "groups": list(self.groups),
            "ratio": list(self.ratio), "block_sizes": list(self.block_sizes), "strata": list(self.strata_columns),
            "n_strata": len(set(self.stratum)), "n_blocks": len(set(self.block) - {0}),
        }


def animal_ids(n: int, prefix: str = "A") -> list[str]:
    """``n`` animal identifiers ``A001, A002, ...``."""
    if n < 1:
        raise ValueError("n must be at least 1")
    width = max(3, len(str(n)))
    return [f"{prefix}{i:0{width}d}" for i in range(1, n + 1)]


def _codes(groups: Sequence[str], rng: np.random.Generator) -> dict[str, str]:
    letters = list(CODE_ALPHABET)
    pool = letters if len(groups) <= len(letters) else [a + b for a in letters for b in letters]
    picks = rng.choice(len(pool), size=len(groups), replace=False)
    return {g: pool[int(i)] for g, i in zip(groups, picks, strict=True)}


def _block_sequence(n: int, ratio: np.ndarray, sizes: Sequence[int], rng: np.random.Generator
                    ) -> tuple[list[int], list[int]]:
    """Group indices for ``n`` animals from consecutive permuted blocks, and each animal's block number (1-based)."""
    total = int(ratio.sum())
    groups: list[int] = []
    blocks: list[int] = []
    b = 0
    while len(groups) < n:
        size = int(sizes[int(rng.integers(len(sizes)))]) if len(sizes) > 1 else int(sizes[0])
        content = np.repeat(np.arange(ratio.size), ratio * (size // total))
        b += 1
        groups.extend(int(x) for x in rng.permutation(content))
        blocks.extend([b] * size)
    return groups[:n], blocks[:n]


def randomise(
    animals: Sequence[str],
    groups: Sequence[str],
    *,
    seed: int,
    method: str = "block",
    ratio: Sequence[int] | None = None,
    block_sizes: Sequence[int] | None = None,
    strata: Sequence[str] | None = None,
    strata_columns: Sequence[str] = (),
) -> AllocationSchedule:
    """Allocate ``animals`` (in the order given) to ``groups``.

    ``ratio``: whole-number allocation ratio per group (default all 1; a shared control of ``k`` arms may take
    ``round(sqrt(k))``). ``block_sizes``: multiples of ``sum(ratio)`` (default ``2 * sum(ratio)``); several sizes
    are drawn at random per block. ``strata``: one stratum label per animal (needed for ``stratified``).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    if len(groups) < 2 or len(set(groups)) != len(groups):
        raise ValueError("give at least two groups with distinct names")
    if not animals or len(set(animals)) != len(animals):
        raise ValueError("give at least one animal; animal identifiers must be unique")
    r = np.ones(len(groups), dtype=int) if ratio is None else np.asarray(ratio, dtype=int)
    if r.shape != (len(groups),) or np.any(r < 1):
        raise ValueError("ratio needs one whole number >= 1 per group")
    total = int(r.sum())
    sizes = tuple(int(s) for s in (block_sizes or [2 * total]))
    bad = [s for s in sizes if s < total or s % total]
    if bad:
        raise ValueError(f"block sizes must be multiples of {total} (the sum of the allocation ratio); got {bad}")
    if method == "stratified" and strata is None:
        raise ValueError("stratified randomisation needs a stratum for every animal")
    labels = list(strata) if strata is not None and method == "stratified" else ["all"] * len(animals)
    if len(labels) != len(animals):
        raise ValueError("give one stratum label per animal")
    code_rng, alloc_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    codes = _codes(groups, code_rng)
    assigned = [0] * len(animals)
    block_of = [0] * len(animals)
    if method == "simple":
        assigned = [int(x) for x in alloc_rng.choice(len(groups), size=len(animals), p=r / total)]
        sizes = ()
    else:
        offset = 0
        for stratum in dict.fromkeys(labels):
            idx = [i for i, s in enumerate(labels) if s == stratum]
            seq, blk = _block_sequence(len(idx), r, sizes, alloc_rng)
            for i, g, b in zip(idx, seq, blk, strict=True):
                assigned[i], block_of[i] = g, b + offset
            offset += max(blk)
    return AllocationSchedule(
        method, int(seed), tuple(groups), tuple(int(x) for x in r), sizes,
        tuple(strata_columns) if method == "stratified" else (), tuple(animals), tuple(labels), tuple(block_of),
        tuple(groups[g] for g in assigned), MappingProxyType(codes),
    )
