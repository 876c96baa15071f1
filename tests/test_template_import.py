"""Reading the painregen template: typed records, vocabulary mapping and every kind of bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from painregen.evidence.files import read_dataset, write_dataset
from painregen.evidence.models import Role
from painregen.io.problems import InvalidDataError

from conftest import TEMPLATE_HEADER, strip_rows, template_rows


def problems_of(path: Path) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(InvalidDataError) as info:
        read_dataset(path)
    return [(p.row, p.column, p.message) for p in info.value.problems]


def write(tmp_path: Path, lines: list[str], name: str = "bad.csv") -> Path:
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_template_builds_the_hierarchy(template_csv: Path) -> None:
    ds, fmt = read_dataset(template_csv)
    assert fmt == "template"
    (study,) = ds.studies
    (exp,) = study.experiments
    assert exp.species == "NCBITaxon:10116"
    assert exp.strain == "RS:0000681"
    assert [c.cohort_id for c in exp.cohorts] == ["Sham", "Vehicle", "MSC low", "MSC high"]
    assert [c.role for c in exp.cohorts] == [Role.sham, Role.control, Role.treated, Role.treated]
    low = exp.cohort("MSC low").intervention
    assert low is not None and low.dose is not None
    assert low.dose.amount == 500_000.0  # "5 × 105": a lost superscript
    assert low.dose.unit == "cells"
    assert exp.cohort("MSC high").intervention.dose.amount == 1e6  # type: ignore[union-attr]
    (outcome,) = exp.outcomes
    assert outcome.domain is not None and outcome.domain.value == "evoked"  # from the assay vocabulary
    assert outcome.greater_is_better is True
    assert len(exp.observations) == 5
    assert study.rob == {"assessor_blinding": "yes"}
    assert exp.observations[2].source_row == 4


def test_round_trip_csv_json(template_csv: Path, tmp_path: Path) -> None:
    ds, _ = read_dataset(template_csv)
    for name in ("out.csv", "out.json"):
        target = tmp_path / name
        write_dataset(ds, target)
        again, _ = read_dataset(target)
        assert strip_rows(again.model_dump()) == strip_rows(ds.model_dump())


def test_every_problem_is_reported_with_row_and_column(tmp_path: Path) -> None:
    rows = template_rows()
    rows[1] = rows[1].replace(",4.0,0.5,", ",four,0.5,")  # text for a number
    rows[2] = rows[2].replace(",6.0,0.6,", ",6.0,-0.6,")  # negative SEM
    rows[3] = rows[3].replace(",SEM,8,yes", ",SEM,0,yes")  # n < 1
    rows[4] = rows[4].replace("intravenous", "intravenus")  # unknown term
    found = problems_of(write(tmp_path, [TEMPLATE_HEADER, *rows]))
    cols = {(r, c) for r, c, _ in found}
    assert (3, "average") in cols
    assert (4, "error") in cols
    assert (5, "n") in cols
    assert (6, "route") in cols
    route_msg = next(m for r, c, m in found if c == "route")
    assert "intravenus" in route_msg


def test_unknown_term_lists_nearest(tmp_path: Path) -> None:
    rows = [r.replace("SD rats", "Sprage Dawly") for r in template_rows()]
    with pytest.raises(InvalidDataError) as info:
        read_dataset(write(tmp_path, [TEMPLATE_HEADER, *rows]))
    problem = info.value.problems[0]
    assert problem.column == "strain"
    assert problem.fix is not None and "Sprague" in problem.fix


def test_missing_required_column(tmp_path: Path) -> None:
    header = TEMPLATE_HEADER.replace("species,", "")
    rows = [r.replace(",rat,", ",", 1) for r in template_rows()]
    found = problems_of(write(tmp_path, [header, *rows]))
    assert (1, "species") in {(r, c) for r, c, _ in found}


def test_duplicated_observation_and_inconsistent_study(tmp_path: Path) -> None:
    rows = [*template_rows(), template_rows()[4]]
    rows[0] = rows[0].replace("MSC for CCI pain", "Another title")
    found = problems_of(write(tmp_path, [TEMPLATE_HEADER, *rows]))
    assert (7, "time_days") in {(r, c) for r, c, _ in found}
    assert any(c == "title" for _, c, _ in found)


def test_unknown_column_is_an_error(tmp_path: Path) -> None:
    found = problems_of(write(tmp_path, [TEMPLATE_HEADER + ",speceis", *[r + ",x" for r in template_rows()]]))
    assert found[0][:2] == (1, "speceis")


def test_non_utf8_and_empty_files(tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes(("\n".join([TEMPLATE_HEADER, *template_rows()]) + "\nS2,Caf\xe9\n").encode("latin-1"))
    (row, _, msg), = problems_of(latin)
    assert "UTF-8" in msg and row == 4  # the "×" of "5 × 105 cells" on line 4 is the first non-UTF-8 byte
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert problems_of(empty)[0][2] == "the file is empty"
