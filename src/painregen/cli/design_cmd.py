"""`painregen design ...`: a study design as files. A YAML/JSON spec in; sample size, an allocation schedule with a
separate concealment key, and a pre-registration protocol (Markdown + HTML) out."""

from __future__ import annotations

import csv
import json
import secrets
import sys
from pathlib import Path
from typing import Any

import typer

from painregen.cli.common import EXIT_INVALID_DATA, console, data_command, err_console, fail, print_json
from painregen.design import DesignSpec, parse_spec
from painregen.io.problems import InvalidDataError, Problem

app = typer.Typer(no_args_is_help=True, help="Design the next study: sample size, randomisation, protocol.")


def load_spec(path: Path) -> DesignSpec:
    """Read and validate a spec file (problems -> exit 1, each as file:line:field)."""
    return parse_spec(path.read_text(encoding="utf-8"), str(path))


def _plan(spec: DesignSpec, path: Path) -> Any:
    from painregen.design import plan_sample_size
    from painregen.design.dose_finding import DoseEngineUnavailable

    try:
        return plan_sample_size(spec)
    except (ValueError, DoseEngineUnavailable) as exc:
        raise InvalidDataError([Problem(str(path), None, "sample_size", str(exc))]) from None


def _split(text: str | None) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()] if text else []


def _write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, columns, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def read_animals(path: Path, id_column: str | None, strata: list[str]) -> tuple[list[str], list[dict[str, str]]]:
    """Animal ids and each animal's row (as text) from a CSV; missing columns, empty cells or repeated ids -> exit 1."""
    from painregen.io.tables import read_csv

    table = read_csv(path)
    lower = {c.lower(): c for c in table.columns}
    idc = id_column or lower.get("id") or lower.get("animal") or lower.get("animal_id")
    problems = [Problem(table.file, 1, c, f"column '{c}' is missing", "name the column in the animal list")
                for c in [idc or "id", *strata] if c not in table.columns]
    if problems:
        raise InvalidDataError(problems)
    assert idc is not None
    ids: list[str] = []
    rows: list[dict[str, str]] = []
    for row, line in zip(table.rows, table.row_numbers, strict=True):
        text = {k: "" if v is None else str(v) for k, v in row.items()}
        for c in [idc, *strata]:
            if not text.get(c):
                problems.append(Problem(table.file, line, c, "empty value", "every animal needs an id and strata"))
        if text.get(idc) in ids:
            problems.append(Problem(table.file, line, idc, f"animal '{text[idc]}' is listed twice"))
        ids.append(text.get(idc, ""))
        rows.append(text)
    if problems or not ids:
        raise InvalidDataError(problems or [Problem(table.file, None, None, "no animals listed")])
    return ids, rows


