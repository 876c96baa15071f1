"""The README's "A tour of the command line" is a test: every line of its sh block runs, in order, through the
installed CLI (.venv/bin/painregen, as a subprocess) in a fresh directory laid out like the repository root
(a copy of examples/, .venv, and ../shared beside it), and must exit 0 without a traceback.

Lines run through bash as written; the environment a line leaves (``source .venv/bin/activate``, ``export``,
``cd``) carries over to the next line, and the tour starts with a PATH that holds no painregen, so the README
has to say how painregen gets on PATH. ``painregen serve`` runs in the background on a free port until it
answers, then is stopped. A second test checks that the tour shows every top-level command.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

import pytest
import typer

from painregen.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
VENV = ROOT / ".venv"
SHARED = ROOT.parent / "shared"
TOUR_HEADING = "## A tour of the command line"
COMMAND_TIMEOUT = 600  # seconds; a hung command fails the test instead of hanging CI
SERVE_TIMEOUT = 60

#: tour lines known to fail because of a bug outside the tour's own files: {command without its comment: TODO}.
#: Temporary only: each entry names the failing command so the owner can fix it and delete the entry; an entry
#: whose command succeeds fails the test (so it cannot linger).
EXPECTED_FAILURES: dict[str, str] = {}


def tour_block(text: str) -> str:
    """The first ```sh block after the tour heading."""
    after = text[text.index(TOUR_HEADING):]
    found = re.search(r"^```sh\n(.*?)^```", after, re.MULTILINE | re.DOTALL)
    assert found, f"no ```sh block under {TOUR_HEADING!r} in README.md"
    return found.group(1)


def tour_lines(block: str) -> list[str]:
    """Commands of the block, continuation lines (trailing backslash) joined; blank and comment-only lines
    dropped. A line keeps its trailing comment (bash ignores it)."""
    out: list[str] = []
    pending = ""
    for raw in block.splitlines():
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        line = (pending + raw).strip()
        pending = ""
        if line and not line.startswith("#"):
            out.append(line)
    assert not pending, f"the tour ends inside a continued line: {pending!r}"
    return out


def words(line: str) -> list[str]:
    """The line's words as the shell splits them, comment dropped."""
    return shlex.split(line, comments=True)


def painregen_command(line: str) -> str | None:
    """The top-level painregen command a line runs (None for set-up lines and ``painregen --help``)."""
    w = words(line)
    if not w or Path(w[0]).name != "painregen":
        return None
    return next((x for x in w[1:] if not x.startswith("-")), None)


def top_level_commands() -> list[str]:
    """The commands `painregen --help` lists (the command group behind the typer app, hidden ones left out)."""
    group = typer.main.get_group(app)
    return sorted(name for name, cmd in group.commands.items() if not cmd.hidden)


@pytest.fixture()
def tour_dir(tmp_path: Path) -> Path:
    """A fresh directory laid out like the repository root: examples/ copied, .venv linked, ../shared beside."""
    if not (VENV / "bin" / "painregen").exists():
        pytest.skip("painregen is not installed in .venv (make install)")
    if not SHARED.exists():
        pytest.skip("../shared is not beside the project")
    project = tmp_path / "project"
    project.mkdir()
    shutil.copytree(ROOT / "examples", project / "examples")
    (project / ".venv").symlink_to(VENV)
    (tmp_path / "shared").symlink_to(SHARED)
    return project


