"""Load on the workbench, over loopback only, bounded in time: 200 concurrent GETs of /api/studies, 20 concurrent
analyses, 10 concurrent uploads; reports p50, p99 and errors per load (issue 13).

    .venv/bin/python benchmarks/load.py [--backend sqlite|postgresql] [--src DIR] [--write]

``--backend postgresql`` uses $PAINREGEN_TEST_POSTGRES_URL (run under ``.ci/with-postgres``). ``--src`` serves the
painregen of another checkout (e.g. the last landed one, for a before/after table) with this virtual
environment. The server is a real ``painregen serve`` process on a free loopback port, started on a registry with
the bundled demonstration evidence (40 SIMULATED studies) and stopped at the end. ``--write`` puts the table in
benchmarks/RESULTS.md (section ``load``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.sections import write_section  # noqa: E402

LOADS = (("200 concurrent GET /api/studies", "GET", "/api/studies", 200),
         ("20 concurrent analyses (GET /api/analysis)", "GET", "/api/analysis?figures=false", 20),
         ("10 concurrent uploads (POST /api/upload)", "POST", "/api/upload", 10))
DEADLINE = 600.0  # the whole run stops by itself after this many seconds


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(command: list[str], db: str, env: dict[str, str] | None = None,
            stderr: int | None = subprocess.PIPE) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``command serve --db DB`` on a free loopback port, once it answers ``/api`` (up to 120 s): (base URL, the
    server process); stopped on leaving."""
    port = _free_port()
    server = subprocess.Popen([*command, "serve", "--db", db, "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=stderr)
    base = f"http://127.0.0.1:{port}"
    try:
        start = time.monotonic()
        while time.monotonic() - start < 120:
            try:
                if httpx.get(base + "/api", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        yield base, server
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def _painregen(src: Path | None) -> list[str]:
    code = "import sys; from painregen.cli.main import main; sys.argv[0] = 'painregen'; main()"
    if src is not None:
        code = f"import sys; sys.path.insert(0, {str(src / 'src')!r}); " + code.split("; ", 1)[1]
    return [sys.executable, "-c", code]


def _prepare(db: str, work: Path, src: Path | None) -> list[Path]:
    """Import the demonstration evidence; write 10 distinct upload files (SIMULATED)."""
    env = os.environ | ({"PYTHONPATH": str(src / "src")} if src else {})
    script = (
        "import sys; from pathlib import Path\n"
        "from painregen.simulate import default_dataset, simulate\n"
        "from painregen.evidence.files import write_dataset\n"
        f"work = Path({str(work)!r})\n"
        "write_dataset(default_dataset(), work / 'demo.csv')\n"
        "for i in range(10):\n"
        "    ds = simulate(2, seed=1000 + i)\n"
        "    studies = [s.model_copy(update={'title': s.title + f' [upload {i}]', 'doi': f'10.5555/load.{i}.{j}',"
        " 'pmid': None}) for j, s in enumerate(ds.studies)]\n"
        "    write_dataset(ds.model_copy(update={'studies': studies}), work / f'upload{i}.csv')\n")
    subprocess.run([sys.executable, "-c", script], check=True, env=env)
    subprocess.run([*_painregen(src), "import", str(work / "demo.csv"), "--db", db], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    return [work / f"upload{i}.csv" for i in range(10)]


async def _one(client: httpx.AsyncClient, method: str, path: str, upload: Path | None) -> tuple[float, bool]:
    t0 = time.perf_counter()
    try:
        if method == "POST" and upload is not None:
            r = await client.post(path, files={"file": (upload.name, upload.read_bytes(), "text/csv")})
        else:
            r = await client.get(path)
        ok = r.status_code < 400
    except httpx.HTTPError:
        ok = False
    return time.perf_counter() - t0, ok


async def _get_raw(base: str, path: str) -> tuple[float, bool]:
    """One GET over its own connection with a minimal HTTP/1.1 client (asyncio streams): the client's own work
    stays small, so on a shared 2-core machine the figures are the server's rather than the client's."""
    host, port = base.removeprefix("http://").rsplit(":", 1)
    t0 = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        data = await reader.read()
        writer.close()
        status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.") else 599
    except (OSError, ValueError, IndexError):
        status = 599
    return time.perf_counter() - t0, status < 400


async def _load(base: str, method: str, path: str, n: int, uploads: list[Path], client_kind: str = "raw"
                ) -> dict[str, float]:
    if method == "GET" and client_kind == "raw":
        results = await asyncio.gather(*[_get_raw(base, path) for _ in range(n)])
    else:
        limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
        async with httpx.AsyncClient(base_url=base, timeout=DEADLINE, limits=limits) as client:
            results = await asyncio.gather(*[_one(client, method, path, uploads[i] if method == "POST" else None)
                                             for i in range(n)])
    times = sorted(t for t, _ in results)
    return {"n": n, "p50": statistics.median(times), "p99": times[min(n - 1, round(0.99 * (n - 1)))],
            "errors": sum(not ok for _, ok in results)}


def run_loads(base: str, server: subprocess.Popen[bytes], backend: str, uploads: list[Path],
              client_kind: str) -> list[dict[str, object]]:
    """Every load of :data:`LOADS` against the server at ``base``, in turn, until one of them kills it."""
    rows: list[dict[str, object]] = []
    for label, method, path, n in LOADS:
        stats = asyncio.run(asyncio.wait_for(_load(base, method, path, n, uploads, client_kind), DEADLINE))
        alive = server.poll() is None
        rows.append({"load": label, **stats, "server_alive": alive})
        print(f"{backend:10} {label:45} p50 {stats['p50']:.3f} s  p99 {stats['p99']:.3f} s  "
              f"errors {int(stats['errors'])}/{n}{'' if alive else '  SERVER DIED'}", flush=True)
        if not alive:
            break
    return rows


def run(backend: str, src: Path | None, client_kind: str = "raw") -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory(prefix="painregen-load-") as tmp:
        work = Path(tmp)
        if backend == "postgresql":
            base_url = os.environ.get("PAINREGEN_TEST_POSTGRES_URL")
            if not base_url:
                raise SystemExit("--backend postgresql needs PAINREGEN_TEST_POSTGRES_URL (.ci/with-postgres)")
            schema = f"load_{uuid.uuid4().hex[:10]}"
            from sqlalchemy import create_engine, text

            admin = create_engine(base_url)
            with admin.begin() as conn:
                conn.execute(text(f"CREATE SCHEMA {schema}"))
            db = admin.url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
                hide_password=False)
        else:
            db = str(work / "load.db")
        uploads = _prepare(db, work, src)
        env = os.environ | ({"PYTHONPATH": str(src / "src")} if src else {})
        try:
            with serving(_painregen(src), db, env) as (base, server):
                rows = run_loads(base, server, backend, uploads, client_kind)
        finally:
            if backend == "postgresql":
                with admin.begin() as conn:
                    conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
                admin.dispose()
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--src", type=Path, help="serve the painregen of another checkout (its src/ on sys.path)")
    p.add_argument("--label", default="this checkout", help="name of the version measured, for the table")
    p.add_argument("--client", choices=("raw", "httpx"), default="raw",
                   help="client of the GET loads: a minimal asyncio HTTP/1.1 client (default) or httpx (heavier: on "
                        "a 2-core machine it competes with the server for the cores); uploads always use httpx")
    p.add_argument("--write", action="store_true", help="append the rows to benchmarks/RESULTS.md (section load)")
    args = p.parse_args()
    rows = run(args.backend, args.src, args.client)
    if args.write:
        path = ROOT / "benchmarks" / "RESULTS.md"
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        begin = old.find("<!-- load:begin -->")
        kept = old[begin:old.find("<!-- load:end -->")].splitlines()[3:] if begin >= 0 else []
        lines = [r for r in kept if r.startswith("| ") and not r.startswith("| version |")
                 and f"| {args.label} | {args.backend} |" not in r]
        for r in rows:
            lines.append(f"| {args.label} | {args.backend} | {r['load']} | {r['p50']:.3f} | {r['p99']:.3f} | "
                         f"{int(r['errors'])}/{r['n']} | {'yes' if r['server_alive'] else 'NO'} |")  # type: ignore[call-overload]
        header = ("| version | backend | load | p50 (s) | p99 (s) | errors | server alive |\n"
                  "|---|---|---|---|---|---|---|\n")
        notes = [r for r in kept if r.strip() and not r.startswith(("|", "##"))]  # the run notes written by hand
        text = ("## Workbench under load (benchmarks/load.py, loopback, demo registry of 40 SIMULATED studies)\n\n"
                + "".join(n + "\n\n" for n in notes) + header + "\n".join(lines) + "\n")
        write_section(path, "load", text)


if __name__ == "__main__":
    main()
