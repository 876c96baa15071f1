"""Registry: schema and migrations, lossless round trip, atomic imports, duplicates, provenance, CLI views.

Tests taking ``reg`` or ``registry_url`` run on SQLite and on PostgreSQL (see ``registry_url`` in conftest.py:
set PAINREGEN_TEST_POSTGRES_URL, or run them through ``.ci/with-postgres``).
"""

from __future__ import annotations

import itertools
import json
import math
import re
import struct
import types
import typing
from datetime import timedelta
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
import typer
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from sqlalchemy import Engine, inspect, select, text
from typer.testing import CliRunner

from painregen.cli.registry_cmd import ls_command, show_command
from painregen.evidence import models as m
from painregen.registry import (
    DuplicateStudyError,
    Registry,
    RegistryError,
    RegistryNotFoundError,
    normalise_title,
    open_registry,
)
from painregen.registry import store as store_module
from painregen.registry.mapping import DOSE, INTERVENTION, NESTED, columns_of
from painregen.registry.migrate import current_revision, downgrade, head_revision, upgrade, upgrade_sql
from painregen.registry.schema import EVIDENCE_TABLES, Base

SHA_A, SHA_B, SHA_C = "a" * 64, "b" * 64, "c" * 64
PROVENANCE_COLUMNS = {"id", "import_id", "source_row", "ordinal"}

# ---------------------------------------------------------------------------------------------- fixtures


def sample_dataset() -> m.Dataset:
    """Two studies using every kind of record (hand-written: the values below are asserted on)."""

    def experiment(eid: str, row: int) -> m.Experiment:
        return m.Experiment(
            experiment_id=eid, source_row=row, species="NCBITaxon:10116", strain="RS:0000681", sex="male",
            age_weeks=8.5, weight_g=250.0, supplier="Charles River", model="PRG:model-cci", induction="4 ligatures",
            cohorts=[
                m.Cohort(cohort_id="sham", role="sham", n_randomised=8, source_row=row),
                m.Cohort(cohort_id="veh", role="control", n_randomised=10, n_analysed=9, source_row=row + 1,
                         intervention=m.Intervention(product="PRG:vehicle", route="PRG:route-it")),
                m.Cohort(
                    cohort_id="msc", role="treated", n_randomised=10, control_cohort="veh", sham_cohort="sham",
                    source_row=row + 2, description="BM-MSC 1e6",
                    intervention=m.Intervention(
                        product="PRG:msc", tissue_source="UBERON:0002371", donor_species="NCBITaxon:9606",
                        donor_relation="xenogeneic", passage=4, preconditioning="hypoxia", route="PRG:route-it",
                        timing_days=7.0, timing_mode="therapeutic", administrations=2, interval_days=3.5,
                        scaffold="hyaluronic acid", co_treatment="none", source_row=row + 2,
                        dose=m.Dose(amount=1e6, unit="cells", basis="per_animal", text="10^6 cells",
                                    source_row=row + 2),
                    ),
                ),
            ],
            outcomes=[
                m.OutcomeMeasure(outcome_id="vf", assay="PRG:assay-von-frey", domain="evoked", unit="g",
                                 greater_is_better=True, source_row=row),
                m.OutcomeMeasure(outcome_id="syrf-label", greater_is_better=False),
            ],
            observations=[
                m.Observation(cohort_id=c, outcome_id="vf", time_days=t, average=avg, error=0.1 + 0.2,
                              error_type="SD", n=8, source_row=row + i)
                for i, (c, t, avg) in enumerate([("sham", 7, 15.0), ("veh", 7, 1 / 3), ("msc", 14, 7.25)])
            ] + [
                m.Observation(cohort_id="msc", outcome_id="syrf-label", time_days=0.5, average=-2.0,
                              average_type="median", error_low=-3.0, error_high=-1.0, error_type="IQR", n=9),
            ],
            mechanisms=[m.MechanismClaim(pathway="PRG:nfkb", pillar="immunomodulation",
                                         evidence=["loss_of_function", "expression"], compartment="microglia",
                                         cohort_id="msc", note="p65 down")],
            adverse_events=[m.AdverseEvent(kind="PRG:ae-embolism", cohort_id="msc", n_events=1, n_at_risk=10,
                                           route="PRG:route-iv", note="one death")],
        )

    s1 = m.Study(
        study_id="Smith2020", source_row=2, title="Bone-marrow MSCs relieve neuropathic pain", year=2020,
        authors="Smith J", journal="Pain", doi="10.1000/ABC.123", pmid="123456", funding="NIH", conflicts="none",
        methods_text="Rats were randomised.", rob={"sequence_generation": "yes", "blinding": "unclear"},
        arrive={"1a": "reported"}, annotations={"Q: housing?": "paired"},
        experiments=[experiment("E1", 2), experiment("E2", 10)],
    )
    s2 = m.Study(study_id="Lee2021", title="Exosomes in disc degeneration", year=2021, experiments=[])
    return m.Dataset(studies=[s1, s2])


