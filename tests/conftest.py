from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip("../shared/data is not beside the project")
    return SHARED_DATA


def strip_rows(obj: Any) -> Any:
    """A model dump without source_row keys (provenance differs between formats, content must not)."""
    if isinstance(obj, dict):
        return {k: strip_rows(v) for k, v in obj.items() if k != "source_row"}
    if isinstance(obj, list):
        return [strip_rows(v) for v in obj]
    return obj


TEMPLATE_HEADER = (
    "study_id,title,year,doi,species,strain,sex,model,experiment_id,cohort_id,role,n_randomised,product,"
    "tissue_source,dose,route,timing_days,outcome_id,assay,time_days,average,error,error_type,n,rob_assessor_blinding"
)


def template_rows() -> list[str]:
    base = "S1,MSC for CCI pain,2021,10.1000/xyz1,rat,SD rats,male,CCI,E1"
    return [
        f"{base},Sham,sham,8,,,,,,PWT,von Frey,14,15.0,1.0,SEM,8,yes",
        f"{base},Vehicle,control,8,vehicle,,,intravenous,7,PWT,von Frey,14,4.0,0.5,SEM,8,yes",
        f"{base},MSC low,treated,8,MSC,bone marrow,5 × 105 cells,intravenous,7,PWT,von Frey,14,6.0,0.6,SEM,8,yes",
        f"{base},MSC high,treated,8,MSC,bone marrow,1e6 cells,intravenous,7,PWT,von Frey,14,9.0,0.7,SEM,8,yes",
        f"{base},MSC high,treated,8,MSC,bone marrow,1e6 cells,intravenous,7,PWT,von Frey,28,10.0,0.7,SEM,7,yes",
    ]


@pytest.fixture()
def template_csv(tmp_path: Path) -> Path:
    p = tmp_path / "study.csv"
    p.write_text("\n".join([TEMPLATE_HEADER, *template_rows()]) + "\n", encoding="utf-8")
    return p
