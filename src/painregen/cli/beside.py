"""Work started in a forked child process while this one goes on, e.g. a registry read while the report stack is
imported (``painregen report``), or the demo's registry and review workflow; its values, or its error, come back
through a pipe as they are made."""

from __future__ import annotations

import multiprocessing
import pickle
from collections.abc import Callable, Iterable
from typing import Any, cast

from painregen.cli.common import collector_paused


def portable(exc: BaseException, fallback: Callable[[str], Exception] = RuntimeError) -> BaseException:
    """``exc`` if it survives pickling (to be raised again in another process), else ``fallback`` naming it."""
    try:
        return cast(BaseException, pickle.loads(pickle.dumps(exc)))
    except Exception:
        return fallback(f"{type(exc).__name__}: {exc}")


class Beside:
    """The ``n`` values of ``work()`` (a list, or a generator whose steps run one after the other), made in a
    forked child process while this one goes on; :meth:`result` ``(i)`` waits for the i-th, and raises what
    ``work`` raised before making it. The child pauses the garbage collector while it makes the first value (the
    load: imports and data that live on; :func:`painregen.cli.common.collector_paused`) and runs the later steps
    with it. ``fallback`` makes the error raised here for one that cannot be pickled, or for a child that stops
    before its last value. Where processes cannot be forked, everything runs here, at once."""

    def __init__(self, work: Callable[[], Iterable[Any]], n: int = 1,
                 fallback: Callable[[str], Exception] = RuntimeError) -> None:
        self._n, self._fallback = n, fallback
        self._values: list[tuple[bool, Any]] = []  # (made, the value or the error raised instead)
        self._proc: Any = None
        if "fork" not in multiprocessing.get_all_start_methods():
            try:
                self._values += [(True, value) for value in work()]
            except Exception as exc:
                self._values.append((False, exc))
            return
        ctx = multiprocessing.get_context("fork")
        self._receive, send = ctx.Pipe(duplex=False)

        def child() -> None:
            try:
                with collector_paused():
                    steps = iter(work())
                    first = next(steps)
                send.send((True, first))
                for value in steps:
                    send.send((True, value))
            except Exception as exc:  # raised again by result(), in this process
                send.send((False, portable(exc, fallback)))

        self._proc = ctx.Process(target=child, daemon=True)
        self._proc.start()
        send.close()

    def result(self, i: int = 0) -> Any:
        """The i-th value (waits for it); raises what ``work`` raised before making it."""
        while len(self._values) <= i and (not self._values or self._values[-1][0]) and self._proc is not None:
            try:
                self._values.append(self._receive.recv())
            except EOFError:
                self._proc.join()
                self._values.append((False, self._fallback(f"the process working beside stopped (exit code "
                                                           f"{self._proc.exitcode})")))
            if len(self._values) == self._n or not self._values[-1][0]:  # nothing more will come
                self._receive.close()
                self._proc.join()
                self._proc = None
        made, value = self._values[min(i, len(self._values) - 1)]
        if not made:
            raise cast(BaseException, value)
        if i >= len(self._values):
            raise IndexError(f"the work beside made {len(self._values)} values, not {i + 1}")
        return value
