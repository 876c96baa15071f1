"""Issue 14: the command line starts without the scientific stack. Importing painregen.cli.main, and running
`painregen --version` or `--help`, must not import matplotlib, SQLAlchemy, FastAPI, pandas or scipy.stats (so
the start-up gain cannot silently regress; the time itself is measured in benchmarks/startup.py). Every command
listed loads, and its listed help is its own. `painregen meta FILE` (a pooled model) does not load pandas or
scipy.stats either."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from painregen.cli.main import COMMANDS, load_command

HEAVY = ("matplotlib", "sqlalchemy", "fastapi", "pandas", "scipy.stats", "numpy", "alembic", "jinja2", "pydantic")
PROBE = """
import json, sys
from painregen.cli.main import app
args = {args!r}
if args:
    try:
        app(args, prog_name="painregen")
    except SystemExit:
        pass
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


@pytest.mark.parametrize("args", [[], ["--version"], ["--help"]])
def test_start_up_imports_nothing_heavy(args: list[str]) -> None:
    out = subprocess.run([sys.executable, "-c", PROBE.format(args=args, heavy=HEAVY)], capture_output=True,
                         text=True, check=True).stdout.strip().splitlines()[-1]
    assert json.loads(out) == []


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_listed_command_loads_with_its_own_help(name: str) -> None:
    command = load_command(name)
    assert command.name == name
    listed = COMMANDS[name][2]
    own = (command.help or "").strip()
    if command.callback is not None and not hasattr(command, "list_commands"):  # a single command
        first = own.split("\n\n")[0].replace("\n", " ").strip()
        assert first == listed, (name, first, listed)
    else:
        assert own and listed


META_HEAVY = ("matplotlib", "sqlalchemy", "fastapi", "pandas", "scipy.stats", "scipy.optimize")
META_PROBE = """
import json, sys
from painregen.cli.main import app
try:
    app({args!r}, prog_name="painregen")
except SystemExit as exc:
    assert not exc.code, exc.code
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


@pytest.mark.parametrize("options", [[], ["--json"], ["--method", "DL", "--test", "knha"], ["--method", "PM"],
                                     ["--method", "FE"]])
def test_plain_meta_imports_nothing_heavy(tmp_path: Path, options: list[str]) -> None:
    """`painregen meta FILE` (a pooled model of yi and vi) loads neither pandas nor scipy.stats/optimize; its
    numbers are those of the library call."""
    from painregen.meta import rma

    rng = np.random.default_rng(14)
    yi, vi = rng.normal(0.8, 0.4, 30), rng.uniform(0.05, 0.5, 30)
    file = tmp_path / "m30.csv"
    rows = zip(yi.tolist(), vi.tolist(), strict=True)
    file.write_text("study,yi,vi\n" + "".join(f"s{i},{y!r},{v!r}\n" for i, (y, v) in enumerate(rows)))
    out = subprocess.run([sys.executable, "-c", META_PROBE.format(args=["meta", str(file), *options],
                                                                  heavy=META_HEAVY)],
                         capture_output=True, text=True, check=True).stdout.strip().splitlines()
    assert json.loads(out[-1]) == []
    method = options[options.index("--method") + 1] if "--method" in options else "REML"
    test = options[options.index("--test") + 1] if "--test" in options else "z"
    res = rma(yi, vi, method=method, test=test)
    if "--json" in options:
        assert json.loads("\n".join(out[:-1]))["estimate"] == pytest.approx(float(res.b[0]), rel=1e-12)
    else:
        assert f"{float(res.b[0]):.4f}" in "\n".join(out[:-1])


LOAD_PROBE = """
import json, sys
from pathlib import Path
from painregen.evidence.files import read_dataset, write_dataset
from painregen.registry import open_registry
from painregen.simulate import default_dataset
from painregen.io.tables import sha256_of
data = Path({folder!r}) / "d.csv"
write_dataset(default_dataset(), data)
ds, fmt = read_dataset(data)
with open_registry(Path({folder!r}) / "r.db") as reg:
    reg.import_dataset(ds, source=data, sha256=sha256_of(data), fmt=fmt)
    reg.analysis_evidence()
