"""template -> registry -> export -> import loses nothing (property test over simulated datasets and formats)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from painregen.evidence.files import read_dataset, write_dataset
from painregen.io.tables import sha256_of
from painregen.registry import open_registry
from painregen.simulate import simulate

from conftest import strip_rows

FORMATS = ["data.csv", "data.xlsx", "data.json", "package"]


def _digest(path: Path) -> str:
    return sha256_of(path) if path.is_file() else sha256_of(path / "datapackage.json")


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(1, 3), first=st.sampled_from(FORMATS),
       second=st.sampled_from(FORMATS))
def test_template_registry_export_import(seed: int, n: int, first: str, second: str) -> None:
    original = simulate(n, seed)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        src = d / first
        write_dataset(original, src)
        read, fmt = read_dataset(src)
        assert strip_rows(read.model_dump()) == strip_rows(original.model_dump())
        with open_registry(d / "reg.db") as reg:
            reg.import_dataset(read, source=src, sha256=_digest(src), fmt=fmt)
            exported = reg.export_dataset()
        target = d / f"again-{second}"
        write_dataset(exported, target)
        final, _ = read_dataset(target)
        assert strip_rows(final.model_dump()) == strip_rows(original.model_dump())
        assert final.truth == original.truth
