from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
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


# ------------------------------------------------------------------------------- registry on both backends
#
# `registry_url` runs a test once on SQLite and once on PostgreSQL. It yields a database for a new, empty
# registry, as `open_registry`, `create_app` and `--db` take it: a SQLite file path (str) in the test's tmp_path,
# or a PostgreSQL URL whose connections see only a schema made for this test (`options=-csearch_path=...`), dropped
# with everything in it afterwards. So each test starts clean, tests may run in parallel (pytest -n), and no test
# touches anything else in the database. Nothing is created until the code under test opens the URL, so a test
# can also exercise the first (possibly concurrent) open of a new registry.
#
# The PostgreSQL variant runs when PAINREGEN_TEST_POSTGRES_URL names a database the test user owns (.ci/run
# starts a throwaway server and sets it: `.ci/with-postgres .venv/bin/pytest ...` does the same locally);
# otherwise it is skipped with that reason. It carries the `postgresql` marker (`-m "not postgresql"` leaves it
# out). Use `sqlite_registry_url` / `postgresql_registry_url` for a test of one backend, or `@sqlite_only` below to
# keep a test of a parametrised module on SQLite.
#
#     def test_x(registry_url: str) -> None:
#         with open_registry(registry_url) as registry: ...
#         app = create_app(registry_url, work_dir=tmp_path / "jobs")

POSTGRES_URL_VARIABLE = "PAINREGEN_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Any]:
    """An engine on PAINREGEN_TEST_POSTGRES_URL (for creating and dropping the per-test schemas)."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        pytest.skip(f"PostgreSQL variant: set {POSTGRES_URL_VARIABLE} to a database the test user owns "
                    "(.ci/with-postgres starts a throwaway server and sets it)")
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    yield engine
    engine.dispose()


@pytest.fixture()
def postgresql_registry_url(postgres_admin: Any) -> Iterator[str]:
    """The URL of an empty schema of the test PostgreSQL database, dropped (with its contents) after the test."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    schema = f"t_{uuid.uuid4().hex[:16]}"
    with postgres_admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    # the test's connections see only its schema; the application name lets teardown find stray connections
    url = postgres_admin.url.update_query_dict({"options": f"-csearch_path={schema}", "application_name": schema})
    yield url.render_as_string(hide_password=False)
    for _attempt in range(3):
        try:
            with postgres_admin.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '5s'"))
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            return
        except OperationalError:  # a connection the test left open holds a lock: end it, then drop again
            with postgres_admin.begin() as conn:
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE application_name = :name AND pid <> pg_backend_pid()"), {"name": schema})
    raise RuntimeError(f"could not drop the test schema {schema}")


@pytest.fixture()
def sqlite_registry_url(tmp_path: Path) -> str:
    """A path for a new SQLite registry file in the test's tmp_path (the file does not exist yet)."""
    return str(tmp_path / "registry.db")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def registry_url(request: pytest.FixtureRequest) -> str:
    """A new, empty registry database on each backend in turn (see the comment above)."""
    url: str = request.getfixturevalue(f"{request.param}_registry_url")
    return url


#: Decorator: run a test that takes `registry_url` (itself or through a fixture) on SQLite only, e.g. a test whose
#: work is computation that the backend does not change.
sqlite_only = pytest.mark.parametrize("registry_url", ["sqlite"], indirect=True)
