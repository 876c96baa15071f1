"""Work started in a forked child process while this one goes on, e.g. a registry read while the report stack is
imported (``painregen report``); the result, or the error, comes back through a pipe."""

from __future__ import annotations

import multiprocessing
import pickle
from collections.abc import Callable
from typing import Generic, TypeVar, cast

from painregen.cli.common import collector_paused

T = TypeVar("T")


def portable(exc: BaseException, fallback: Callable[[str], Exception] = RuntimeError) -> BaseException:
    """``exc`` if it survives pickling (to be raised again in another process), else ``fallback`` naming it."""
    try:
        return cast(BaseException, pickle.loads(pickle.dumps(exc)))
    except Exception:
        return fallback(f"{type(exc).__name__}: {exc}")


class Beside(Generic[T]):
    """``work()`` run in a forked child process (where processes can be forked; here, at once, otherwise), its
    result read by :meth:`result`, which raises what ``work`` raised. The child pauses the garbage collector, as
    a command's load does (:func:`painregen.cli.common.collector_paused`)."""

    def __init__(self, work: Callable[[], T]) -> None:
        self._value: tuple[str, object] | None = None
        if "fork" not in multiprocessing.get_all_start_methods():
            try:
                self._value = ("ok", work())
            except Exception as exc:
                self._value = ("failed", exc)
            return
        ctx = multiprocessing.get_context("fork")
        self._receive, send = ctx.Pipe(duplex=False)

        def child() -> None:
            try:
                with collector_paused():
                    value = work()
                send.send(("ok", value))
            except Exception as exc:  # raised again by result(), in this process
                send.send(("failed", portable(exc)))

        self._proc = ctx.Process(target=child, daemon=True)
        self._proc.start()
        send.close()

    def result(self) -> T:
        """The result of ``work()`` (waits for it); raises what it raised."""
        if self._value is None:
            try:
                self._value = self._receive.recv()
            except EOFError:
                self._proc.join()
                self._value = ("failed", RuntimeError(f"the process reading ahead stopped (exit code "
                                                      f"{self._proc.exitcode})"))
            finally:
                self._receive.close()
            self._proc.join()
        status, value = self._value
        if status != "ok":
            raise cast(BaseException, value)
        return cast(T, value)
