"""The real SyRF quantitative export (read from ../shared/data, never copied) imports and yields effect sizes."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from scipy.special import gamma

from painregen.effects.table import dataset_effects
from painregen.evidence.files import detect_format, read_dataset
from painregen.evidence.models import Role
from painregen.io.problems import InvalidDataError

EXPORT = "syrf/quantitative_data_example.csv"


@pytest.fixture()
def syrf_file(shared_data: Path) -> Path:
    return shared_data / EXPORT


def test_real_export_imports(syrf_file: Path) -> None:
    assert detect_format(syrf_file) == "syrf"
    ds, fmt = read_dataset(syrf_file)
    assert fmt == "syrf"
    assert len(ds.studies) == 12  # unique StudyId values in the export
    assert sum(len(e.observations) for s in ds.studies for e in s.experiments) == 48
    study = next(s for s in ds.studies if s.study_id.startswith("35f48e49"))
    assert study.pmid == "23732839"
    assert study.year == 2013
    assert not study.title.startswith('"')
    exp = study.experiments[0]
    assert exp.experiment_id == "FST"  # stray trailing space trimmed
    roles = {c.cohort_id: c.role for c in exp.cohorts}
    assert roles == {"FST/Sal": Role.control, "FST/Ket 0.5": Role.treated, "FST/Ket 0.25": Role.treated}
    assert study.annotations["Random allocation to group (treatment/control)"] == "Not Reported"
    obs = exp.observations[0]
    assert obs.time_days == pytest.approx(20 / 1440)
    assert (obs.average, obs.error, obs.n) == (22.45, 1.92, 8)


def test_other_header_spelling(syrf_file: Path, tmp_path: Path) -> None:
    text = syrf_file.read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    header = header.replace("TimeInMinute,", "TimeInMinutes,").replace(",ErrorType", ",OutcomeErrorType")
    alt = tmp_path / "alt.csv"
    alt.write_text(header + "\n" + rest, encoding="utf-8")
    a, _ = read_dataset(alt)
    b, _ = read_dataset(syrf_file)
    assert a.model_dump() == b.model_dump()


def test_syrf_bad_values_are_reported(syrf_file: Path, tmp_path: Path) -> None:
    lines = syrf_file.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    bad = tmp_path / "bad.csv"
    # row 2: NumberOfAnimals 8 -> 0 ; the value sits after ',FST/Sal,'
    lines[1] = lines[1].replace(",FST/Sal,8,", ",FST/Sal,0,")
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InvalidDataError) as info:
        read_dataset(bad)
    (p,) = info.value.problems
    assert (p.row, p.column) == (2, "NumberOfAnimals")
    assert "NumberOfAnimals" in header


def _hedges_smd(m1: float, sd1: float, n1: float, m2: float, sd2: float, n2: float) -> tuple[float, float]:
    """Hedges' g with the exact correction (Hedges 1981) and metafor's large-sample variance."""
    mdf = n1 + n2 - 2
    j = gamma(mdf / 2) / (math.sqrt(mdf / 2) * gamma((mdf - 1) / 2))
    sp = math.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / mdf)
    g = j * (m1 - m2) / sp
    return g, 1 / n1 + 1 / n2 + g**2 / (2 * (n1 + n2))


def test_effects_from_syrf_shared_control(syrf_file: Path) -> None:
    ds, _ = read_dataset(syrf_file)
    table = dataset_effects(ds, "SMD", syrf=True)
    row = next(r for r in table.rows if r["cohort"] == "FST/Ket 0.5" and r["outcome"] == "FST Immobility")
    assert row["time"] == 20.0
    assert row["k_shared"] == 2
    # control FST/Sal (n = 8) is shared by two treated cohorts -> 4 animals; SD reported; greater is worse.
    g, v = _hedges_smd(16.57, 2.06, 8, 22.45, 1.92, 4)
    assert row["yi"] == pytest.approx(-g, rel=1e-12)
    assert row["yi"] > 0  # less immobility = better
    assert row["vi"] == pytest.approx(v, rel=1e-12)


def test_syrf_export_round_trip(syrf_file: Path, tmp_path: Path) -> None:
    from painregen.evidence.files import write_dataset

    from conftest import strip_rows

    ds, _ = read_dataset(syrf_file)
    out = tmp_path / "again.csv"
    write_dataset(ds, out, "syrf")
    again, fmt = read_dataset(out)
    assert fmt == "syrf"
    assert strip_rows(again.model_dump()) == strip_rows(ds.model_dump())
