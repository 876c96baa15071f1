"""Shared pieces of the command-line shell: error mapping to exit codes and console output."""

from __future__ import annotations

import functools
import gc
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from painregen.io.problems import InvalidDataError, summary_lines

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INVALID_DATA = 1
EXIT_USAGE = 2


def fail(message: str, code: int = EXIT_INVALID_DATA) -> NoReturn:
    """Print ``error: message`` on standard error (never wrapped, so paths stay whole) and exit."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def report_problems(exc: InvalidDataError) -> NoReturn:
    """Print the first problems (``MAX_SHOWN``), count the rest, and exit 1."""
    for line in summary_lines(exc.problems, exc.total):
        sys.stderr.write(f"{line}\n")
    sys.stderr.write(f"{exc.total} problem(s); nothing was written.\n")
    raise typer.Exit(EXIT_INVALID_DATA)


@contextmanager
def collector_paused() -> Iterator[None]:
    """The garbage collector paused while a command imports its stack and loads its data: the objects made then
    live on, and the full collections their number set off walked every one of them to free nothing (four in the
    demo's main process, 0.25 s; seven in a 200-study report, 0.6 s). After the block what is alive is frozen
    (``gc.freeze``: out of the collector's generations, so that the first collections after it do not walk it
    either) and collection resumes; the report's sections unfreeze everything when they are built."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def data_command(func: F) -> F:
    """Map user errors to exit codes without tracebacks: invalid data -> 1 (every problem printed)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InvalidDataError as exc:
            report_problems(exc)
        except FileNotFoundError as exc:
            fail(f"no such file: {exc.filename or exc}" if exc.filename else str(exc))
        except OSError as exc:
            if exc.filename is None:  # not about a path the user gave: unexpected
                raise
            # a path that cannot be read or written: a folder where a file goes, no permission, a full disk
            fail(f"cannot read or write {exc.filename2 or exc.filename}: {exc.strerror or exc}")
        except Exception as exc:
            from painregen.registry.records import RegistryError

            if isinstance(exc, RegistryError):
                fail(str(exc))
            raise

    return wrapper  # type: ignore[return-value]


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, allow_nan=False, default=_jsonable) + "\n")


def _jsonable(o: Any) -> Any:
    import numpy as np

    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