def clean_env(cwd: Path) -> dict[str, str]:
    """The caller's environment without any PATH entry or variable that puts painregen or a venv in reach."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and not (Path(p) / "painregen").exists()]
    env.update(PATH=os.pathsep.join(path or ["/usr/bin", "/bin"]), PWD=str(cwd), MPLBACKEND="Agg")
    return env


def run_line(line: str, env: Mapping[str, str], env_file: Path) -> tuple[int, str, dict[str, str]]:
    """Run one tour line in bash; return its exit code, its output and the environment it leaves."""
    script = f"{line}\n__tour_rc=$?\nenv -0 > {shlex.quote(str(env_file))}\nexit $__tour_rc\n"
    proc = subprocess.run(["bash", "-c", script], cwd=env["PWD"], env=dict(env), capture_output=True, text=True,
                          timeout=COMMAND_TIMEOUT, check=False)
    new_env = dict(env)
    if env_file.exists():
        pairs = env_file.read_text(encoding="utf-8").split("\0")
        new_env = dict(p.split("=", 1) for p in pairs if "=" in p)
        env_file.unlink()
    return proc.returncode, proc.stdout + proc.stderr, new_env


def outputs(line: str) -> list[str]:
    """The files or directories a painregen line says it writes (-o, --output, --out)."""
    w = words(line)
    return [w[i + 1] for i, x in enumerate(w[:-1]) if painregen_command(line) and x in ("-o", "--output", "--out")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def serve_line(line: str, port: int) -> str:
    """The serve line on ``port`` (a --port of the README replaced), comment dropped, run by exec."""
    w = words(line)
    if "--port" in w:
        i = w.index("--port")
        del w[i:i + 2]
    w = [x for x in w if not x.startswith("--port=")]
    return "exec " + shlex.join([*w, "--port", str(port)])


def run_serve(line: str, env: Mapping[str, str]) -> tuple[int, str]:
    """Start the serve line in the background, wait until GET /api/studies answers 200, stop it."""
    port = free_port()
    proc = subprocess.Popen(["bash", "-c", serve_line(line, port)], cwd=env["PWD"], env=dict(env),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    url = f"http://127.0.0.1:{port}/api/studies"
    answered = False
    try:
        deadline = time.monotonic() + SERVE_TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None and not answered:
            try:
                with urllib.request.urlopen(url, timeout=5) as resp:
                    answered = resp.status == 200 and isinstance(json.load(resp), list | dict)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the session started above: the server and nothing else
        try:
            output, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output, _ = proc.communicate()
    if not answered:
        return 1, f"{url} did not answer 200 within {SERVE_TIMEOUT} s\n{output}"
    return 0, output


def test_tour_lines_are_parsed() -> None:
    """The parser on a made-up block: continuation, comments, quotes, set-up lines."""
    block = ('# a comment\nsource .venv/bin/activate   # PATH\n\npainregen dose a.csv --dose d \\\n'
             '    --models "emax:2,sigEmax:5/3"  # MCP-Mod\npainregen vocab search "SD rats"\n')
    lines = tour_lines(block)
    assert len(lines) == 3 and lines[1].startswith("painregen dose a.csv --dose d      --models")
    assert [painregen_command(x) for x in lines] == [None, "dose", "vocab"]
    assert words(lines[2]) == ["painregen", "vocab", "search", "SD rats"]
    assert serve_line("painregen serve --db x.db --port 8000  # web", 5) == "exec painregen serve --db x.db --port 5"
    assert outputs("painregen report --db a.db -o r.html  # -o x") == ["r.html"] and outputs(lines[0]) == []


def test_tour_shows_every_top_level_command() -> None:
    shown = {painregen_command(line) for line in tour_lines(tour_block(README.read_text(encoding="utf-8")))}
    missing = [c for c in top_level_commands() if c not in shown]
    assert not missing, f"README tour has no line for: {', '.join(missing)} (add one to the sh block)"


@pytest.mark.slow
def test_every_tour_command_runs(tour_dir: Path) -> None:
    lines = tour_lines(tour_block(README.read_text(encoding="utf-8")))
    unknown = set(EXPECTED_FAILURES) - {shlex.join(words(line)) for line in lines}
    assert not unknown, f"EXPECTED_FAILURES names lines that are not in the tour: {unknown}"
    env = clean_env(tour_dir)
    env_file = tour_dir.parent / "tour.env"
    failures: list[str] = []
    for line in lines:
        started = time.monotonic()
        if painregen_command(line) == "serve":
            rc, output = run_serve(line, env)
        else:
            rc, output, env = run_line(line, env, env_file)
        print(f"{time.monotonic() - started:6.1f} s  exit {rc}  {line}")  # shown when the test fails (or with -s)
        missing = [o for o in outputs(line) if rc == 0 and not (Path(env["PWD"]) / o).exists()]
        if missing:
            output += f"\nexit 0 but no {', '.join(missing)} written"
        broken = rc != 0 or "Traceback" in output or bool(missing)
        expected = EXPECTED_FAILURES.get(shlex.join(words(line)))
        if expected:
            if not broken:
                failures.append(f"{line}\n  now succeeds: delete it from EXPECTED_FAILURES ({expected})")
            continue
        if broken:
            failures.append(f"{line}\n  exit {rc}{', traceback' if 'Traceback' in output else ''}:\n"
                            + "\n".join("    " + x for x in output.strip().splitlines()[-25:]))
    assert not failures, "README tour lines failed:\n" + "\n".join(failures)
