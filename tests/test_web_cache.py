"""Issue 14: the workbench keeps the analysis of an unchanged registry, keyed by its content version."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from painregen.evidence.files import write_dataset
from painregen.simulate import simulate
from painregen.web.app import create_app
from painregen.web.views import analysis


def test_a_second_view_is_served_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = analysis.run_analysis

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(analysis, "run_analysis", counted)
    with TestClient(create_app(tmp_path / "r.db", work_dir=tmp_path / "jobs")) as c:
        for seed, name in ((1, "a.csv"), (2, "b.csv")):
            path = tmp_path / name
            ds = simulate(3, seed=seed)
            write_dataset(ds.model_copy(update={"studies": [s.model_copy(update={"title": f"{s.title} {seed}"})
                                                            for s in ds.studies]}), path)
            if seed == 2:
                first = c.get("/api/analysis", params={"figures": "false"}).json()
                again = c.get("/api/analysis", params={"figures": "false"}).json()
                assert again == first and len(calls) == 1  # unchanged registry: computed once
            r = TestClient(c.app).post("/api/upload", files={"file": (name, path.read_bytes(), "text/csv")})
            assert r.status_code == 201, r.text
        after = c.get("/api/analysis", params={"figures": "false"}).json()
        assert len(calls) == 2 and after["summary"]["studies"] == 6  # the import changed the content version


def test_concurrent_views_of_one_uncached_analysis_compute_it_once(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Eight requests arriving together: one computes, the other seven wait for it and are served from the cache."""
    calls: list[int] = []
    started = threading.Event()
    real = analysis.run_analysis

    def slow(*args: object, **kwargs: object) -> object:
        calls.append(1)
        started.set()
        time.sleep(0.5)  # long enough that the other requests arrive while this one computes
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(analysis, "run_analysis", slow)
    path = tmp_path / "a.csv"
    write_dataset(simulate(3, seed=1), path)
    with TestClient(create_app(tmp_path / "r.db", work_dir=tmp_path / "jobs")) as c:
        assert c.post("/api/upload", files={"file": ("a.csv", path.read_bytes(), "text/csv")}).status_code == 201
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: c.get("/api/analysis", params={"figures": "false"}), range(8)))
    assert [r.status_code for r in answers] == [200] * 8
    assert len(calls) == 1 and started.is_set()
    assert all(r.json() == answers[0].json() for r in answers)


def test_get_or_compute_computes_once_and_hands_out_copies() -> None:
    from painregen.web.cache import ResultCache

    cache = ResultCache(size=2)
    calls: list[int] = []

    def compute() -> dict[str, int]:
        calls.append(1)
        time.sleep(0.05)  # long enough for the other callers to arrive while it runs
        return {"n": 1}

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: cache.get_or_compute("k", compute), range(6)))
    assert len(calls) == 1 and results == [{"n": 1}] * 6
    hit = cache.get_or_compute("k", compute)
    hit["n"] = 2  # a caller's change does not reach the cache
    assert cache.get("k") == {"n": 1} and len(calls) == 1
    for key in ("a", "b"):  # size 2: the oldest key, "k", is dropped
        cache.put(key, {"n": 0})
    assert cache.get("k") is None
