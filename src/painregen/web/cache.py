"""Results of an unchanged registry, kept per server process: a small LRU keyed by the registry's content version
(:meth:`painregen.registry.Registry.content_version`) and the request's parameters, so that a second view of the
same analysis is instant and any change to the registry (an import, an answer, a mapping decision) makes the old
entries unreachable."""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["ResultCache"]


class ResultCache:
    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._flights: dict[Hashable, tuple[threading.Lock, int]] = {}

    @contextmanager
    def single_flight(self, key: Hashable) -> Iterator[None]:
        """Hold the key's own lock: of concurrent requests for the same uncached result one computes it and the
        others wait for it and then find it cached, instead of all computing it at once."""
        with self._lock:
            lock, users = self._flights.get(key, (threading.Lock(), 0))
            self._flights[key] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._lock:
                lock, users = self._flights[key]
                if users == 1:
                    del self._flights[key]
                else:
                    self._flights[key] = (lock, users - 1)

    def get(self, key: Hashable) -> Any | None:
        """A copy of the cached value (callers may add to it), or None."""
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return copy.copy(self._items[key])

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value of ``key`` (a copy, as :meth:`get`), else ``compute()``, cached under ``key``; of
        concurrent callers for the same missing key one computes and the others then find it (:meth:`single_flight`).
        """
        with self.single_flight(key):
            hit = self.get(key)
            if hit is None:
                hit = compute()
                self.put(key, hit)
        return hit

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
