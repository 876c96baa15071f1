"""A seeded fuzz test of every importer (issue 13, point 5).

Valid seed files (the template as CSV with a truth sidecar and as XLSX, the real SyRF export read from
../shared/data, and the JSON dataset) are mutated by :mod:`fuzz_mutations`; each mutant goes through
`painregen import` and, for a sample, through the web upload. Every input must end in success or in a clean exit 1
(each line ``file:row:column: message``, or one ``error:`` line) / an HTTP 4xx with its problems, never a
traceback or a 500; and a failed import must leave the registry exactly as it was (the SQLite file's bytes and a
full SQL dump are compared). The seed is fixed, so a failure is reproducible; set PAINREGEN_FUZZ_SEED (and
PAINREGEN_FUZZ_SCALE to multiply the counts) to explore further.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import sqlite3
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from fuzz_mutations import Mutator, mutate_csv, mutate_json, mutate_xlsx
from painregen.cli.main import app
from painregen.evidence.files import read_dataset, write_dataset
from painregen.registry import open_registry
from painregen.simulate import simulate

from conftest import SHARED_DATA, TEMPLATE_HEADER, template_rows

SEED = int(os.environ.get("PAINREGEN_FUZZ_SEED", "20261213"))
SCALE = float(os.environ.get("PAINREGEN_FUZZ_SCALE", "1"))
SYRF = SHARED_DATA / "syrf" / "quantitative_data_example.csv"
SUMMARY = re.compile(r"^\d+ problem\(s\); nothing was written\.$")
WEB_STATUSES = {200, 201, 400, 409, 413, 415, 422}

runner = CliRunner()


@dataclass(frozen=True)
class Seed:
    kind: str
    name: str  # the file that is mutated
    data: bytes
    mutate: Mutator
    count: int
    others: tuple[tuple[str, bytes], ...] = ()  # files written unchanged beside it (the sidecar's main file)


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> list[Seed]:
    d = tmp_path_factory.mktemp("seeds")
    csv_path = d / "study.csv"
    csv_path.write_text("\n".join([TEMPLATE_HEADER, *template_rows()]) + "\n", encoding="utf-8")
    ds, _ = read_dataset(csv_path)
    write_dataset(ds, d / "study.xlsx")
    write_dataset(ds, d / "study.json")
    truth = simulate(1, seed=3).truth
    assert truth is not None
    write_dataset(ds.model_copy(update={"truth": truth}), d / "sim.csv")
    out = [Seed("template csv", "study.csv", csv_path.read_bytes(), mutate_csv, 100),
           Seed("template xlsx", "study.xlsx", (d / "study.xlsx").read_bytes(), mutate_xlsx, 60),
           Seed("json", "study.json", (d / "study.json").read_bytes(), mutate_json, 60),
           Seed("truth sidecar", "sim.truth.json", (d / "sim.truth.json").read_bytes(), mutate_json, 20,
                (("sim.csv", (d / "sim.csv").read_bytes()),))]
    if SYRF.exists():
        out.append(Seed("syrf", "syrf.csv", SYRF.read_bytes(), mutate_csv, 60))
    return out


def snapshot(db: Path) -> tuple[bytes, list[str]]:
    """The registry file's bytes and a full SQL dump of it."""
    if not db.exists():
        return b"", []
    con = sqlite3.connect(db)
    try:
        dump = list(con.iterdump())
    finally:
        con.close()
    return db.read_bytes(), dump


