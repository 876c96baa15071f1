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
    pid, value = Beside(lambda: [_pid_and_square(7)]).result()
    assert value == 49 and pid != os.getpid()


def test_values_come_as_they_are_made_and_an_error_after_them() -> None:
    """A generator's steps: each value is read when it is there; an error raised after the first value is raised
    for the values it prevented, and the values made before it stay readable."""

    def steps():  # type: ignore[no-untyped-def]
        yield "registry built"
        raise ScopeError("no import 99 in the registry")

    work = Beside(steps, n=2)
    assert work.result(0) == "registry built"
    with pytest.raises(ScopeError, match="no import 99"):
        work.result(1)
    assert work.result(0) == "registry built"


def test_a_child_that_stops_is_named_by_the_fallback() -> None:
    def dies():  # type: ignore[no-untyped-def]
        yield 1
        os._exit(3)

    work = Beside(dies, n=2, fallback=LookupError)
    assert work.result(0) == 1
    with pytest.raises(LookupError, match="stopped \\(exit code 3\\)"):
        work.result(1)


def test_the_error_is_raised_here_as_itself() -> None:
    with pytest.raises(ScopeError, match="no import 99"):
        Beside(lambda: [_scope_error()]).result()


def test_an_error_that_cannot_be_pickled_is_named() -> None:
    class Local(Exception):
        pass

    assert isinstance(portable(ValueError("x")), ValueError)
    err = portable(Local("disk full"))
    assert isinstance(err, RuntimeError) and "Local: disk full" in str(err)

    def fails() -> None:
        raise Local("disk full")

    with pytest.raises(RuntimeError, match="Local: disk full"):
        Beside(lambda: [fails()]).result()


def test_without_fork_the_work_runs_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    pid, value = Beside(lambda: [_pid_and_square(3)]).result()
    assert (pid, value) == (os.getpid(), 9)
    with pytest.raises(ScopeError):
        Beside(lambda: [_scope_error()]).result()
