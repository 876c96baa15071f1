"""cli.beside.Beside: work read ahead in a forked child comes back as its result or as its error."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from painregen.cli.beside import Beside, portable
from painregen.evidence.scoped import ScopeError


def _pid_and_square(x: int) -> tuple[int, int]:
    return os.getpid(), x * x


def _scope_error() -> None:
    raise ScopeError("no import 99 in the registry")


def test_the_result_comes_from_another_process() -> None:
    pid, value = Beside(lambda: _pid_and_square(7)).result()
    assert value == 49 and pid != os.getpid()


def test_the_error_is_raised_here_as_itself() -> None:
    with pytest.raises(ScopeError, match="no import 99"):
        Beside(_scope_error).result()


def test_an_error_that_cannot_be_pickled_is_named() -> None:
    class Local(Exception):
        pass

    assert isinstance(portable(ValueError("x")), ValueError)
    err = portable(Local("disk full"))
    assert isinstance(err, RuntimeError) and "Local: disk full" in str(err)

    def fails() -> None:
        raise Local("disk full")

    with pytest.raises(RuntimeError, match="Local: disk full"):
        Beside(fails).result()


def test_without_fork_the_work_runs_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    pid, value = Beside(lambda: _pid_and_square(3)).result()
    assert (pid, value) == (os.getpid(), 9)
    with pytest.raises(ScopeError):
        Beside(_scope_error).result()