@pytest.fixture
def reg(registry_url: str) -> typing.Iterator[Registry]:
    with open_registry(registry_url) as registry:
        yield registry


def table_dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in id order (the registry's whole content)."""
    with engine.connect() as conn:
        return {
            name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
            for name, t in Base.metadata.tables.items()
        }


def float_bits(ds: m.Dataset) -> list[bytes]:
    return [struct.pack("<d", ob.average) for s in ds.studies for e in s.experiments for ob in e.observations]


# ------------------------------------------------------------------------------------ schema, migrations


def assert_schema_matches(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diffs == []


def test_fresh_registry_is_at_head_and_matches_orm(registry_url: str) -> None:
    with open_registry(registry_url) as registry:
        assert_schema_matches(registry.engine)
        assert registry.counts() == dict.fromkeys(["imports", *EVIDENCE_TABLES], 0)


def test_downgrade_to_base_and_upgrade_again(reg: Registry) -> None:
    downgrade(reg.engine)
    assert current_revision(reg.engine) is None
    assert set(inspect(reg.engine).get_table_names()) == {"alembic_version"}
    upgrade(reg.engine)
    assert_schema_matches(reg.engine)


def test_open_upgrades_an_old_database_and_refuses_a_newer_one(registry_url: str) -> None:
    path = registry_url
    with open_registry(path) as registry:
        downgrade(registry.engine)
    with open_registry(path) as registry:  # opening brings it back to head
        assert current_revision(registry.engine) == head_revision()
        with registry.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(RegistryError, match="newer painregen"):
        open_registry(path)


def test_every_model_field_has_a_column_and_no_column_is_orphaned() -> None:
    tables = {name: set(model.__table__.columns.keys()) for name, model in EVIDENCE_TABLES.items()}  # type: ignore[attr-defined]
    extra = {  # columns that are not a same-named model field, and why
        "studies": {"doi_key", "title_key"},  # dedup keys
        "appraisal_answers": {"study_pk", "instrument", "item", "answer"},
        "experiments": {"study_pk"},
        "cohorts": {"experiment_pk"} | columns_of(m.Intervention, INTERVENTION) | columns_of(m.Dose, DOSE),
        "outcomes": {"experiment_pk"},
        "observations": {"experiment_pk", "cohort_pk", "outcome_pk"},
        "mechanisms": {"experiment_pk", "evidence"},
        "adverse_events": {"experiment_pk", "cohort_pk"},
    }
    record_of: dict[str, type[BaseModel]] = {
        "studies": m.Study, "experiments": m.Experiment, "cohorts": m.Cohort, "outcomes": m.OutcomeMeasure,
        "observations": m.Observation, "mechanisms": m.MechanismClaim, "adverse_events": m.AdverseEvent,
    }
    for name, columns in tables.items():
        expected = PROVENANCE_COLUMNS | extra[name] | (columns_of(record_of[name]) if name in record_of else set())
        assert columns == expected, name
    # intervention fields are flattened unprefixed into cohorts: they must not collide with cohort fields
    assert set(m.Cohort.model_fields) & set(m.Intervention.model_fields) == {"source_row"}
    assert set(NESTED[m.Study]) == {n for n, f in m.Study.model_fields.items() if f.annotation not in (
        str, int, bool, str | None, int | None)}


def test_schema_is_portable_to_postgresql(capsys: pytest.CaptureFixture[str]) -> None:
    upgrade_sql("postgresql+psycopg://u@localhost/db")
    sql = capsys.readouterr().out
    assert "CREATE TABLE observations" in sql
    assert re.search(r"average DOUBLE PRECISION NOT NULL", sql)
    assert "truth JSON" in sql and "imported_at TIMESTAMP WITH TIME ZONE NOT NULL" in sql


# ----------------------------------------------------------------------------------------- round trip


def test_round_trip_sample_is_exact(reg: Registry) -> None:
    ds = sample_dataset()
    summary = reg.import_dataset(ds, source=Path("/data/smith.csv"), sha256=SHA_A, fmt="template")
    assert summary.import_id == 1 and summary.study_ids == [1, 2] and summary.skipped == []
    assert summary.rows == {"studies": 2, "appraisal_answers": 4, "experiments": 2, "cohorts": 6, "outcomes": 4,
                            "observations": 8, "mechanisms": 2, "adverse_events": 2}
    out = reg.export_dataset()
    assert out == ds
    assert float_bits(out) == float_bits(ds)
    assert reg.study("Smith2020") == ds.studies[0]
    assert reg.export_dataset([2, 1]).studies == [ds.studies[1], ds.studies[0]]
    assert reg.counts() == {"imports": 1, **summary.rows}


def test_extreme_floats_are_stored_bit_for_bit(reg: Registry) -> None:
    ds = sample_dataset()
    values = [0.1 + 0.2, 1 / 3, 5e-324, 1.7976931348623157e308, -2.5e-300, 123456789.12345679]
    obs = ds.studies[0].experiments[0].observations
    for ob, v in zip(obs, values, strict=False):
        ob.average = v
    reg.import_dataset(ds, source="x.csv", sha256=SHA_A, fmt="template")
    assert float_bits(reg.export_dataset()) == float_bits(ds)


# Strategies: scalar fields are drawn from each field's annotation and constraints, so a field added to the
# model is exercised without touching this file; cross-references (cohort/outcome labels) are drawn consistently.
CURIES = st.sampled_from(["NCBITaxon:10116", "NCBITaxon:10090", "RS:0000681", "PRG:model-cci", "UBERON:0002371"])
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)  # NUL: PostgreSQL refuses it
LABEL = st.text(st.characters(codec="ascii", categories=("L", "N")), min_size=1, max_size=6)
MAX_INT = 2**31 - 1  # PostgreSQL INTEGER


def _unwrap(annotation: Any) -> tuple[Any, bool, bool]:
    """(base type, optional, is a CURIE) of a field annotation."""
    optional = False
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional, annotation = True, args[0]
    curie = "[A-Za-z0-9_.]*:" in repr(annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation, optional, curie


def scalar(model: type[BaseModel], name: str) -> st.SearchStrategy[Any]:
    info = model.model_fields[name]
    base, optional, curie = _unwrap(info.annotation)
    bounds = {k: getattr(c, k) for c in info.metadata for k in ("ge", "gt", "le", "min_length") if hasattr(c, k)}
    pattern = next((getattr(c, "pattern", None) for c in info.metadata if getattr(c, "pattern", None)), None)
    strategy: st.SearchStrategy[Any]
    if curie or (pattern and "[A-Za-z0-9_.]*:" in pattern):
        strategy = CURIES
    elif pattern:
        strategy = st.from_regex(pattern, fullmatch=True)
    elif isinstance(base, type) and issubclass(base, Enum):
        strategy = st.sampled_from(list(base))
    elif base is bool:
        strategy = st.booleans()
    elif base is int:
        lo = bounds.get("ge", bounds.get("gt", -MAX_INT - 2) + 1)
        strategy = st.integers(min_value=lo, max_value=min(bounds.get("le", MAX_INT), MAX_INT))
    elif base is float:
        strategy = st.floats(allow_nan=False, allow_infinity=False, min_value=bounds.get("ge", bounds.get("gt")),
                             exclude_min="gt" in bounds)
    elif base is str:
        strategy = TEXT.filter(lambda s: s.strip()) if bounds.get("min_length") else TEXT
    else:
        raise AssertionError(f"no strategy for {model.__name__}.{name}: {info.annotation!r}")
    return st.none() | strategy if optional else strategy


def record(model: type[BaseModel], **fixed: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    nested = NESTED.get(model, frozenset())
    fields = {n: scalar(model, n) for n in model.model_fields if n not in nested and n not in fixed}
    return st.fixed_dictionaries({**fields, **fixed}).map(lambda kw: model(**kw))


@st.composite
def observation(draw: st.DrawFn, cohorts: list[str], outcomes: list[str]) -> m.Observation:
    error_type = draw(st.sampled_from(list(m.ErrorType)))
    finite = st.floats(allow_nan=False, allow_infinity=False)
    low, high = sorted([draw(finite), draw(finite)])
    needs_error = error_type in (m.ErrorType.SD, m.ErrorType.SEM)
    return typing.cast(m.Observation, draw(record(
        m.Observation, cohort_id=st.sampled_from(cohorts), outcome_id=st.sampled_from(outcomes),
        error_type=st.just(error_type),
        error=st.floats(min_value=0, allow_infinity=False) if needs_error else st.none(),
        error_low=st.none() | st.just(low) if needs_error else st.just(low),
        error_high=st.none() | st.just(high) if needs_error else st.just(high),
    )))


@st.composite
def experiment(draw: st.DrawFn, eid: str) -> m.Experiment:
    labels = draw(st.lists(LABEL, min_size=1, max_size=3, unique=True))
    refs = st.none() | st.sampled_from(labels)
    intervention = record(m.Intervention, dose=st.none() | record(m.Dose))
    cohorts = [draw(record(m.Cohort, cohort_id=st.just(c), control_cohort=refs, sham_cohort=refs,
                           intervention=st.none() | intervention)) for c in labels]
    outcomes = [draw(record(m.OutcomeMeasure, outcome_id=st.just(o)))
                for o in draw(st.lists(LABEL, min_size=1, max_size=2, unique=True))]
    out_labels = [o.outcome_id for o in outcomes]
    return typing.cast(m.Experiment, draw(record(
        m.Experiment, experiment_id=st.just(eid), cohorts=st.just(cohorts), outcomes=st.just(outcomes),
        observations=st.lists(observation(labels, out_labels), max_size=4),
        mechanisms=st.lists(record(m.MechanismClaim, evidence=st.lists(st.sampled_from(list(m.EvidenceKind)),
                                                                       max_size=3)), max_size=2),
        adverse_events=st.lists(record(m.AdverseEvent, cohort_id=st.sampled_from(labels), n_events=st.just(0)),
                                max_size=2),
    )))


@st.composite
def dataset(draw: st.DrawFn) -> m.Dataset:
    studies = []
    for i in range(draw(st.integers(1, 3))):
        answers = st.dictionaries(TEXT.filter(lambda s: s.strip()), TEXT, max_size=3)
        exps = [draw(experiment(e)) for e in draw(st.lists(LABEL, max_size=2, unique=True))]
        study = draw(record(m.Study, rob=answers, arrive=answers, annotations=answers, experiments=st.just(exps),
                            doi=st.none(), pmid=st.none()))
        # make the dedup keys unique inside the dataset (the title keeps its drawn text, with the index appended)
        studies.append(study.model_copy(update={
            "title": f"{study.title} {i}".strip(), "doi": draw(st.none() | st.just(f"10.5555/Rt.{i}")),
            "pmid": draw(st.none() | st.just(str(1000 + i))),
        }))
    truth = st.none() | st.dictionaries(LABEL, st.floats(allow_nan=False, allow_infinity=False) | st.integers(
        -(2**40), 2**40) | TEXT | st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=3), max_size=3)
    return m.Dataset(studies=studies, simulated=draw(st.booleans()), truth=draw(truth))


@pytest.fixture(scope="module")
def memory_registry() -> typing.Iterator[Registry]:
    with open_registry("sqlite://") as registry:  # in memory: the same SQL without disk syncs
        yield registry


def clear(registry: Registry) -> None:
    with registry.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name != "audit_log":  # append-only: its triggers refuse deletes
                conn.execute(table.delete())


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ds=dataset())
def test_round_trip_is_lossless_for_random_datasets(memory_registry: Registry, ds: m.Dataset) -> None:
    clear(memory_registry)
    memory_registry.import_dataset(ds, source="random.json", sha256=SHA_A, fmt="json")
    out = memory_registry.export_dataset()
    # pydantic equality compares every list in order and every float exactly (only the sign of a zero is not
    # compared: SQLite returns -0.0 as 0.0, see docs/registry.md)
    assert out == ds


# ------------------------------------------------------------------------------------------ atomicity


def test_failure_half_way_leaves_the_registry_unchanged(reg: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    reg.import_dataset(sample_dataset(), source="first.csv", sha256=SHA_A, fmt="template")
    before, counts_before = table_dump(reg.engine), reg.counts()
    incoming = sample_dataset()
    for i, s in enumerate(incoming.studies):  # a different publication, 8 observations
        s.study_id, s.title, s.doi, s.pmid = f"New{i}", f"Another study {i}", None, None
    calls = itertools.count(1)
    real = store_module._observation_row

    def failing(*args: Any, **kwargs: Any) -> Any:
        if next(calls) > 4:
            raise OSError("disk full (simulated)")
        return real(*args, **kwargs)

    monkeypatch.setattr(store_module, "_observation_row", failing)
    with pytest.raises(OSError, match="simulated"):
        reg.import_dataset(incoming, source="second.csv", sha256=SHA_B, fmt="template")
    assert next(calls) == 6  # the failure came after the first experiment (4 observations) was flushed
    assert reg.counts() == counts_before
    assert table_dump(reg.engine) == before
    monkeypatch.setattr(store_module, "_observation_row", real)
    # the same import now succeeds (its id may skip the one the failed attempt took: PostgreSQL sequences do not
    # roll back)
    assert reg.import_dataset(incoming, source="second.csv", sha256=SHA_B, fmt="template").import_id in (2, 3)
    assert reg.counts()["imports"] == 2


def test_non_finite_numbers_are_rejected_with_the_record_named(reg: Registry) -> None:
    ds = sample_dataset()
    ds.studies[0].experiments[1].observations[2].average = math.inf
    where = r"study 'Smith2020' \(row 2\) experiments\[1\] observations\[2\]"
    with pytest.raises(ValueError, match=where + ": average is inf; the registry stores finite numbers only"):
        reg.import_dataset(ds, source="x.csv", sha256=SHA_A, fmt="template")
    assert sum(reg.counts().values()) == 0


# ------------------------------------------------------------------------------------------ duplicates


def test_normalise_title() -> None:
    assert normalise_title("  Bone-Marrow MSCs:  a REVIEW!! ") == "bone marrow mscs a review"
    assert normalise_title("Café, naïve—Ⅳ") == "cafe naive iv"
    assert normalise_title("Cafe naive IV") == "cafe naive iv"


def one_study(**kw: Any) -> m.Dataset:
    base = {"study_id": "X", "title": "An unrelated title", "year": 2019}
    return m.Dataset(studies=[m.Study(**{**base, **kw})])


@pytest.mark.parametrize(
    ("incoming", "key", "value"),
    [
        ({"doi": "https://doi.org/10.1000/abc.123"}, "doi", "10.1000/abc.123"),
        ({"pmid": "123456"}, "pmid", "123456"),
        ({"title": "bone marrow MSCs — relieve neuropathic PAIN", "year": 2020}, "title+year",
         "bone marrow mscs relieve neuropathic pain (2020)"),
    ],
)
def test_duplicate_of_a_stored_study(reg: Registry, incoming: dict[str, Any], key: str, value: str) -> None:
    reg.import_dataset(sample_dataset(), source="a.csv", sha256=SHA_A, fmt="template")
    before = table_dump(reg.engine)
    with pytest.raises(DuplicateStudyError) as err:
        reg.import_dataset(one_study(**incoming), source="b.csv", sha256=SHA_B, fmt="template")
    [dup] = err.value.duplicates
    assert (dup.study_id, dup.existing_id, dup.existing_study_id, dup.key, dup.value) == (
        "X", 1, "Smith2020", key, value)
    assert f"study 'X' duplicates registry study 1 ('Smith2020'): same {key}" in str(err.value)
    assert table_dump(reg.engine) == before


def test_same_title_other_year_is_not_a_duplicate(reg: Registry) -> None:
    reg.import_dataset(sample_dataset(), source="a.csv", sha256=SHA_A, fmt="template")
    ds = one_study(title="Bone-marrow MSCs relieve neuropathic pain", year=2021)
    assert reg.import_dataset(ds, source="b.csv", sha256=SHA_B, fmt="template").study_ids == [3]


def test_duplicate_inside_one_dataset_and_skip(reg: Registry) -> None:
    ds = m.Dataset(studies=[m.Study(study_id="A", title="First", doi="10.1/x"),
                            m.Study(study_id="B", title="Second", doi="10.1/X"),
                            m.Study(study_id="C", title="Third")])
    with pytest.raises(DuplicateStudyError, match="study 'B' duplicates study 'A' earlier in the same dataset"):
        reg.import_dataset(ds, source="d.csv", sha256=SHA_A, fmt="template")
    assert sum(reg.counts().values()) == 0
    summary = reg.import_dataset(ds, source="d.csv", sha256=SHA_A, fmt="template", on_duplicate="skip")
    assert [(d.index, d.study_id, d.existing_id, d.key) for d in summary.skipped] == [(1, "B", None, "doi")]
    assert json.loads(json.dumps(summary.to_dict())) == {
        "import_id": 1, "n_studies": 2, "n_records": 2, "study_ids": [1, 2], "rows": {"studies": 2},
        "skipped": [{"index": 1, "study_id": "B", "existing_id": None, "existing_study_id": "A", "key": "doi",
                     "value": "10.1/x"}],
    }
    assert [s.study_id for s in reg.studies()] == ["A", "C"]
    assert reg.export_dataset().studies == [ds.studies[0], ds.studies[2]]


def test_same_file_twice_is_a_duplicate(reg: Registry) -> None:
    reg.import_dataset(sample_dataset(), source="a.csv", sha256=SHA_A, fmt="template")
    renamed = sample_dataset()
    for s in renamed.studies:
        s.title, s.doi, s.pmid = s.title + " (corrected)", None, None
    with pytest.raises(DuplicateStudyError, match="a file imported before") as err:
        reg.import_dataset(renamed, source="a-copy.csv", sha256=SHA_A, fmt="template")
    assert [(d.study_id, d.existing_id, d.key) for d in err.value.duplicates] == [
        ("Smith2020", 1, "sha256"), ("Lee2021", 2, "sha256")]
    summary = reg.import_dataset(renamed, source="a-copy.csv", sha256=SHA_A, fmt="template", on_duplicate="skip")
    assert summary.import_id is None and len(summary.skipped) == 2
    assert reg.counts()["imports"] == 1


# --------------------------------------------------------------------------------- lookups, provenance


def test_summaries_imports_and_provenance(reg: Registry) -> None:
    ds = sample_dataset()
    ds.simulated, ds.truth = True, {"ed50": 3.0e5, "tau2": [0.1, 0.2]}
    reg.import_dataset(ds, source=Path("/data/sim.json"), sha256=SHA_A, fmt="json")
    [s1, s2] = reg.studies()
    assert (s1.id, s1.study_id, s1.year, s1.doi, s1.n_experiments, s1.n_cohorts, s1.n_observations, s1.import_id) \
        == (1, "Smith2020", 2020, "10.1000/ABC.123", 2, 6, 8, 1)
    assert (s2.n_experiments, s2.n_cohorts, s2.n_observations) == (0, 0, 0)
    [imp] = reg.imports()
    assert (imp.source, imp.sha256, imp.format, imp.n_studies, imp.n_records, imp.simulated, imp.truth) == (
        "sim.json", SHA_A, "json", 2, 30, True, {"ed50": 3.0e5, "tau2": [0.1, 0.2]})
    assert imp.imported_at.tzinfo is not None and imp.imported_at.utcoffset() == timedelta(0)
    assert imp.painregen_version == __import__("painregen").__version__
    with reg.session() as session:
        from painregen.registry.schema import CohortRow

        msc = session.scalars(select(CohortRow).where(CohortRow.cohort_id == "msc")).first()
        assert msc is not None
        cohort_pk = msc.id
    prov = reg.provenance("cohorts", cohort_pk)
    assert (prov.table, prov.source_row, prov.import_id, prov.source, prov.sha256) == (
        "cohorts", 4, 1, "sim.json", SHA_A)
    assert reg.export_dataset() == ds
    with pytest.raises(KeyError, match="no row 999 in table 'cohorts'"):
        reg.provenance("cohorts", 999)
    with pytest.raises(ValueError, match="unknown table 'animals'"):
        reg.provenance("animals", 1)


def test_study_lookup_errors(reg: Registry) -> None:
    reg.import_dataset(sample_dataset(), source="a.csv", sha256=SHA_A, fmt="template")
    reg.import_dataset(one_study(study_id="Smith2020", title="Other"), source="b.csv", sha256=SHA_B, fmt="template")
    with pytest.raises(KeyError, match="no study with key 'nope'"):
        reg.study("nope")
    with pytest.raises(KeyError, match=r"study key 'Smith2020' is ambiguous: registry ids 1, 3"):
        reg.study("Smith2020")
    with pytest.raises(KeyError, match="no study with registry id 99"):
        reg.study(99)
    assert reg.study("3").title == "Other" and reg.study(2).study_id == "Lee2021"
    with pytest.raises(KeyError, match="no study with registry id 7"):
        reg.export_dataset([1, 7])


def test_export_across_imports(reg: Registry) -> None:
    a = sample_dataset()
    a.simulated, a.truth = True, {"k": 1}
    b = one_study()
    reg.import_dataset(a, source="a.json", sha256=SHA_A, fmt="json")
    reg.import_dataset(b, source="b.csv", sha256=SHA_B, fmt="template")
    both = reg.export_dataset()
    assert both.studies == a.studies + b.studies and both.simulated is False and both.truth is None
    assert reg.export_dataset([3]) == b and reg.export_dataset([1, 2]) == a


def test_open_without_create(tmp_path: Path) -> None:
    with pytest.raises(RegistryNotFoundError, match="registry not found"):
        open_registry(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()
    with pytest.raises(RegistryError, match="does not exist"):
        open_registry(tmp_path / "no" / "dir.db")
    (tmp_path / "empty.db").touch()
    with pytest.raises(RegistryNotFoundError, match="no painregen registry"):
        open_registry(tmp_path / "empty.db", create=False)
    url = f"sqlite:///{tmp_path / 'by-url.db'}"
    open_registry(url).close()
    with open_registry(url, create=False) as registry:
        assert registry.counts()["studies"] == 0


def test_missing_postgresql_driver_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "psycopg", None)
    with pytest.raises(RegistryError, match=r"driver for postgresql\+psycopg is not installed.*psycopg\[binary\]"):
        open_registry("postgresql+psycopg://user@localhost/painregen")


def test_import_arguments_are_checked(reg: Registry) -> None:
    with pytest.raises(ValueError, match="sha256 must be 64 lower-case hex digits"):
        reg.import_dataset(sample_dataset(), source="a.csv", sha256="ABC", fmt="template")
    with pytest.raises(ValueError, match="on_duplicate must be 'error' or 'skip'"):
        reg.import_dataset(sample_dataset(), source="a.csv", sha256=SHA_A, fmt="template",
                           on_duplicate="ignore")  # type: ignore[arg-type]
    assert sum(reg.counts().values()) == 0


# ------------------------------------------------------------------------------------------------ CLI

cli = typer.Typer()
cli.command("ls")(ls_command)
cli.command("show")(show_command)


@pytest.fixture
def db_file(tmp_path: Path) -> str:
    path = tmp_path / "cli.db"
    with open_registry(path) as registry:
        registry.import_dataset(sample_dataset(), source="smith.csv", sha256=SHA_C, fmt="template")
    return str(path)


def test_cli_ls(db_file: str) -> None:
    result = CliRunner().invoke(cli, ["ls", "--db", db_file, "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["studies"]
    assert [(r["id"], r["study_id"], r["n_experiments"], r["n_cohorts"], r["n_observations"]) for r in rows] == [
        (1, "Smith2020", 2, 6, 8), (2, "Lee2021", 0, 0, 0)]
    result = CliRunner().invoke(cli, ["ls", "--db", db_file], env={"COLUMNS": "160"})
    assert result.exit_code == 0
    line = next(x for x in result.stdout.splitlines() if "Smith2020" in x)
    assert re.search(r"1 .*Smith2020 .*2020 .*Bone-marrow MSCs relieve neuropathic pain .*2 .*6 .*8 .*no", line)


def test_cli_show(db_file: str) -> None:
    result = CliRunner().invoke(cli, ["show", "Smith2020", "--db", db_file], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"from smith.csv (sha256 {SHA_C[:12]}, row 2), import 1 at" in out
    assert "msc [treated, n=10]: PRG:msc, 1e+06 cells/animal, PRG:route-it; 2 observations (row 4)" in out
    assert "vf: PRG:assay-von-frey (evoked, g, higher is better); 3 observations (row 2)" in out
    assert "syrf-label: assay not mapped (lower is better); 1 observation\n" in out
    result = CliRunner().invoke(cli, ["show", "2", "--db", db_file, "--json"])
    payload = json.loads(result.stdout)
    assert payload["id"] == 2 and payload["provenance"]["sha256"] == SHA_C
    assert m.Study.model_validate(payload["study"]) == sample_dataset().studies[1]


def test_cli_errors_exit_1_without_traceback(tmp_path: Path, db_file: str) -> None:
    missing = tmp_path / "missing.db"
    for args in (["ls", "--db", str(missing)], ["show", "X", "--db", str(missing)]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1
        assert f"error: registry not found: {missing}" in " ".join(result.stderr.split())
        assert "Traceback" not in result.output
    assert not missing.exists()
    result = CliRunner().invoke(cli, ["show", "Nobody", "--db", db_file])
    assert result.exit_code == 1 and "no study with key 'Nobody'" in result.stderr