print(json.dumps(sorted(m for m in ("scipy.stats", "scipy.optimize", "matplotlib", "pandas") if m in sys.modules)))
"""


def test_simulate_import_and_load_wait_for_no_analysis_stack(tmp_path: Path) -> None:
    """The demo's serial start (simulate, write, read, import into a registry, load the evidence) loads none of
    scipy.stats, scipy.optimize, matplotlib or pandas: they are imported beside the review workflow."""
    out = subprocess.run([sys.executable, "-c", LOAD_PROBE.format(folder=str(tmp_path))], capture_output=True,
                         text=True, check=True).stdout.strip().splitlines()
    assert json.loads(out[-1]) == []


def test_the_process_skips_its_final_garbage_collection() -> None:
    """main() freezes the heap when the command is done (the final collection of a report process took ~0.5 s and
    only freed memory the system takes back); the command's output is complete and atexit handlers still run."""
    probe = ("import atexit, gc, sys\n"
             "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0))\n"
             "sys.argv = ['painregen', '--version']\n"
             "from painregen.cli.main import main\n"
             "main()\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[-1] == "frozen True" and lines[0].startswith("painregen ")


def test_review_workflow_and_its_summary_load_no_report_stack() -> None:
    """The demo's review workflow runs in a child process beside the report: it and the review summary it hands
    over import neither the report package nor matplotlib, pandas or scipy.stats (the child used to import the
    whole report stack, a second time, to reach the summary)."""
    probe = ("import json, sys\n"
             "from painregen.review.demo import run_review_demo\n"
             "from painregen.review.summary import review_summary\n"
             "print(json.dumps(sorted(m for m in ('painregen.report', 'matplotlib', 'pandas', 'scipy.stats')"
             " if m in sys.modules)))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


REPORT_PROCESS_PROBE = """
import json, pickle, sys
import painregen.report.build
with open({path!r}, "rb") as fh:
    evidence, summary = pickle.load(fh)
from painregen.report.pipeline import run_analysis
run_analysis(evidence)
print(json.dumps([len(evidence.dataset.studies), summary["prisma"].records_identified,
                  sorted(m for m in ("sqlalchemy", "alembic", "painregen.registry") if m in sys.modules)]))
"""


def test_the_demo_report_process_needs_no_registry_orm(tmp_path: Path) -> None:
    """The demo's child process builds the registry and sends the evidence and the review summary to the report
    process, which then never imports SQLAlchemy or the registry (about half a second of its start): what crosses
    the pipe unpickles, and the analysis runs, without them."""
    import pickle

    from painregen.cli.demo_cmd import DemoWorkflow
    from painregen.simulate import simulate

    ds = simulate(3, seed=21)
    workflow = DemoWorkflow(tmp_path / "d.db", tmp_path, ds, tmp_path / "d.csv")
    evidence = workflow.ready()
    summary = workflow.summary()
    assert summary is not None
    (tmp_path / "sent.pkl").write_bytes(pickle.dumps((evidence, summary)))
    out = subprocess.run([sys.executable, "-c", REPORT_PROCESS_PROBE.format(path=str(tmp_path / "sent.pkl"))],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    n, records, loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert n == 3 and records == summary["prisma"].records_identified > 0
    assert loaded == []


def test_the_collector_is_paused_while_a_command_loads() -> None:
    """cli.common.collector_paused: no collection inside the block; after it what is alive is frozen and collection
    resumes (or stays off when it was off)."""
    import gc

    from painregen.cli.common import collector_paused

    assert gc.isenabled()
    gc.unfreeze()
    try:
        with collector_paused():
            assert not gc.isenabled()
            kept = [[i] for i in range(1000)]
        assert gc.isenabled() and gc.get_freeze_count() > len(kept)
        gc.unfreeze()
        gc.disable()
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()


def test_report_reads_the_registry_beside_the_report_stack(tmp_path: Path) -> None:
    """`painregen report` reads the registry in a child process while it imports the report stack: the main
    process never imports SQLAlchemy, and the report is written."""
    from painregen.io.tables import sha256_of
    from painregen.registry import open_registry
    from painregen.simulate import simulate

    ds = simulate(3, seed=4)
    with open_registry(tmp_path / "r.db") as reg:
        reg.import_dataset(ds, source=tmp_path / "s.csv", sha256=sha256_of(Path(__file__)), fmt="template")
    probe = ("import atexit, json, os, sys\n"
             "pid = os.getpid()\n"
             "atexit.register(lambda: os.getpid() == pid and print(json.dumps(sorted(m for m in "
             "('sqlalchemy', 'painregen.registry') if m in sys.modules))))\n"
             f"sys.argv = ['painregen', 'report', '--db', {str(tmp_path / 'r.db')!r}, '-o', "
             f"{str(tmp_path / 'out' / 'report.html')!r}]\n"
             "from painregen.cli.main import main\n"
             "main()\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
    assert (tmp_path / "out" / "report.html").stat().st_size > 10_000
