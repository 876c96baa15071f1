"""Build a :class:`~painregen.evidence.models.Dataset` from painregen template tables.

Every problem in the file is collected (not just the first) and reported with its row and column; nothing is
returned unless the whole file is valid.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from painregen.evidence import models as m
from painregen.evidence.cells import (
    CellError,
    as_bool,
    as_enum,
    as_float,
    as_int,
    as_term,
    as_text,
    is_missing,
)
from painregen.evidence.quantities import QuantityError, parse_quantity
from painregen.evidence.template_spec import (
    ADVERSE_COLUMNS,
    ANNOTATION_PREFIX,
    ARRIVE_PREFIX,
    MAIN_COLUMNS,
    MECHANISM_COLUMNS,
    OBSERVATION_REQUIRED,
    PREFIXES,
    ROB_PREFIX,
    Column,
)
from painregen.evidence.vocab import get_vocabulary
from painregen.io.problems import ProblemCollector
from painregen.io.tables import Table

Values = dict[str, Any]
OBS_FIELDS = ("time_days", "average", "average_type", "error", "error_low", "error_high", "error_type", "n")


def check_columns(table: Table, spec: tuple[Column, ...], problems: ProblemCollector, *, prefixes: bool) -> None:
    """Required columns present; no unknown columns (they would be silently lost)."""
    import difflib

    known = {c.name for c in spec}
    for c in spec:
        if c.required and c.name not in table.columns:
            problems.add(1, c.name, f"required column '{c.name}' is missing", "add the column (see `painregen "
                         "dictionary`)")
    for name in table.columns:
        if name in known or (prefixes and name.startswith(PREFIXES)):
            continue
        near = difflib.get_close_matches(name, sorted(known), n=3)
        hint = f"did you mean {', '.join(near)}?" if near else "remove it or see `painregen dictionary`"
        problems.add(1, name, f"unknown column '{name}'", hint)


Plan = dict[str, tuple[str, str, Any, tuple[str, ...], bool]]
_PLANS: dict[int, tuple[tuple[Column, ...], Plan]] = {}
MEMO_KINDS = frozenset({"term", "enum", "boolean", "list", "permitted", "dose", "prefixed", "string", "integer"})
Memo = dict[tuple[str, type, Any], Any]
UNIT_ALIASES = {"µg": "ug", "μg": "ug", "mcg": "ug", "μl": "uL", "µl": "uL", "ul": "uL", "ml": "mL",
                "cell": "cells", "particle": "particles"}
_EMPTY = object()  # a memo entry: the value counts as missing (NA, NR, ...)


def _plan(spec: tuple[Column, ...]) -> Plan:
    """Column name -> (kind, vocabulary, base type, permitted values, memoisable), worked out once per spec (the
    Column properties look into the pydantic model and are too slow to ask for every cell of a large file)."""
    known = _PLANS.get(id(spec))
    if known is not None and known[0] is spec:
        return known[1]
    plan: Plan = {}
    for c in spec:
        kind = "dose" if c.name == "dose" else ("permitted" if c.type_name == "string" and c.permitted
                                                  else c.type_name)
        plan[c.name] = (kind, c.vocabulary or "", c.base_type, tuple(c.permitted), kind in MEMO_KINDS)
    _PLANS[id(spec)] = (spec, plan)
    return plan


def parse_cells(table: Table, i: int, spec: tuple[Column, ...], problems: ProblemCollector,
                memo: Memo | None = None) -> Values:
    """Typed values of one row (missing cells left out). ``memo`` (one dict per sheet) remembers the reading of
    repeated values (study, experiment and cohort columns, terms, doses, appraisal answers), which a large file
    repeats on many rows; measured values (kind "number") are read each time."""
    row, rownum = table.rows[i], table.row_numbers[i]
    plan = _plan(spec)
    out: Values = {}
    for name, v in row.items():
        if v is None:
            continue
        entry = plan.get(name)
        if entry is None:
            if not name.startswith(PREFIXES):
                continue
            entry = ("prefixed", "", None, (), True)
        kind, vocabulary, base, permitted, memoise = entry
        if memoise and memo is not None:
            key = (name, type(v), v)
            known = memo.get(key)
            if known is None:
                known = memo[key] = _read_cell(name, kind, vocabulary, base, permitted, v)
        else:
            known = _read_cell(name, kind, vocabulary, base, permitted, v)
        if known is _EMPTY:
            continue
        if isinstance(known, dict):
            out.update(known)
        else:
            problems.add(rownum, name, str(known), getattr(known, "fix", None))
    return out


def _read_cell(name: str, kind: str, vocabulary: str, base: Any, permitted: tuple[str, ...],
               v: Any) -> Values | CellError | QuantityError | object:
    """The typed value(s) of a cell, the error reading it, or ``_EMPTY`` for a missing value."""
    if is_missing(v):
        return _EMPTY
    if kind == "prefixed":
        return {name: as_text(v) if name.startswith(ANNOTATION_PREFIX) else as_text(v).lower()}
    try:
        return _parse_cell(name, kind, vocabulary, base, permitted, v)
    except (CellError, QuantityError) as exc:
        return exc


def _parse_cell(name: str, kind: str, vocabulary: str, base: Any, permitted: tuple[str, ...], v: Any) -> Values:
    if kind == "dose":
        q = parse_quantity(v)
        parsed: Values = {"dose": q.value}
        try:
            as_float(v)
        except CellError:
            parsed["dose_text"] = as_text(v)  # kept as written unless it is a plain number
        if q.unit:
            parsed["dose_unit_parsed"] = q.unit
        if q.per == "kg":
            parsed["dose_basis_parsed"] = "per_kg"
        return parsed
    if kind == "term":
        return {name: as_term(v, vocabulary)}
    if kind == "enum":
        return {name: as_enum(v, base)}
    if kind == "integer":
        return {name: as_int(v)}
    if kind == "number":
        return {name: as_float(v)}
    if kind == "boolean":
        return {name: as_bool(v)}
    if kind == "list":
        parts = [p for p in as_text(v).replace("|", ";").replace(",", ";").split(";") if p.strip()]
        return {name: tuple(as_enum(p, m.EvidenceKind) for p in parts)}
    if kind == "permitted":
        text = as_text(v)
        text = UNIT_ALIASES.get(text.lower(), text)
        if text not in permitted:
            raise CellError(f"{text!r} is not an allowed {name}", f"use one of: {', '.join(permitted)}")
        return {name: text}
    return {name: as_text(v)}


class _Entity:
    """Fields of one study/experiment/cohort/outcome gathered across the rows that repeat them."""

    def __init__(self, row: int) -> None:
        self.row = row
        self.values: Values = {}
        self.value_rows: dict[str, int] = {}

    def merge(self, values: Values, row: int, label: str, problems: ProblemCollector) -> None:
        for k, v in values.items():
            if k not in self.values:
                self.values[k] = v
                self.value_rows[k] = row
            elif self.values[k] != v:
                problems.add(row, k, f"{label}: {k} is {v!r} here but {self.values[k]!r} on row "
                             f"{self.value_rows[k]}", f"use the same {k} on every row of the {label.split()[0]}")


def _pick(values: Values, names: tuple[str, ...] | set[str]) -> Values:
    return {k: v for k, v in values.items() if k in names}


LEVEL_FIELDS = {lvl: {c.name for c in MAIN_COLUMNS if c.level == lvl}
                for lvl in ("study", "experiment", "cohort", "intervention", "dose", "outcome", "observation")}


def build_dataset(main: Table, mechanisms: Table | None = None, adverse: Table | None = None) -> m.Dataset:
    """Read template tables into a validated Dataset, or raise InvalidDataError with every problem."""
    problems = ProblemCollector(main.file)
    check_columns(main, MAIN_COLUMNS, problems, prefixes=True)
    problems.raise_if_any()
    studies: dict[str, _Entity] = {}
    experiments: dict[tuple[str, str], _Entity] = {}
    cohorts: dict[tuple[str, str, str], _Entity] = {}
    outcomes: dict[tuple[str, str, str], _Entity] = {}
    observations: dict[tuple[str, str, str, str, float], tuple[int, Values]] = {}
    memo: Memo = {}
    for i in range(len(main.rows)):
        rownum = main.row_numbers[i]
        v = parse_cells(main, i, MAIN_COLUMNS, problems, memo)
        missing_key = [k for k in ("study_id", "experiment_id", "cohort_id") if k not in v]
        for k in missing_key:
            if not problems.has(rownum, k):
                problems.add(rownum, k, f"{k} is empty", "every row needs study_id, experiment_id and cohort_id")
        if missing_key:
            continue
        sid, eid, cid = v["study_id"], v["experiment_id"], v["cohort_id"]
        study_vals = _pick(v, LEVEL_FIELDS["study"]) | {k: x for k, x in v.items()
                                                         if k.startswith(PREFIXES)}
        studies.setdefault(sid, _Entity(rownum)).merge(study_vals, rownum, f"study {sid}", problems)
        experiments.setdefault((sid, eid), _Entity(rownum)).merge(
            _pick(v, LEVEL_FIELDS["experiment"]), rownum, f"experiment {eid}", problems)
        cohort_vals = _pick(v, LEVEL_FIELDS["cohort"] | LEVEL_FIELDS["intervention"] | LEVEL_FIELDS["dose"]
                            | {"dose_text", "dose_unit_parsed", "dose_basis_parsed"})
        cohorts.setdefault((sid, eid, cid), _Entity(rownum)).merge(cohort_vals, rownum, f"cohort {cid}", problems)
        obs_vals = _pick(v, LEVEL_FIELDS["observation"])
        if "outcome_id" not in v:
            if obs_vals or _pick(v, LEVEL_FIELDS["outcome"]):
                problems.add(rownum, "outcome_id", "outcome values without an outcome_id",
                             "name the outcome measure in outcome_id")
            continue
        oid = v["outcome_id"]
        outcomes.setdefault((sid, eid, oid), _Entity(rownum)).merge(
            _pick(v, LEVEL_FIELDS["outcome"]), rownum, f"outcome {oid}", problems)
        if not obs_vals:
            continue  # an outcome defined without values
        for k in OBSERVATION_REQUIRED:
            if k not in v and k != "assay" and not problems.has(rownum, k):
                problems.add(rownum, k, f"{k} is empty", f"fill {k} for every observation")
        if "time_days" not in v:
            continue
        key = (sid, eid, cid, oid, v["time_days"])
        if key in observations:
            problems.add(rownum, "time_days", f"duplicated observation: cohort {cid}, outcome {oid}, day "
                         f"{v['time_days']:g} is also on row {observations[key][0]}", "keep one row per timepoint")
            continue
        observations[key] = (rownum, obs_vals)
    ds = _assemble(studies, experiments, cohorts, outcomes, observations, problems)
    problems.raise_if_any()  # side sheets refer to the main sheet's experiments: check them only once it is sound
    if mechanisms is not None:
        _attach_sheet(ds, mechanisms, MECHANISM_COLUMNS, "mechanisms", m.MechanismClaim, problems)
    if adverse is not None:
        _attach_sheet(ds, adverse, ADVERSE_COLUMNS, "adverse_events", m.AdverseEvent, problems)
    problems.raise_if_any()
    return _revalidate(ds, problems)


DOSE_COLUMNS = {"amount": "dose", "unit": "dose_unit", "basis": "dose_basis"}


def _construct(cls: type[BaseModel], values: Values, row: int, problems: ProblemCollector) -> Any:
    """Validate a (nested) record; each error is reported at the row and column of the innermost record."""
    try:
        return cls.model_validate(values | {"source_row": row})
    except ValidationError as exc:
        for err in exc.errors():
            node: Any = values
            err_row, column, in_dose = row, None, False
            for part in err["loc"]:
                if isinstance(part, str):
                    column = part
                    in_dose = in_dose or part == "dose"
                try:
                    node = node[part]
                except (KeyError, IndexError, TypeError):
                    break
                if isinstance(node, dict) and node.get("source_row"):
                    err_row = node["source_row"]
            if in_dose and column in DOSE_COLUMNS:
                column = DOSE_COLUMNS[column]
            problems.add(err_row, column, err["msg"].removeprefix("Value error, "), None)
        return None


def _intervention(vals: Values, row: int, problems: ProblemCollector) -> Values | None:
    inter = _pick(vals, LEVEL_FIELDS["intervention"])
    if "dose" in vals:
        unit = vals.get("dose_unit") or vals.get("dose_unit_parsed")
        if unit is None:
            problems.add(row, "dose_unit", "the dose has no unit", "write the unit in dose or dose_unit "
                         "(cells, ug, particles, ...)")
            return None
        if vals.get("dose_unit") and vals.get("dose_unit_parsed") and vals["dose_unit"] != vals["dose_unit_parsed"]:
            problems.add(row, "dose_unit", f"dose says {vals['dose_unit_parsed']} but dose_unit says "
                         f"{vals['dose_unit']}", "make them agree")
        basis = vals.get("dose_basis") or vals.get("dose_basis_parsed") or "per_animal"
        inter["dose"] = {"amount": vals["dose"], "unit": unit, "basis": basis, "text": vals.get("dose_text"),
                         "source_row": row}
    elif "dose_unit" in vals or "dose_basis" in vals:
        problems.add(row, "dose", "dose_unit or dose_basis given without a dose", "fill dose or clear them")
    if not inter:
        return None
    if "product" not in inter:
        problems.add(row, "product", "intervention details given without a product", "fill product (e.g. MSC, "
                     "vehicle)")
        return None
    return inter | {"source_row": row}


def _assemble(studies: dict[str, _Entity], experiments: dict[tuple[str, str], _Entity],
              cohorts: dict[tuple[str, str, str], _Entity], outcomes: dict[tuple[str, str, str], _Entity],
              observations: dict[tuple[str, str, str, str, float], tuple[int, Values]],
              problems: ProblemCollector) -> m.Dataset:
    out: list[m.Study] = []
    by_study: dict[str, list[tuple[str, _Entity]]] = {}
    for (sid, eid), e in experiments.items():
        by_study.setdefault(sid, []).append((eid, e))
    cohorts_of: dict[tuple[str, str], list[_Entity]] = {}
    for (s3, e3, _cid), c in cohorts.items():
        cohorts_of.setdefault((s3, e3), []).append(c)
    outcomes_of: dict[tuple[str, str], list[_Entity]] = {}
    for (s3, e3, _oid), o in outcomes.items():
        outcomes_of.setdefault((s3, e3), []).append(o)
    observations_of: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for k, (r, ov) in observations.items():
        observations_of.setdefault(k[:2], []).append(ov | {"cohort_id": k[2], "outcome_id": k[3], "source_row": r})
    for sid, s in studies.items():
        vals = dict(s.values)
        rob = {k[len(ROB_PREFIX):]: vals.pop(k) for k in list(vals) if k.startswith(ROB_PREFIX)}
        arrive = {k[len(ARRIVE_PREFIX):]: vals.pop(k) for k in list(vals) if k.startswith(ARRIVE_PREFIX)}
        notes = {k[len(ANNOTATION_PREFIX):]: vals.pop(k) for k in list(vals) if k.startswith(ANNOTATION_PREFIX)}
        exps: list[dict[str, Any]] = []
        for eid, e in by_study.get(sid, []):
            cs = []
            for c in cohorts_of.get((sid, eid), []):
                cvals = _pick(c.values, LEVEL_FIELDS["cohort"])
                inter = _intervention(c.values, c.row, problems)
                cs.append(cvals | {"intervention": inter, "source_row": c.row})
            os_ = [_outcome_defaults(o.values, o.row, problems) | {"source_row": o.row}
                   for o in outcomes_of.get((sid, eid), [])]
            obs = observations_of.get((sid, eid), [])
            for req in ("species", "model"):
                if req not in e.values:
                    problems.add(e.row, req, f"experiment {eid} has no {req}", f"fill {req} (`painregen vocab search`)")
            exps.append(e.values | {"cohorts": cs, "outcomes": os_, "observations": obs, "source_row": e.row})
        study = _construct(m.Study, vals | {"rob": rob, "arrive": arrive, "annotations": notes,
                                        "experiments": exps}, s.row, problems)
        if study is not None:
            out.append(study)
    simulated = bool(out) and all(s.simulated for s in out)
    return m.Dataset(studies=out, simulated=simulated)


def _outcome_defaults(vals: Values, row: int, problems: ProblemCollector) -> Values:
    vals = dict(vals)
    if "assay" not in vals:
        problems.add(row, "assay", "the outcome has no assay", "fill assay (e.g. von Frey, grimace, BBB)")
        return vals
    term = get_vocabulary("assay").get(vals["assay"])
    vals.setdefault("domain", term.extra.get("domain"))
    if "greater_is_better" not in vals:
        gib = str(term.extra.get("greater_is_better", "")).strip().lower()
        if gib in ("true", "false"):
            vals["greater_is_better"] = gib == "true"
        else:
            problems.add(row, "greater_is_better", f"the direction of {term.label} is not known",
                         "fill greater_is_better (TRUE when a larger value is better)")
    return vals


def _attach_sheet(ds: m.Dataset, table: Table, spec: tuple[Column, ...], attr: str, cls: type[BaseModel],
                  problems: ProblemCollector) -> None:
    sheet_problems = ProblemCollector(table.file)
    check_columns(table, spec, sheet_problems, prefixes=False)
    if not sheet_problems:
        index = {(s.study_id, e.experiment_id): e for s in ds.studies for e in s.experiments}
        memo: Memo = {}
        for i in range(len(table.rows)):
            row = table.row_numbers[i]
            v = parse_cells(table, i, spec, sheet_problems, memo)
            exp = index.get((v.get("study_id", ""), v.get("experiment_id", "")))
            if exp is None:
                sheet_problems.add(row, "experiment_id", f"no experiment {v.get('experiment_id')!r} in study "
                                   f"{v.get('study_id')!r} on the observations sheet", "check the identifiers")
                continue
            vals = {k: x for k, x in v.items() if k not in ("study_id", "experiment_id")}
            if cls is m.MechanismClaim and "pillar" not in vals and "pathway" in vals:
                vals["pillar"] = get_vocabulary("pathway").get(vals["pathway"]).extra.get("pillar")
            rec = _construct(cls, vals, row, sheet_problems)
            if rec is not None:
                getattr(exp, attr).append(rec)
    problems.merge(sheet_problems)


def _revalidate(ds: m.Dataset, problems: ProblemCollector) -> m.Dataset:
    """Run the cross-record checks (references between cohorts, events) on the assembled studies."""
    for s in ds.studies:
        for e in s.experiments:
            try:
                m.Experiment.model_validate(e.model_dump())
            except ValidationError as exc:
                for err in exc.errors():
                    problems.add(e.source_row, "experiment_id", err["msg"].removeprefix("Value error, "), None)
    problems.raise_if_any()
    return ds
