"""Issue 13: a registry many people use at once, on SQLite and on PostgreSQL.

Concurrent `painregen import` processes queue instead of failing; concurrent first opens of a new registry all
succeed; imports racing to store the same publication store it exactly once (the losers get the duplicate
message); the workbench answers parallel reads, analyses and uploads without an error. Timing targets (p50/p99)
are measured by benchmarks/load.py, not here.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from painregen.evidence import models as m
from painregen.evidence.files import write_dataset
from painregen.registry import open_registry
from painregen.simulate import simulate

CLI = str(Path(sys.executable).with_name("painregen"))


def _dataset(seed: int, n: int = 2, doi: str | None = None) -> m.Dataset:
    """Simulated studies whose titles (and DOIs) are unique to ``seed`` (or share ``doi``)."""
    ds = simulate(n, seed=seed)
    studies = [s.model_copy(update={"title": f"{s.title} [seed {seed}]", "pmid": None,
                                    "doi": doi if doi is not None else f"10.5555/painregen.{seed}.{i}"})
               for i, s in enumerate(ds.studies)]
    return ds.model_copy(update={"studies": studies})


def _run_all(commands: list[list[str]]) -> list[subprocess.CompletedProcess[str]]:
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in commands]
    out = []
    for p, c in zip(procs, commands, strict=True):
        stdout, stderr = p.communicate(timeout=600)
        out.append(subprocess.CompletedProcess(c, p.returncode, stdout, stderr))
    return out


def test_concurrent_imports_queue_and_the_first_open_is_race_free(registry_url: str, tmp_path: Path) -> None:
    files = []
    for seed in range(6):
        path = tmp_path / f"lab{seed}.csv"
        write_dataset(_dataset(100 + seed), path)
        files.append(path)
    results = _run_all([[CLI, "import", str(f), "--db", registry_url, "--json"] for f in files])
    for r in results:
        assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    with open_registry(registry_url) as reg:
        assert len(reg.studies()) == 12 and len(reg.imports()) == 6
        imports = [a for a in reg.audit_log(100) if a["action"] == "import"]
    assert len(imports) == 6 and all("(command line)" in a["actor"] for a in imports)


def test_racing_imports_store_a_doi_once(registry_url: str, tmp_path: Path) -> None:
    open_registry(registry_url).close()
    files = []
    for seed in range(8):
        path = tmp_path / f"same_doi_{seed}.csv"
        write_dataset(_dataset(200 + seed, n=1, doi="10.1000/one.publication"), path)
        files.append(path)
    results = _run_all([[CLI, "import", str(f), "--db", registry_url] for f in files])
    won = [r for r in results if r.returncode == 0]
    lost = [r for r in results if r.returncode != 0]
    assert len(won) == 1, [r.stderr for r in results]
    for r in lost:
        assert r.returncode == 1 and "duplicate" in r.stderr and "Traceback" not in r.stderr, r.stderr
    with open_registry(registry_url) as reg:
        assert [s.doi for s in reg.studies()] == ["10.1000/one.publication"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def live(registry_url: str, tmp_path: Path) -> Iterator[str]:
    import uvicorn

    from painregen.web.app import create_app

    with open_registry(registry_url) as reg:
        path = tmp_path / "seed.csv"
        write_dataset(_dataset(7, n=4), path)
        from painregen.evidence.files import read_dataset
        from painregen.io.tables import sha256_of

        ds, fmt = read_dataset(path)
        reg.import_dataset(ds, source=path, sha256=sha256_of(path), fmt=fmt)
    port = _free_port()
    app = create_app(registry_url, work_dir=tmp_path / "jobs")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           http="painregen.web.protocol:GuardedH11Protocol"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield base
    server.should_exit = True
    thread.join(timeout=30)


def test_parallel_requests_reads_analyses_and_uploads(live: str, tmp_path: Path) -> None:
    def get(path: str) -> int:
        with httpx.Client(timeout=120) as c:
            return c.get(live + path).status_code

    with ThreadPoolExecutor(32) as pool:
        reads = list(pool.map(get, ["/api/studies", "/api", "/studies", "/api/studies/1"] * 25))
        analyses = list(pool.map(get, ["/api/analysis?figures=false", "/api/ledger"] * 5))
    assert reads == [200] * 100 and analyses == [200] * 10
    uploads = []
    for seed in range(10):
        path = tmp_path / f"up{seed}.csv"
        write_dataset(_dataset(300 + seed), path)
        uploads.append(path)

    def post(path: Path) -> int:
        with httpx.Client(timeout=120) as c:
            return c.post(live + "/api/upload", files={"file": (path.name, path.read_bytes(), "text/csv")}).status_code

    with ThreadPoolExecutor(10) as pool:
        codes = list(pool.map(post, uploads))
    assert codes == [201] * 10
    assert len(httpx.get(live + "/api/studies").json()["studies"]) == 4 + 20
