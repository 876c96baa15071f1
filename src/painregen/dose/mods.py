"""Candidate dose-response shapes (DoseFinding's ``Mods``) and the SPEC mini-language.

A candidate is a family with standardised (guesstimated) nonlinear parameters.  Given the doses, a
placebo effect and a maximum effect, ``mods`` back-calculates the linear parameters as DoseFinding does
(Mods manual; Bornkamp, Pinheiro & Bretz 2009, J Stat Softw 29(7)):
``theta1 = maxEff / (max f0 - f0(0))`` and ``theta0 = placEff - theta1 f0(0)``, where ``max f0`` is
f0 at the largest dose for the monotone families, the vertex value -1/(4 delta) for the quadratic and
1 (the kernel maximum) for the beta model.  A family listed more than once is numbered (emax1, emax2).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from .errors import DoseInputError
from .model_defs import MODELS, default_fixed, get_model
from .models import Array

Direction = Literal["increasing", "decreasing"]


@dataclass(frozen=True)
class Candidate:
    """One candidate shape: its label (``emax1``), family (``emax``) and standardised parameters."""

    name: str
    family: str
    std: tuple[float, ...]


@dataclass(frozen=True)
class CandidateSet:
    """An ordered set of candidate shapes, independent of the doses."""

    candidates: tuple[Candidate, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.candidates]

    @property
    def families(self) -> list[str]:
        return list(dict.fromkeys(c.family for c in self.candidates))

    def __len__(self) -> int:
        return len(self.candidates)

    def __iter__(self) -> Any:
        return iter(self.candidates)


def candidate_set(items: Iterable[tuple[str, Sequence[float]]]) -> CandidateSet:
    """Build a :class:`CandidateSet` from ``(family, std_params)`` pairs, naming repeats as DoseFinding."""
    pairs = [(get_model(fam).name, tuple(float(v) for v in std)) for fam, std in items]
    if not pairs:
        raise DoseInputError("the candidate set is empty: give at least one model")
    counts = Counter(fam for fam, _ in pairs)
    seen: Counter[str] = Counter()
    out = []
    for fam, std in pairs:
        mdef = MODELS[fam]
        if len(std) != len(mdef.std_names):
            want = "/".join(mdef.std_names) or "no parameters"
            raise DoseInputError(f"model {fam} takes {want}; got {len(std)} value(s)")
        if any(not np.isfinite(v) for v in std) or (fam != "quadratic" and any(v <= 0 for v in std)):
            raise DoseInputError(f"model {fam}: guesstimates must be finite and positive, got {std}")
        seen[fam] += 1
        name = f"{fam}{seen[fam]}" if counts[fam] > 1 else fam
        out.append(Candidate(name, fam, std))
    return CandidateSet(tuple(out))


def parse_models_spec(spec: str) -> CandidateSet:
    """Parse the CLI SPEC, e.g. ``"linear,emax:25,sigEmax:30/3,betaMod:0.33/2.31"``.

    Items are separated by commas; parameters follow a colon and are separated by ``/``:
    ``linear``, ``linlog``, ``emax:ED50``, ``sigEmax:ED50/h``, ``exponential:delta``,
    ``quadratic:delta``, ``betaMod:delta1/delta2``, ``logistic:ED50/delta``.
    """
    items: list[tuple[str, tuple[float, ...]]] = []
    for raw in spec.split(","):
        item = raw.strip()
        if not item:
            continue
        name, _, params = item.partition(":")
        try:
            values = tuple(float(v) for v in params.split("/")) if params.strip() else ()
        except ValueError:
            raise DoseInputError(f"model spec {item!r}: parameters must be numbers separated by '/'") from None
        items.append((name.strip(), values))
    return candidate_set(items)


@dataclass(frozen=True)
class Mods:
    """A candidate set resolved at given doses: full model parameters for every candidate."""

    candidates: CandidateSet
    doses: tuple[float, ...]
    plac_eff: tuple[float, ...]
    max_eff: tuple[float, ...]
    direction: Direction
    fixed: dict[str, float] = field(hash=False)
    coefs: dict[str, tuple[float, ...]] = field(hash=False)

    @property
    def names(self) -> list[str]:
        return self.candidates.names

    def get_resp(self, doses: ArrayLike | None = None) -> Array:
        """Model means, shape (len(doses), n_models), as DoseFinding's ``getResp``."""
        d = np.asarray(self.doses if doses is None else doses, dtype=float)
        cols = [
            get_model(c.family).mean(d, np.array(self.coefs[c.name]), self.fixed) for c in self.candidates
        ]
        return np.stack(cols, axis=-1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "doses": list(self.doses),
            "direction": self.direction,
            "fixed": dict(self.fixed),
            "models": [
                {"model": c.name, "family": c.family, "std": list(c.std),
                 "coefficients": dict(zip(get_model(c.family).coef_names, self.coefs[c.name], strict=True))}
                for c in self.candidates
            ],
        }


def mods(
    models: CandidateSet | str,
    doses: ArrayLike,
    *,
    plac_eff: float | ArrayLike = 0.0,
    max_eff: float | ArrayLike | None = None,
    direction: Direction = "increasing",
    scal: float | None = None,
    off: float | None = None,
) -> Mods:
    """Resolve candidate shapes at ``doses`` as DoseFinding's ``Mods`` (maxEff = +/-1 by default).

    ``max_eff`` is the effect over placebo at the shape's maximum; a negative value (or
    ``direction="decreasing"``) means lower responses are better.
    """
    cset = parse_models_spec(models) if isinstance(models, str) else models
    d = np.unique(np.asarray(doses, dtype=float))
    if d.size < 2 or d[0] < 0:
        raise DoseInputError("Mods needs at least two non-negative doses")
    max_dose = float(d[-1])
    fixed = default_fixed(max_dose, scal, off)
    n_mod = len(cset)
    if max_eff is None:
        max_eff = 1.0 if direction == "increasing" else -1.0
    me = np.broadcast_to(np.asarray(max_eff, dtype=float), (n_mod,))
    pe = np.broadcast_to(np.asarray(plac_eff, dtype=float), (n_mod,))
    if np.any(me == 0):
        raise DoseInputError("max_eff must be non-zero")
    direction_out: Direction = "increasing" if np.all(me > 0) else "decreasing"
    coefs: dict[str, tuple[float, ...]] = {}
    for i, c in enumerate(cset.candidates):
        mdef = get_model(c.family)
        std = np.array(c.std)
        f00, f0max = mdef.std_range(std, max_dose, fixed)
        theta1 = me[i] / (f0max - f00)
        theta0 = pe[i] - theta1 * f00
        if c.family == "quadratic":
            full: tuple[float, ...] = (theta0, theta1, theta1 * std[0])
        else:
            full = (theta0, theta1, *c.std)
        coefs[c.name] = tuple(float(v) for v in full)
    return Mods(cset, tuple(float(v) for v in d), tuple(float(v) for v in pe), tuple(float(v) for v in me),
                direction_out, fixed, coefs)