@app.command("randomise")
@data_command
def randomise_command(
    spec_file: Path | None = typer.Argument(None, help="Design spec (YAML/JSON); or give --groups."),
    animals: Path | None = typer.Option(None, "--animals", help="CSV of animals: id column plus strata columns."),
    out: Path = typer.Option(Path("."), "-o", "--out", help="Directory for schedule.csv and randomisation.json."),
    key: Path | None = typer.Option(None, "--key", help="Where to write the key (default OUT/allocation_key.csv)."),
    groups: str | None = typer.Option(None, "--groups", help="Group names, comma-separated (without a spec)."),
    n: int | None = typer.Option(None, "--n", help="Number of animals when there is no animal list."),
    ratio: str | None = typer.Option(None, "--ratio", help="Allocation ratio per group, e.g. 2,1,1."),
    method: str | None = typer.Option(None, "--method", help="simple, block or stratified."),
    block_sizes: str | None = typer.Option(None, "--block-sizes", help="e.g. 4,8 (drawn at random per block)."),
    strata: str | None = typer.Option(None, "--strata", help="Columns of the animal list to stratify by."),
    seed: int | None = typer.Option(None, "--seed", help="Seed (default: drawn now and recorded)."),
    id_column: str | None = typer.Option(None, "--id-column", help="Animal id column (default id or animal)."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Allocation schedule with coded groups; the code -> group key goes to a separate file."""
    from painregen.design import animal_ids, randomise

    spec = load_spec(spec_file) if spec_file else None
    if spec is not None:
        assert spec_file is not None
        plan = _plan(spec, spec_file)
        names, ratios = list(plan.ratio), [plan.ratio[g] for g in plan.ratio]
        r = spec.randomisation
        method, seed = method or r.method, seed if seed is not None else r.seed
        sizes = [int(x) for x in _split(block_sizes)] or list(r.block_sizes)
        strata_cols = _split(strata) or list(r.strata)
        if animals is None and r.animals:
            animals = spec_file.parent / r.animals
        n = n or plan.total
    elif groups:
        names = _split(groups)
        ratios = [int(x) for x in _split(ratio)] or [1] * len(names)
        method, sizes, strata_cols = method or "block", [int(x) for x in _split(block_sizes)], _split(strata)
    else:
        fail("give a design spec or --groups", 2)
    if strata_cols and method != "stratified":
        fail(f"--strata needs method 'stratified' (got '{method}')", 2)
    if animals is not None:
        ids, rows = read_animals(animals, id_column, strata_cols)
    elif strata_cols:
        fail("stratified randomisation needs --animals (a CSV with the strata columns)", 2)
    elif n:
        ids = animal_ids(n)
        rows = [{"id": a} for a in ids]
    else:
        fail("give --animals or --n", 2)
    seed = secrets.randbits(32) if seed is None else seed
    labels = ["|".join(f"{c}={row[c]}" for c in strata_cols) for row in rows] if strata_cols else None
    try:
        sched = randomise(ids, names, seed=seed, method=method, ratio=ratios, block_sizes=sizes or None,
                          strata=labels, strata_columns=strata_cols)
    except ValueError as exc:
        fail(str(exc), 2)
    out.mkdir(parents=True, exist_ok=True)
    key_path = key or out / "allocation_key.csv"
    key_path.parent.mkdir(parents=True, exist_ok=True)
    schedule = [s | {c: row[c] for c in strata_cols} for s, row in zip(sched.schedule_rows(), rows, strict=True)]
    _write_csv(out / "schedule.csv", schedule, ["animal", *strata_cols, "stratum", "block", "code"])
    _write_csv(key_path, sched.key_rows(), ["code", "group"])
    summary = sched.summary() | {"schedule": str(out / "schedule.csv"), "key": str(key_path),
                                 "spec": str(spec_file) if spec_file else None}
    (out / "randomisation.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    if json_out:
        print_json(summary)
    else:
        console.print(f"[green]schedule[/] {out / 'schedule.csv'}  ({len(ids)} animals, {method}, seed {seed})")
        console.print(f"[yellow]key[/] {key_path}: give it to the person who prepares the doses; keep it away "
                      "from surgeons, assessors and the analyst until the analysis is locked.")


@app.command("sample-size")
@data_command
def sample_size_command(
    spec_file: Path = typer.Argument(..., help="Design spec (YAML/JSON)."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Solve the spec's sample-size section and give the animals per group."""
    plan = _plan(load_spec(spec_file), spec_file)
    if json_out:
        print_json(plan.to_dict())
        return
    console.print(plan.summary, highlight=False)
    for g, k in plan.group_n.items():
        console.print(f"  {g}: {k}", highlight=False)


@app.command("protocol")
@data_command
def protocol_command(
    spec_file: Path = typer.Argument(..., help="Design spec (YAML/JSON)."),
    out: Path = typer.Option(Path("protocol"), "-o", "--out", help="Directory for protocol.md, .html, design.json."),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings (e.g. fewer than 4 doses) as errors."),
    json_out: bool = typer.Option(False, "--json", help="Print the checks and sample size as JSON."),
) -> None:
    """Pre-registration protocol structured by the ARRIVE 2.0 Essential 10, with the review's recommendations."""
    from painregen.design import build_protocol, render_html, render_markdown
    from painregen.design.protocol import protocol_dict

    spec = load_spec(spec_file)
    protocol = build_protocol(spec, _plan(spec, spec_file))
    for c in protocol.checks:
        err_console.print(f"{spec_file}: {c}", highlight=False, soft_wrap=True)
    if strict and protocol.warnings:
        sys.stderr.write(f"{len(protocol.warnings)} warning(s) with --strict; nothing was written.\n")
        raise typer.Exit(EXIT_INVALID_DATA)
    out.mkdir(parents=True, exist_ok=True)
    (out / "protocol.md").write_text(render_markdown(protocol, spec_file.name), encoding="utf-8")
    (out / "protocol.html").write_text(render_html(protocol, spec_file.name), encoding="utf-8")
    record = protocol_dict(protocol) | {"spec": spec.model_dump(mode="json")}
    (out / "design.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    if json_out:
        print_json(protocol_dict(protocol))
    else:
        console.print(f"[green]protocol[/] {out / 'protocol.md'}, {out / 'protocol.html'}, {out / 'design.json'}")
