"""Issue 14: the command line starts without the scientific stack. Importing painregen.cli.main, and running
`painregen --version` or `--help`, must not import matplotlib, SQLAlchemy, FastAPI, pandas or scipy.stats (so
the start-up gain cannot silently regress; the time itself is measured in benchmarks/startup.py). Every command
listed loads, and its listed help is its own."""

from __future__ import annotations

import json
import subprocess
import sys

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