def clean_cli_failure(result: Result, name: str) -> str | None:
    """Why a command's outcome is not clean (None when it is)."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return "traceback:\n" + "".join(traceback.format_exception(result.exception))[-2000:]
    if result.exit_code == 0:
        return None
    if result.exit_code != 1:
        return f"exit code {result.exit_code}"
    lines = result.stderr.splitlines()
    if lines and lines[0].startswith("error: "):  # one message (a duplicate study lists the duplicates under it)
        return None
    if not lines or not SUMMARY.match(lines[-1]):
        return f"no problem summary: {result.stderr[-500:]!r}"
    stem = name.split(".")[0] + "."
    for line in lines[:-1]:
        if line.startswith("... and ") or (line.startswith(stem) and re.match(r"^[^:]+:\d*:[^\n]*?: \S", line)):
            continue
        return f"not a file:row:column line: {line[:300]!r}"
    return None


def mutants(seed: Seed, rng: random.Random) -> list[tuple[bytes, str]]:
    return [seed.mutate(seed.data, rng) for _ in range(max(1, round(seed.count * SCALE)))]


def write_case(root: Path, seed: Seed, k: int, data: bytes) -> Path:
    case = root / f"{seed.kind.replace(' ', '_')}-{k}"
    case.mkdir()
    for name, content in seed.others:
        (case / name).write_bytes(content)
    (case / seed.name).write_bytes(data)
    return case / (seed.others[0][0] if seed.others else seed.name)


def run_cases(seeds: list[Seed], root: Path, check: Callable[[Seed, Path], str | None]) -> tuple[int, list[str]]:
    rng = random.Random(SEED)
    failures, n = [], 0
    for seed in seeds:
        for k, (data, note) in enumerate(mutants(seed, rng)):
            path = write_case(root, seed, k, data)
            problem = check(seed, path)
            n += 1
            if problem is not None:
                failures.append(f"{seed.kind} #{k} ({note}) [{path}]: {problem}")
    return n, failures


def test_fuzz_cli_import(seeds: list[Seed], tmp_path: Path) -> None:
    db = tmp_path / "registry.db"
    for seed in seeds:  # the registry holds the seeds, so valid mutants also meet the duplicate check
        first = write_case(tmp_path, seed, -1, seed.data)
        result = runner.invoke(app, ["import", str(first), "--db", str(db), "--skip-duplicates"])
        assert result.exit_code == 0, (seed.kind, result.output)
    empty, fresh = tmp_path / "empty.db", tmp_path / "fresh.db"
    open_registry(empty).close()
    outcomes = {"imported": 0, "refused": 0, "duplicates": 0}

    def check(seed: Seed, path: Path) -> str | None:
        before = snapshot(db)
        result = runner.invoke(app, ["import", str(path), "--db", str(db)])
        problem = clean_cli_failure(result, path.name)
        if problem is None and result.exit_code != 0:
            outcomes["refused"] += 1
            if snapshot(db) != before:
                return "a failed import changed the registry"
            first_line = result.stderr.splitlines()[0]
            if first_line.startswith("error: ") and "duplicate" in first_line:  # import it into an empty registry
                outcomes["duplicates"] += 1
                shutil.copyfile(empty, fresh)
                result = runner.invoke(app, ["import", str(path), "--db", str(fresh)])
                problem = clean_cli_failure(result, path.name)
                outcomes["imported"] += result.exit_code == 0
        elif problem is None:
            outcomes["imported"] += 1
        return problem

    n, failures = run_cases(seeds, tmp_path, check)
    print(f"fuzz seed {SEED}: {n} inputs, {outcomes['refused']} refused cleanly (of which {outcomes['duplicates']} "
          f"valid but duplicates), {outcomes['imported']} imported into an empty registry")
    assert n >= 250 * min(SCALE, 1) and outcomes["refused"] > n // 2
    assert not failures, f"{len(failures)} of {n} inputs failed (seed {SEED}):\n" + "\n".join(failures[:20])


def test_fuzz_web_upload(seeds: list[Seed], tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from painregen.web.app import create_app

    db = tmp_path / "web.db"
    sample = [Seed(s.kind, s.name, s.data, s.mutate, max(1, s.count // 5)) for s in seeds if not s.others]
    statuses: dict[int, int] = {}
    with TestClient(create_app(db), raise_server_exceptions=False) as client:
        for seed in sample:
            assert client.post("/api/upload", files={"file": (seed.name, seed.data)}).status_code in (201, 409)

        def check(seed: Seed, path: Path) -> str | None:
            before = snapshot(db)
            r = client.post("/api/upload", files={"file": (seed.name, path.read_bytes())})
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
            if r.status_code not in WEB_STATUSES:
                return f"HTTP {r.status_code}: {r.text[:500]}"
            body = r.json()
            if r.status_code in (400, 413, 415, 422) and not (body["problems"] and all(
                    p["file"] and p["message"] for p in body["problems"])):
                return f"HTTP {r.status_code} without problems naming the file: {r.text[:500]}"
            if r.status_code != 201 and snapshot(db) != before:
                return f"HTTP {r.status_code} changed the registry"
            return None

        n, failures = run_cases(sample, tmp_path, check)
    print(f"fuzz seed {SEED}: {n} uploads, statuses {dict(sorted(statuses.items()))}")
    assert not failures, f"{len(failures)} of {n} uploads failed (seed {SEED}):\n" + "\n".join(failures[:20])
