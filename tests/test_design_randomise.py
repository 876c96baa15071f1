"""Randomisation: balance within blocks and strata, reproducibility for a seed, separation of the key."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from painregen.design import animal_ids, randomise

GROUPS = ["vehicle", "low", "mid", "high"]


def _blocks(s, stratum=None):  # type: ignore[no-untyped-def]
    out: dict[int, list[str]] = {}
    for g, b, st in zip(s.group, s.block, s.stratum, strict=True):
        if stratum is None or st == stratum:
            out.setdefault(b, []).append(g)
    return out


def test_every_complete_block_holds_each_group_by_its_ratio() -> None:
    s = randomise(animal_ids(50), GROUPS, seed=1, method="block", ratio=[2, 1, 1, 1], block_sizes=[5, 10])
    blocks = _blocks(s)
    sizes = {len(v) for v in list(blocks.values())[:-1]}
    assert sizes <= {5, 10} and len(sizes) == 2  # both sizes drawn
    for members in list(blocks.values())[:-1]:
        c = Counter(members)
        unit = len(members) // 5
        assert c == Counter({"vehicle": 2 * unit, "low": unit, "mid": unit, "high": unit})
    assert sum(len(v) for v in blocks.values()) == 50


def test_stratified_is_balanced_within_each_stratum() -> None:
    ids = animal_ids(48)
    sex = ["female" if i % 3 == 0 else "male" for i in range(48)]  # 16 female, 32 male
    s = randomise(ids, GROUPS, seed=99, method="stratified", block_sizes=[4, 8], strata=sex, strata_columns=["sex"])
    for stratum in ("female", "male"):
        blocks = _blocks(s, stratum)
        for members in list(blocks.values())[:-1]:
            assert len(set(Counter(members).values())) == 1 and set(members) == set(GROUPS)
        counts = s.counts(stratum)
        assert max(counts.values()) - min(counts.values()) <= 2  # at most one incomplete block of size <= 8
    assert set(s.stratum) == {"female", "male"}
    assert not set(_blocks(s, "female")) & set(_blocks(s, "male"))  # block numbers never shared


def test_a_seed_reproduces_the_schedule_and_another_seed_does_not() -> None:
    a = randomise(animal_ids(40), GROUPS, seed=2026)
    b = randomise(animal_ids(40), GROUPS, seed=2026)
    c = randomise(animal_ids(40), GROUPS, seed=2027)
    assert a == b and a.schedule_rows() == b.schedule_rows() and a.key_rows() == b.key_rows()
    assert a.group != c.group


def test_schedule_names_only_codes_and_the_key_maps_them() -> None:
    s = randomise(animal_ids(16), GROUPS, seed=5)
    rows = s.schedule_rows()
    assert set(rows[0]) == {"animal", "stratum", "block", "code"}
    assert not {g for g in GROUPS} & {str(v) for r in rows for v in r.values()}
    key = {r["code"]: r["group"] for r in s.key_rows()}
    assert sorted(key.values()) == sorted(GROUPS) and len(set(key)) == 4
    assert [key[r["code"]] for r in rows] == list(s.group)
    assert all(len(c) == 1 and c not in "IO" for c in key)


def test_simple_randomisation_follows_the_ratio() -> None:
    s = randomise(animal_ids(6000), ["control", "treated"], seed=3, method="simple", ratio=[1, 2])
    share = s.counts()["treated"] / 6000
    assert abs(share - 2 / 3) < 4 * np.sqrt(2 / 9 / 6000)  # 4 binomial SE
    assert set(s.block) == {0}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"block_sizes": [6]}, "multiples of 4"),
    ({"method": "stratified"}, "stratum for every animal"),
    ({"method": "minimisation"}, "method must be one of"),
    ({"ratio": [1, 0, 1, 1]}, "ratio"),
])
def test_bad_settings_are_clear_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        randomise(animal_ids(8), GROUPS, seed=1, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unique"):
        randomise(["a", "a"], GROUPS, seed=1)
